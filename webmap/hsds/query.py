"""The directory as HSDS 3 API answers (Flask-free): pages, single objects and streams.

These open interfaces always serve the public view (``PUBLIC``): a confidential location is
its town's point, without address, whoever asks. What is published: the live services
(active and planned, as ``/api/v1/services``) at a location, their organizations, and our
two vocabularies (categories, needs) as taxonomies.

Each listing (services, service_at_locations, organizations) is a SQL selection of keys
``(sort, id)``: a page is an OFFSET/LIMIT of it, a stream walks it by keyset in chunks (bounded
memory whatever the size); records are then built for one chunk of ids at a time.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, String, cast, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY as PG_ARRAY
from sqlalchemy.orm import Session

from ..directory.query import like_escape, located_feature, located_select, text_match
from ..directory.service import LIVE_STATUSES
from ..directory.visibility import PUBLIC, displayed_geom
from ..errors import NotFound
from ..models import AdminArea, Location, Organization, Phone, Service, ServiceAtLocation
from ..text import fold, fold_sql
from . import mapping

VIEWER = PUBLIC  # whoever asks: see the module docstring
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000
MAX_PAGE = 100_000
STREAM_CHUNK = 200


@dataclass(frozen=True)
class Filters:
    search: str | None = None
    term: tuple[str, str] | None = None  # (kind, code) of a taxonomy_term_id
    taxonomy: str | None = None  # kind of a taxonomy_id
    organization_id: uuid.UUID | None = None
    modified_after: dt.datetime | None = None
    near: tuple[float, float, float] | None = None  # lon, lat, metres (service_at_locations)


@dataclass(frozen=True)
class Shape:
    """How much of each object: ``full`` nests its related objects; ``full_service`` nests an
    organization's services in full; ``minimal``: a service's id and last_modified only."""

    full: bool = False
    full_service: bool = False
    minimal: bool = False


def compact(record: dict) -> dict:
    """The object without its unknown (None) fields: HSDS types them, none is nullable."""
    return {key: value for key, value in record.items() if value is not None}


def page_object(contents: list[dict], total: int, page: int, per_page: int) -> dict:
    """HSDS's Page object (components/schemas/Page of the reference) around ``contents``."""
    total_pages = math.ceil(total / per_page)
    return {
        "total_items": total, "total_pages": total_pages, "page_number": page, "size": len(contents),
        "first_page": page == 1, "last_page": page >= total_pages, "empty": not contents,
        "contents": contents,
    }


# --- selections ---------------------------------------------------------------------------------


def _service_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """On the rows of ``located_select``: what the filters of a service listing keep."""
    conditions: list[ColumnElement[bool]] = [Service.status.in_(LIVE_STATUSES)]
    if filters.search:
        conditions.append(text_match(filters.search))
    if filters.term:
        kind, code = filters.term
        conditions.append(Service.category == code if kind == "category"
                          else Service.needs.op("@>")(cast([code], PG_ARRAY(String(32)))))
    if filters.taxonomy == "need":
        conditions.append(func.cardinality(Service.needs) > 0)
    if filters.organization_id:
        conditions.append(Service.organization_id == filters.organization_id)
    if filters.modified_after:
        conditions.append(Service.updated_at >= filters.modified_after)
    if filters.near:
        lon, lat, metres = filters.near
        point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
        conditions.append(func.ST_DWithin(func.geography(displayed_geom(VIEWER)), func.geography(point), metres))
    return conditions


def _distance(filters: Filters) -> ColumnElement:
    lon, lat, _metres = filters.near
    point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    return func.ST_Distance(func.geography(displayed_geom(VIEWER)), func.geography(point))


def service_keys(filters: Filters) -> Select:
    return (located_select(VIEWER).with_only_columns(Service.name.label("sort"), Service.id.label("id"))
            .where(*_service_conditions(filters)).distinct())


def link_keys(filters: Filters) -> Select:
    sort = _distance(filters) if filters.near else Service.name
    return (located_select(VIEWER).with_only_columns(sort.label("sort"), ServiceAtLocation.id.label("id"))
            .where(*_service_conditions(filters)))


def organization_keys(filters: Filters) -> Select:
    published = located_select(VIEWER).with_only_columns(Service.organization_id).where(
        *_service_conditions(Filters(organization_id=filters.organization_id)))
    stmt = select(Organization.name.label("sort"), Organization.id.label("id")).where(Organization.id.in_(published))
    if filters.search:
        stmt = stmt.where(fold_sql(Organization.name).like(f"%{like_escape(fold(filters.search))}%", escape="\\"))
    if filters.modified_after:
        stmt = stmt.where(Organization.updated_at >= filters.modified_after)
    return stmt


