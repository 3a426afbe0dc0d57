"""The query parameters of the HSDS API, parsed and checked (400 naming the parameter)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping

from ..api.params import parse_float, parse_int, parse_text
from ..errors import BadParameter
from . import mapping
from .query import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, Filters, Shape

BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
FORMATS = ("json", "ndjson")
MAX_PROXIMITY_M = 1_000_000  # the whole country lies within 1,000 km of any point of it
MAX_SEARCH_LENGTH = 200
_DATETIME = re.compile(r"\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?")


def parse_bool(args: Mapping[str, str], name: str) -> bool:
    raw = args.get(name)
    if raw is None or raw == "":
        return False
    if raw.lower() not in BOOLEANS:
        raise BadParameter(name, "expected true or false")
    return BOOLEANS[raw.lower()]


def parse_format(args: Mapping[str, str]) -> str:
    raw = args.get("format") or "json"
    if raw not in FORMATS:
        raise BadParameter("format", "expected json or ndjson")
    return raw


def parse_paging(args: Mapping[str, str]) -> tuple[int, int]:
    return (parse_int(args, "page", 1, 1, MAX_PAGE),
            parse_int(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE))


def parse_datetime(args: Mapping[str, str], name: str) -> dt.datetime | None:
    """ISO 8601 date or date-time; without a time zone, UTC."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not _DATETIME.fullmatch(raw):
        raise BadParameter(name, "expected an ISO 8601 date or date-time, e.g. 2026-01-31T08:00:00Z")
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadParameter(name, "not a valid date or time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse_term(args: Mapping[str, str]) -> tuple[str, str] | None:
    raw = args.get("taxonomy_term_id")
    if not raw:
        return None
    terms = mapping.terms_by_id()
    if raw not in terms:
        raise BadParameter("taxonomy_term_id", "unknown taxonomy term; see /hsds/taxonomy_terms")
    return terms[raw]


def parse_taxonomy(args: Mapping[str, str]) -> str | None:
    raw = args.get("taxonomy_id")
    if not raw:
        return None
    kinds = {mapping.taxonomy_id(kind): kind for kind in mapping.VOCABULARIES}
    if raw not in kinds:
        raise BadParameter("taxonomy_id", "unknown taxonomy; see /hsds/taxonomies")
    return kinds[raw]


def parse_id(args: Mapping[str, str], name: str) -> uuid.UUID | None:
    raw = args.get(name)
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise BadParameter(name, "expected a UUID") from None


def parse_near(args: Mapping[str, str]) -> tuple[float, float, float] | None:
    """``lat``, ``lon`` (WGS 84) and ``proximity`` (metres, as the reference names it), together."""
    given = [name for name in ("lat", "lon", "proximity") if args.get(name)]
    if not given:
        return None
    if len(given) < 3:
        missing = next(name for name in ("lat", "lon", "proximity") if name not in given)
        raise BadParameter(missing, "lat, lon and proximity (metres) go together")
    lat = parse_float(args, "lat", None, -90.0, 90.0)
    lon = parse_float(args, "lon", None, -180.0, 180.0)
    metres = parse_float(args, "proximity", None, 1.0, MAX_PROXIMITY_M)
    return lon, lat, metres


def parse_filters(args: Mapping[str, str], near: bool = False) -> Filters:
    if args.get("postcode"):
        raise BadParameter("postcode", "Côte d'Ivoire has no postal codes: use lat, lon and proximity")
    return Filters(
        search=parse_text(args, "search", MAX_SEARCH_LENGTH),
        term=parse_term(args),
        taxonomy=parse_taxonomy(args),
        organization_id=parse_id(args, "organization_id"),
        modified_after=parse_datetime(args, "modified_after"),
        near=parse_near(args) if near else None,
    )


def parse_shape(args: Mapping[str, str]) -> Shape:
    return Shape(full=parse_bool(args, "full"), full_service=parse_bool(args, "full_service"),
                 minimal=parse_bool(args, "minimal"))
