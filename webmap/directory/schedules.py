"""Reading a service's stored hours and languages, and the block results show about them.

``availability`` is what the referral answer (API, page, sheet) and the directory detail page
carry: the hours as text and in words, the status at a moment ("Ouvert maintenant", "Fermé —
ouvre lundi à 08:00", "Ouvert 24h/24"; none when the hours are not known) and the languages by
French name.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Language, Schedule
from .hours import Opening, format_hours, from_byday, hours_words, not_recorded, status
from .languages import BY_NAME


def opening(byday: str, opens_at: dt.time, closes_at: dt.time) -> Opening:
    return Opening(from_byday(byday), opens_at, closes_at)


def openings_by_service(session: Session, service_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Opening]]:
    ids = list(service_ids)
    result: dict[uuid.UUID, list[Opening]] = {i: [] for i in ids}
    if ids:
        rows = session.execute(
            select(Schedule.service_id, Schedule.byday, Schedule.opens_at, Schedule.closes_at)
            .where(Schedule.service_id.in_(ids))
        )
        for row in rows:
            result[row.service_id].append(opening(row.byday, row.opens_at, row.closes_at))
    return result


def languages_by_service(session: Session, service_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    ids = list(service_ids)
    result: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
    if ids:
        rows = session.execute(
            select(Language.service_id, Language.name)
            .where(Language.service_id.in_(ids))
            .order_by(Language.service_id, Language.position, Language.name)
        )
        for row in rows:
            result[row.service_id].append(row.name)
    return result


def stored_openings(session: Session, service_id: uuid.UUID) -> list[Opening]:
    return openings_by_service(session, [service_id])[service_id]


def stored_languages(session: Session, service_id: uuid.UUID) -> list[str]:
    return languages_by_service(session, [service_id])[service_id]


def language_entries(names: Iterable[str]) -> list[dict]:
    """``[{"name": "dioula", "code": "dyu"}, …]`` (code ``None`` for a group such as sénoufo)."""
    return [{"name": name, "code": BY_NAME[name].code if name in BY_NAME else None} for name in names]


def availability(openings: list[Opening], language_names: list[str], moment: dt.datetime) -> dict:
    """The hours and languages of one result, at ``moment``."""
    state = status(openings, moment)
    return {
        "hours": {
            "text": format_hours(openings) or None,
            "words": hours_words(openings) or not_recorded(),
            "known": bool(openings),
            "status": state.as_dict() if state else None,
            "schedules": [
                {"byday": o.byday, "opens_at": o.opens.strftime("%H:%M"), "closes_at": o.closes.strftime("%H:%M")}
                for o in openings
            ],
        },
        "languages": language_entries(language_names),
    }


def service_availability(session: Session, service_id: uuid.UUID, moment: dt.datetime) -> dict:
    """``availability`` of one service read from the database."""
    return availability(stored_openings(session, service_id), stored_languages(session, service_id), moment)