def page_of(session: Session, keys: Select, build: Callable[[list], list[dict]], page: int, per_page: int) -> dict:
    keyed = keys.subquery()
    total = session.scalar(select(func.count()).select_from(keyed))
    ids = list(session.scalars(select(keyed.c.id).order_by(keyed.c.sort, keyed.c.id)
                               .offset((page - 1) * per_page).limit(per_page)))
    return page_object(build(ids) if ids else [], total, page, per_page)


def stream_of(session: Session, keys: Select, build: Callable[[list], list[dict]],
              chunk: int = STREAM_CHUNK) -> Iterator[dict]:
    """Every object of the listing, in order, ``chunk`` at a time (keyset: no OFFSET)."""
    keyed = keys.subquery()
    last = None
    while True:
        stmt = select(keyed.c.sort, keyed.c.id).order_by(keyed.c.sort, keyed.c.id).limit(chunk)
        if last is not None:
            stmt = stmt.where(tuple_(keyed.c.sort, keyed.c.id) > tuple_(*last))
        rows = session.execute(stmt).all()
        if not rows:
            return
        yield from build([row.id for row in rows])
        if len(rows) < chunk:
            return
        last = tuple(rows[-1])


# --- building the objects -----------------------------------------------------------------------


def area_names(session: Session) -> dict[str, str]:
    return dict(session.execute(
        select(AdminArea.pcode, AdminArea.name).where(AdminArea.level.in_(("adm1", "adm2")))
    ).all())


def organization_facts(session: Session, organization_ids: list) -> dict[uuid.UUID, tuple[set, set]]:
    """organization id → (categories, towns) of its published structures, as the public sees them."""
    facts: dict[uuid.UUID, tuple[set, set]] = {i: (set(), set()) for i in organization_ids}
    rows = session.execute(
        located_select(VIEWER).with_only_columns(Service.organization_id, Service.category, Location.town)
        .where(Service.status.in_(LIVE_STATUSES), Service.organization_id.in_(organization_ids)).distinct()
    )
    for organization_id, category, town in rows:
        facts[organization_id][0].add(category)
        if town:
            facts[organization_id][1].add(town)
    return facts


def organization_objects(session: Session, ids: list) -> dict[uuid.UUID, dict]:
    organizations = list(session.scalars(select(Organization).where(Organization.id.in_(ids))))
    facts = organization_facts(session, [o.id for o in organizations])
    return {o.id: compact(mapping.organization_record(o, *facts[o.id])) for o in organizations}


def _terms() -> dict[str, dict]:
    return {t["id"]: compact(t) for t in mapping.taxonomy_term_records()}


def _attributes(service: Service, terms: dict[str, dict]) -> list[dict]:
    return [compact({**a, "taxonomy_term": terms[a["taxonomy_term_id"]]}) for a in mapping.attribute_records(service)]


def _located_rows(session: Session, where: ColumnElement[bool]) -> list:
    return session.execute(
        located_select(VIEWER).add_columns(ServiceAtLocation.id.label("link_id"))
        .where(where, Service.status.in_(LIVE_STATUSES)).order_by(Location.id)
    ).all()


def _location(feature: dict, organization_id, names: dict[str, str] | None) -> dict:
    """A location object; with its addresses when ``names`` (area names) are given."""
    location = compact(mapping.location_record(feature, organization_id))
    if names is not None:
        address = mapping.address_record(feature, names)
        location["addresses"] = [compact(address)] if address else []
    return location


def _phones(session: Session, service_ids: list) -> dict[uuid.UUID, list[dict]]:
    phones: dict[uuid.UUID, list[dict]] = {i: [] for i in service_ids}
    for phone in session.scalars(select(Phone).where(Phone.service_id.in_(service_ids))
                                 .order_by(Phone.number, Phone.id)):
        phones[phone.service_id].append(compact(mapping.phone_record(phone)))
    return phones


def service_objects(session: Session, ids: list, shape: Shape = Shape()) -> list[dict]:
    """The services of ``ids``, in that order: list items (with their organization), or full."""
    services = {s.id: s for s in session.scalars(select(Service).where(Service.id.in_(ids)))}
    if shape.minimal:
        return [{"id": str(i), "last_modified": mapping.timestamp(services[i].updated_at)} for i in ids]
    organizations = organization_objects(session, list({s.organization_id for s in services.values()}))
    if not shape.full:
        return [{**compact(mapping.service_record(services[i])),
                 "organization": organizations[services[i].organization_id]} for i in ids]
    phones = _phones(session, ids)
    links: dict[uuid.UUID, list[dict]] = {i: [] for i in ids}
    names = area_names(session)
    for row in _located_rows(session, Service.id.in_(ids)):
        feature = located_feature(row)
        service = row.Service
        links[service.id].append({
            **compact(mapping.service_at_location_record(row.link_id, service.id, row.Location.id)),
            "location": _location(feature, service.organization_id, names),
        })
    terms = _terms()
    return [{
        **compact(mapping.service_record(services[i])),
        "organization": organizations[services[i].organization_id],
        "phones": phones[i], "service_at_locations": links[i], "attributes": _attributes(services[i], terms),
    } for i in ids]


