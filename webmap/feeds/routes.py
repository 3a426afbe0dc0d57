"""Thin views of the change feeds: parse the filters, read the changes, write the document."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from flask import Response, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..api.params import parse_int, parse_text
from ..errors import BadParameter, NotFound
from ..extensions import db
from ..i18n import of_name
from ..models import AdminArea, Organization
from . import bp
from .changes import MAX_LIMIT, FeedChange, FeedFilter, list_changes
from .documents import FeedInfo, atom, json_document
from .words import readable_names

JSON_DEFAULT_LIMIT = 100


def _filters(args) -> tuple[FeedFilter, list[str]]:
    """The organisation and région filters, and the words naming them for the title."""
    named = []
    organization_id = None
    raw = parse_text(args, "organization", 64)
    if raw:
        try:
            organization_id = uuid.UUID(raw)
        except ValueError:
            raise BadParameter("organization", "expected an organisation id") from None
        organization = db.session.get(Organization, organization_id)
        if organization is None:
            raise NotFound("organization not found", {"id": raw})
        named.append(_("structures %(of_name)s", of_name=of_name(organization.name)))
    region = parse_text(args, "region", 16)
    if region:
        name = db.session.scalar(select(AdminArea.name).where(AdminArea.level == "adm1", AdminArea.pcode == region))
        if name is None:
            raise BadParameter("region", "unknown région")
        named.append(_("région %(name)s", name=name))
    return FeedFilter(organization_id=organization_id, region=region), named


def _info(filters: FeedFilter, named: list[str], endpoint: str) -> FeedInfo:
    query = {k: v for k, v in (("organization", filters.organization_id), ("region", filters.region)) if v}
    lang = str(get_locale())
    base_title = _("Changes to the directory")
    return FeedInfo(
        # The same identifier in every language and for every host: the filters name the feed.
        id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'webmap:/feeds/changes?' + json.dumps(query, default=str))}",
        title=" — ".join([base_title, *named]) if named else base_title,
        subtitle=_("Structures added, changed, confirmed or deactivated. Confidential places are shown "
                   "at their town only."),
        lang=lang,
        self_url=url_for(endpoint, _external=True, **query, **({"lang": lang} if "lang" in request.args else {})),
        alternate_url=url_for("directory.index", _external=True),
        entry_url=lambda change: url_for("directory.detail", service_id=change.service_id, _external=True),
    )


def _answer(body: bytes, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Vary"] = "Cookie"  # the language may come from the cookie
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/changes.atom")
def changes_atom():
    filters, named = _filters(request.args)
    changes, _more = list_changes(db.session, filters)
    names = readable_names(db.session, changes)
    body = atom(_info(filters, named, ".changes_atom"), changes, names)
    return _answer(body, "application/atom+xml")


def _parse_after(args) -> tuple[dt.datetime | None, tuple[str, str] | None]:
    raw = parse_text(args, "modified_after", 40)
    modified_after = None
    if raw:
        try:
            modified_after = dt.datetime.fromisoformat(raw.replace(" ", "+"))
        except ValueError:
            raise BadParameter("modified_after", "expected an ISO 8601 date and time") from None
        if modified_after.tzinfo is None:
            modified_after = modified_after.replace(tzinfo=dt.UTC)
    cursor = parse_text(args, "after", 80)
    after = None
    if cursor:
        if modified_after is None:
            raise BadParameter("after", "only with modified_after")
        entry, _sep, service_id = cursor.partition(",")
        try:
            if not (entry.isascii() and entry.isdigit() and len(entry) <= 18):
                raise ValueError(entry)
            after = (int(entry), str(uuid.UUID(service_id)))
        except ValueError:
            raise BadParameter("after", "expected the 'next' address's value") from None
    return modified_after, after


@bp.get("/changes.json")
def changes_json():
    filters, named = _filters(request.args)
    modified_after, after = _parse_after(request.args)
    limit = parse_int(request.args, "limit", JSON_DEFAULT_LIMIT, 1, MAX_LIMIT)
    sync = modified_after is not None  # oldest first from that instant on, with the next page's address
    filters = FeedFilter(organization_id=filters.organization_id, region=filters.region,
                         modified_after=modified_after, after=after, oldest_first=sync, limit=limit)
    changes, more = list_changes(db.session, filters)
    info = _info(filters, named, ".changes_json")
    next_url = None
    if sync and more:
        last: FeedChange = changes[-1]
        args = {k: v for k, v in request.args.items() if k not in ("modified_after", "after")}
        next_url = url_for(".changes_json", _external=True, **args,
                           modified_after=last.date.isoformat(), after="{},{}".format(*last.cursor))
    document = json_document(info, changes, readable_names(db.session, changes), next_url)
    return _answer(json.dumps(document, ensure_ascii=False, indent=1).encode(), "application/json")
