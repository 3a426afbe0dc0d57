"""Possible duplicates of a record about to be written, for the form and the import alike.

A new record is probably a second copy of an existing one when

1. its folded name (accents, case and punctuation ignored) is the same and both lie in the same
   town (the gazetteer town, or the same town name) or the same sous-préfecture, however far
   apart their points are — a town's point and a street address can be kilometres apart;
2. it shares a phone number (normalised; the short national codes such as 116 are shared by
   design and never count);
3. its name is very similar (trigram similarity, PostgreSQL's ``pg_trgm``, at least
   ``SIMILAR_NAME``) and it lies within ``NEAR_M`` metres — unless the names carry different
   numbers ("Commissariat du 10e arrondissement" and "… du 11e …" are two police stations).

Records merged into another one (``service.merged_into``) are not compared. Nothing here
refuses anything: the caller flags the duplicate and the person may confirm a deliberate second
record. Distances are to the exact points: the messages are for editors, never for the public.

Flask-free but for the translated messages.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Float, Integer, String

from ..errors import WebmapError
from ..models import Location, Phone, Service, ServiceAtLocation
from ..text import fold
from .validation import SHORT_CODE

SIMILAR_NAME = 0.6  # pg_trgm similarity: "Centre social de Bouaké" ~ "Centre social Bouaké" = 0.8
NEAR_M = 2_000

NAME_TOWN, PHONE, SIMILAR = "name_town", "phone", "similar_name"


@dataclass(frozen=True)
class Candidate:
    """A record about to be written, as the rules compare it (``key``: the caller's handle)."""

    key: int
    name: str
    lon: float | None = None
    lat: float | None = None
    phones: tuple[str, ...] = ()  # normalised numbers
    place_id: int | None = None  # its gazetteer town
    adm3_pcode: str | None = None  # its sous-préfecture
    town: str | None = None


@dataclass(frozen=True)
class Duplicate:
    """An existing record (or an earlier row of the same file) that ``Candidate`` may repeat."""

    rule: str
    name: str
    service_id: uuid.UUID | None = None  # None: a row of the file
    row: int | None = None
    distance_m: float | None = None
    number: str | None = None
    town: str | None = None
    similarity: float | None = None

    def message(self) -> str:
        """Why, in a sentence: which record, and by which rule."""
        if self.service_id is not None:
            what = _("“%(name)s”, already in the directory", name=self.name)
        else:
            what = _("row %(row)d of the file (“%(name)s”)", row=self.row, name=self.name)
        if self.rule == PHONE:
            return _("Probable duplicate of %(what)s: same phone number (%(number)s).",
                     what=what, number=self.number)
        distance = _distance(self.distance_m)
        if self.rule == NAME_TOWN:
            return _("Probable duplicate of %(what)s: same name, same town or sous-préfecture "
                     "(%(town)s), %(distance)s away.", what=what, town=self.town or "?", distance=distance)
        return _("Probable duplicate of %(what)s: very similar name, %(distance)s away.",
                 what=what, distance=distance)


class DuplicateSuspected(WebmapError):
    """The record looks like one already in the directory: confirm it is another one."""

    status = 409

    def __init__(self, duplicates: Sequence[Duplicate]) -> None:
        super().__init__("possible duplicate", {"duplicates": [str(d.service_id) for d in duplicates]})
        self.duplicates = list(duplicates)


def _distance(metres: float | None) -> str:
    if metres is None:
        return "?"
    if metres < 1000:
        return _("%(metres)s m", metres=format_decimal(round(metres)))
    return _("%(km)s km", km=format_decimal(round(metres / 1000, 1)))


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def _point(c: Candidate) -> tuple[float, float] | None:
    return (c.lon, c.lat) if c.lon is not None and c.lat is not None else None


def same_town(a_place: int | None, a_adm3: str | None, a_town: str | None,
              b_place: int | None, b_adm3: str | None, b_town: str | None) -> bool:
    """Same gazetteer town, same sous-préfecture, or the same town name (folded)."""
    return (
        (a_place is not None and a_place == b_place)
        or (a_adm3 is not None and a_adm3 == b_adm3)
        or (bool(fold(a_town)) and fold(a_town) == fold(b_town))
    )


def callable_numbers(phones: Iterable[str]) -> list[str]:
    """The numbers that identify a structure: not the shared short codes (116, 111...)."""
    return [p for p in phones if p and not SHORT_CODE.match(p)]


def candidate_of(key: int, data, clean: dict) -> Candidate:
    """A ``ServiceInput`` and what ``records.validate`` made of it, as the rules compare it."""
    situation = clean.get("situation")
    named = clean.get("public_town")  # a confidential place: the town its editor named
    return Candidate(
        key=key,
        name=clean.get("name") or data.name or "",
        lon=data.lon,
        lat=data.lat,
        phones=tuple(clean.get("phones") or ()),
        place_id=named.id if named else (situation.place_id if situation else None),
        adm3_pcode=situation.adm3_pcode if situation else None,
        town=named.name if named else (data.town or (situation.town if situation else None)),
    )


# --- against the directory ----------------------------------------------------------------------

_SIMILAR_SQL = text(f"""
SELECT c.key, s.id, s.name, similarity(s.name_key, c.name_key) AS similarity,
       ST_Distance(geography(l.geom), geography(p.pt)) AS metres
FROM unnest(:keys, :names, :lons, :lats) AS c(key, name_key, lon, lat)
CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326) AS pt) p
JOIN location l ON ST_DWithin(l.geom, p.pt, :degrees)
JOIN service_at_location sal ON sal.location_id = l.id
JOIN service s ON s.id = sal.service_id
WHERE s.merged_into IS NULL AND s.id::text <> ALL(:exclude)
  AND similarity(s.name_key, c.name_key) >= {SIMILAR_NAME}
  AND ST_DWithin(geography(l.geom), geography(p.pt), {NEAR_M})
ORDER BY c.key, similarity DESC, metres
""").bindparams(
    bindparam("keys", type_=ARRAY(Integer)), bindparam("names", type_=ARRAY(String)),
    bindparam("lons", type_=ARRAY(Float)), bindparam("lats", type_=ARRAY(Float)),
    bindparam("exclude", type_=ARRAY(String)),
)
# A box around the point wide enough for NEAR_M at the latitudes of Côte d'Ivoire (GiST index).
_NEAR_DEGREES = 0.03


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def find_duplicates(
    session: Session, candidates: Sequence[Candidate], exclude: Iterable[uuid.UUID] = ()
) -> dict[int, list[Duplicate]]:
    """Existing records each candidate may repeat (by candidate key), the strongest rule first."""
    excluded = {str(i) for i in exclude}
    found: dict[int, list[Duplicate]] = {}
    seen: dict[int, set[uuid.UUID]] = {}

    def add(key: int, duplicate: Duplicate) -> None:
        if duplicate.service_id in seen.setdefault(key, set()) or str(duplicate.service_id) in excluded:
            return
        seen[key].add(duplicate.service_id)
        found.setdefault(key, []).append(duplicate)

    by_name: dict[str, list[Candidate]] = {}
    for c in candidates:
        if fold(c.name):
            by_name.setdefault(fold(c.name), []).append(c)
    for chunk in _chunks(sorted(by_name)):
        rows = session.execute(
            select(Service.id, Service.name, Service.name_key, Location.place_id, Location.adm3_pcode,
                   Location.town, func.ST_X(Location.geom).label("lon"), func.ST_Y(Location.geom).label("lat"))
            .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .where(Service.name_key.in_(chunk), Service.merged_into.is_(None))
            .order_by(Service.name, Service.id)
        ).all()
        for r in rows:
            for c in by_name[r.name_key]:
                if same_town(c.place_id, c.adm3_pcode, c.town, r.place_id, r.adm3_pcode, r.town):
                    point = _point(c)
                    add(c.key, Duplicate(NAME_TOWN, r.name, service_id=r.id, town=r.town,
                                         distance_m=_metres(point, (r.lon, r.lat)) if point else None))
    by_number: dict[str, list[Candidate]] = {}
    for c in candidates:
        for number in callable_numbers(c.phones):
            by_number.setdefault(number, []).append(c)
    for chunk in _chunks(sorted(by_number)):
        rows = session.execute(
            select(Phone.number, Service.id, Service.name)
            .join(Service, Service.id == Phone.service_id)
            .where(Phone.number.in_(chunk), Service.merged_into.is_(None))
            .order_by(Service.name, Service.id)
        ).all()
        for r in rows:
            for c in by_number[r.number]:
                add(c.key, Duplicate(PHONE, r.name, service_id=r.id, number=r.number))
    placed = [c for c in candidates if _point(c) is not None and fold(c.name)]
    by_key = {c.key: c for c in placed}
    for chunk in _chunks(placed):
        rows = session.execute(_SIMILAR_SQL, {
            "keys": [c.key for c in chunk], "names": [fold(c.name) for c in chunk],
            "lons": [c.lon for c in chunk], "lats": [c.lat for c in chunk],
            "degrees": _NEAR_DEGREES, "exclude": sorted(excluded),
        }).all()
        for r in rows:
            if same_numbers(by_key[r.key].name, r.name):
                add(r.key, Duplicate(SIMILAR, r.name, service_id=r.id, distance_m=r.metres,
                                     similarity=round(r.similarity, 2)))
    return found


# --- within one file ----------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")
_NUMBER = re.compile(r"\d+")


def same_numbers(a: str, b: str) -> bool:
    """Both names carry the same numbers (none, or "10" and "10"): the similar-name rule applies."""
    return _NUMBER.findall(a) == _NUMBER.findall(b)


def trigrams(name: str) -> set[str]:
    """The trigrams ``pg_trgm`` takes from a name (each word padded: two spaces before, one after)."""
    result: set[str] = set()
    for word in _WORD.findall(fold(name)):
        padded = f"  {word} "
        result.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return result


def name_similarity(a: str, b: str) -> float:
    """``pg_trgm``'s ``similarity``: shared trigrams over all trigrams of both names."""
    ta, tb = trigrams(a), trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


class FileIndex:
    """The rows already accepted from one file, to find a later row repeating one of them."""

    _CELL = _NEAR_DEGREES

    def __init__(self) -> None:
        self._names: dict[str, list[Candidate]] = {}
        self._phones: dict[str, Candidate] = {}
        self._cells: dict[tuple[int, int], list[Candidate]] = {}
        self._labels: dict[int, str] = {}

    def _cell(self, point: tuple[float, float]) -> tuple[int, int]:
        return math.floor(point[0] / self._CELL), math.floor(point[1] / self._CELL)

    def match(self, c: Candidate) -> Duplicate | None:
        point = _point(c)
        for other in self._names.get(fold(c.name), []):
            if same_town(c.place_id, c.adm3_pcode, c.town, other.place_id, other.adm3_pcode, other.town):
                other_point = _point(other)
                return Duplicate(NAME_TOWN, other.name, row=other.key, town=other.town or c.town,
                                 distance_m=_metres(point, other_point) if point and other_point else None)
        for number in callable_numbers(c.phones):
            if number in self._phones:
                other = self._phones[number]
                return Duplicate(PHONE, other.name, row=other.key, number=number)
        if point is not None:
            x, y = self._cell(point)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for other in self._cells.get((x + dx, y + dy), []):
                        metres = _metres(point, _point(other))
                        if (metres <= NEAR_M and same_numbers(c.name, other.name)
                                and name_similarity(c.name, other.name) >= SIMILAR_NAME):
                            return Duplicate(SIMILAR, other.name, row=other.key, distance_m=metres)
        return None

    def add(self, c: Candidate) -> None:
        self._names.setdefault(fold(c.name), []).append(c)
        for number in callable_numbers(c.phones):
            self._phones.setdefault(number, c)
        point = _point(c)
        if point is not None:
            self._cells.setdefault(self._cell(point), []).append(c)
