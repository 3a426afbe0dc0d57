"""The directory list's query string → ``ServiceFilter``: one parser for the list and its exports."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .. import taxonomy
from ..api.params import parse_choices, parse_int, parse_text
from ..errors import BadParameter
from . import service
from .query import ServiceFilter

STATUS_FILTERS = {"": service.LIVE_STATUSES, "all": ()}


def parse_list_filters(session: Session, args) -> tuple[ServiceFilter, dict, int]:
    """The list's query string → ServiceFilter (one query path with the map and the API)."""
    regions, departements = service.admin_choices(session)
    region = parse_text(args, "region", 16)
    if region and region not in {code for code, _name in regions}:
        raise BadParameter("region", "unknown région")
    departement = parse_text(args, "departement", 16)
    if departement and departement not in {code for _r, _name, group in departements for code, _n in group}:
        raise BadParameter("departement", "unknown département")
    status = args.get("status", "")
    if status in STATUS_FILTERS:
        statuses = STATUS_FILTERS[status]
    else:
        statuses = tuple(parse_choices([status], "status", taxonomy.SERVICE_STATUSES))
    freshness = args.get("freshness", "")
    if freshness not in ("", "stale", "fresh"):
        raise BadParameter("freshness", "expected stale or fresh")
    verification = args.get("verification", "")
    if verification and verification not in taxonomy.VERIFICATION_STATUSES:
        raise BadParameter("verification", "unknown verification status")
    page = parse_int(args, "page", 1, 1, 10_000)
    filters = ServiceFilter(
        q=parse_text(args, "q"),
        categories=tuple(parse_choices(args.getlist("category"), "category", taxonomy.CATEGORIES)),
        adm1_pcode=region,
        adm2_pcode=departement,
        needs=tuple(parse_choices(args.getlist("need"), "need", taxonomy.NEEDS)),
        statuses=statuses,
        verification=verification or None,
        stale={"stale": True, "fresh": False}.get(freshness),
        limit=service.PAGE_SIZE,
        offset=(page - 1) * service.PAGE_SIZE,
    )
    choices = {"regions": regions, "departements": departements}
    return filters, choices, page