def link_objects(session: Session, ids: list, shape: Shape = Shape()) -> list[dict]:
    """The service_at_location objects of ``ids``, in that order, with their location and service."""
    rows = {row.link_id: row for row in _located_rows(session, ServiceAtLocation.id.in_(ids))}
    service_ids = list({row.Service.id for row in rows.values()})
    services = {uuid.UUID(s["id"]): s for s in service_objects(session, service_ids, Shape())}
    names = area_names(session) if shape.full else None
    if shape.full:
        terms = _terms()
        models = {row.Service.id: row.Service for row in rows.values()}
        phones = _phones(session, service_ids)
        for service_id, service in services.items():
            service["phones"] = phones[service_id]
            service["attributes"] = _attributes(models[service_id], terms)
    objects = []
    for link_id in ids:
        row = rows[link_id]
        feature = located_feature(row)
        objects.append({
            **compact(mapping.service_at_location_record(link_id, row.Service.id, row.Location.id)),
            "location": _location(feature, row.Service.organization_id, names),
            "service": services[row.Service.id],
        })
    return objects


def organization_list(session: Session, ids: list, shape: Shape = Shape()) -> list[dict]:
    """The organizations of ``ids``, in that order; ``full``: with their published services."""
    organizations = organization_objects(session, ids)
    if not (shape.full or shape.full_service):
        return [organizations[i] for i in ids]
    owned: dict[uuid.UUID, list] = {i: [] for i in ids}
    for service_id, organization_id, _name in session.execute(
        service_keys(Filters()).with_only_columns(Service.id, Service.organization_id, Service.name)
        .where(Service.organization_id.in_(ids)).order_by(Service.name, Service.id)
    ):
        owned[organization_id].append(service_id)
    every = [s for i in ids for s in owned[i]]
    services = {uuid.UUID(s["id"]): s for s in service_objects(session, every, Shape(full=shape.full_service))}
    for service in services.values():
        service.pop("organization", None)
    return [{**organizations[i], "services": [services[s] for s in owned[i]]} for i in ids]


# --- one object by id ---------------------------------------------------------------------------


def _one(objects: list[dict], what: str, key: object) -> dict:
    if not objects:
        raise NotFound(f"{what} not found", {"id": str(key)})
    return objects[0]


def _published(session: Session, keys: Select, key: uuid.UUID) -> list:
    keyed = keys.subquery()
    return list(session.scalars(select(keyed.c.id).where(keyed.c.id == key)))


def get_service(session: Session, key: uuid.UUID) -> dict:
    ids = _published(session, service_keys(Filters()), key)
    return _one(service_objects(session, ids, Shape(full=True)) if ids else [], "service", key)


def get_link(session: Session, key: uuid.UUID) -> dict:
    ids = _published(session, link_keys(Filters()), key)
    return _one(link_objects(session, ids, Shape(full=True)) if ids else [], "service_at_location", key)


def get_organization(session: Session, key: uuid.UUID, full_service: bool = False) -> dict:
    ids = _published(session, organization_keys(Filters()), key)
    return _one(organization_list(session, ids, Shape(full=True, full_service=full_service)) if ids else [],
                "organization", key)


# --- taxonomies (a fixed vocabulary: filtered in memory) ----------------------------------------


def taxonomies(search: str | None = None) -> list[dict]:
    return [compact(t) for t in mapping.taxonomy_records() if _matches(search, t["name"], t["description"])]


def taxonomy_terms(search: str | None = None, taxonomy: str | None = None) -> list[dict]:
    kinds = mapping.terms_by_id()
    return [compact(t) for t in mapping.taxonomy_term_records()
            if (taxonomy is None or kinds[t["id"]][0] == taxonomy)
            and _matches(search, t["name"], t["description"], t["code"])]


def _matches(search: str | None, *texts: str) -> bool:
    return not search or any(fold(search) in fold(text) for text in texts)


def in_memory_page(items: list[dict], page: int, per_page: int) -> dict:
    return page_object(items[(page - 1) * per_page: page * per_page], len(items), page, per_page)


def get_taxonomy(key: str) -> dict:
    return _one([t for t in taxonomies() if t["id"] == key], "taxonomy", key)


def get_taxonomy_term(key: str) -> dict:
    term = _one([t for t in taxonomy_terms() if t["id"] == key], "taxonomy_term", key)
    taxonomy = next(t for t in taxonomies() if t["id"] == term["taxonomy_id"])
    return {**term, "taxonomy_detail": taxonomy}
