"""``/hsds``: the Open Referral HSDS 3 API. Answers validated with jsonschema against the shared
HSDS 3.0 schemas (../shared/hsds/schema): the reference's Page object, full services, organizations,
services at locations; pagination, filters, NDJSON, ``modified_after``, CORS, masking."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from geoalchemy2.shape import to_shape
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select, update

from webmap.hsds import mapping
from webmap.models import Place, Service
from webmap.transfer.hsds import default_schema_dir

from .factories import sign_in


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict]:
    folder = default_schema_dir()
    found = {p.relative_to(folder).as_posix(): json.loads(p.read_text(encoding="utf-8"))
             for p in folder.glob("**/*.json")}
    assert "compiled/service.json" in found, f"HSDS schemas missing in {folder}"
    return found


@pytest.fixture(scope="module")
def validator(schemas):
    registry = Registry().with_resources(
        (name.split("/")[-1], Resource.from_contents(schema, default_specification=DRAFT202012))
        for name, schema in schemas.items() if "/" not in name
    )

    def check(instance: dict, name: str) -> None:
        v = Draft202012Validator(schemas[name], registry=registry, format_checker=FormatChecker())
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(instance)]
        assert not errors, (name, errors)
        _required_not_empty(instance, schemas[name], name)
    return check


def _required_not_empty(instance, schema: dict, where: str) -> None:
    """Every required field of every nested object holds a value (the one exception, documented:
    ``postal_code``, since Côte d'Ivoire has none)."""
    if isinstance(instance, list):
        for value in instance:
            _required_not_empty(value, schema.get("items", {}), where)
        return
    if not isinstance(instance, dict):
        return
    for name in schema.get("required", []):
        if name == "postal_code":
            assert instance[name] == mapping.NO_POSTAL_CODE
            continue
        assert instance.get(name) not in (None, "", []), f"{where}: {name} empty in {instance}"
    for name, value in instance.items():
        if name in schema.get("properties", {}):
            _required_not_empty(value, schema["properties"][name], f"{where}/{name}")


@pytest.fixture()
def page_schema(schemas):
    page = schemas["openapi.json"]["components"]["schemas"]["Page"]
    return {**page, "required": list(page["properties"]) + ["contents"]}


def check_page(page: dict, page_schema: dict, validator, item_schema: str) -> None:
    Draft202012Validator(page_schema).validate(page)
    assert set(page) == {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty",
                         "contents"}
    assert page["size"] == len(page["contents"]) and page["empty"] == (not page["contents"])
    for item in page["contents"]:
        validator(item, item_schema)


@pytest.fixture()
def records(db_session, make):
    man = db_session.scalars(select(Place).where(Place.name == "Man").order_by(Place.population.desc())).first()
    org = make.organization(name="ONG Hévéa", description=None, website="example.org")
    shelter = make.service(
        name="Foyer Hévéa confidentiel", category="chpm", lon=-7.5401, lat=7.4207, organization=org,
        phones=("+225 07 12 34 56 78",), needs=["shelter", "medical"], maximum_age=17,
        location={"confidential": True, "address": "Quartier Libreville lot 12", "place_id": man.id, "town": "Man",
                  "adm1_pcode": "CI0901", "public_contact": "Direction régionale de Man"},
    )
    listening = make.service(name="Écoute Hévéa", category="ngo", lon=-7.55, lat=7.41, organization=org,
                             needs=["psychosocial"], location={"address": "Rue du marché", "town": "Man",
                                                              "adm1_pcode": "CI0901", "adm2_pcode": "CI090101"})
    closed = make.service(name="Ancien centre Hévéa", category="ngo", lon=-7.56, lat=7.42, organization=org,
                          status="inactive")
    db_session.flush()
    return shelter, listening, closed, man


def _find(contents: list[dict], name: str) -> dict:
    return next(item for item in contents if item["name"] == name)


def test_root_names_the_version_and_the_document(client):
    response = client.get("/hsds/")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    root = response.get_json()
    assert root["version"] == "3.0" and root["openapi_url"].endswith("/hsds/openapi.json")
    assert root["profile"].startswith("https://") and root["publisher"]["name"]
    document = client.get("/hsds/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")


def test_the_document_covers_the_reference_paths(client, schemas):
    reference = schemas["openapi.json"]
    ours = client.get("/hsds/openapi.json").get_json()
    assert set(reference["paths"]) <= set(ours["paths"])
    for path, item in reference["paths"].items():
        assert ours["paths"][path]["get"]["operationId"]
        names = {p["$ref"].split("/")[-1] if "$ref" in p else p["name"] for p in item["get"].get("parameters", [])}
        ours_names = {p["$ref"].split("/")[-1] for p in ours["paths"][path]["get"]["parameters"]}
        assert names - {"top_only", "parent_id"} <= ours_names, path
    rules = {str(r) for r in client.application.url_map.iter_rules() if r.endpoint.startswith("hsds.")}
    assert len(rules) == len(ours["paths"]) + 1  # + /hsds/openapi.json itself


def test_services_pages_validate(client, records, page_schema, validator):
    page = client.get("/hsds/services?search=hevea&per_page=1").get_json()
    check_page(page, page_schema, validator, "compiled/service_list.json")
    assert (page["total_items"], page["total_pages"], page["first_page"], page["last_page"]) == (2, 2, True, False)
    second = client.get("/hsds/services?search=hevea&per_page=1&page=2").get_json()
    assert second["last_page"] and not second["first_page"]
    assert {page["contents"][0]["name"], second["contents"][0]["name"]} == {"Foyer Hévéa confidentiel",
                                                                            "Écoute Hévéa"}  # not the inactive one
    past = client.get("/hsds/services?search=hevea&per_page=1&page=3").get_json()
    assert past["empty"] and past["size"] == 0 and past["total_items"] == 2
    full = client.get("/hsds/services?search=hévéa&full=true").get_json()
    check_page(full, page_schema, validator, "compiled/service.json")
    assert full["total_items"] == 2  # accents folded


def test_the_whole_directory_validates(client, page_schema, validator):
    page = client.get("/hsds/services?full=true&per_page=1000").get_json()
    assert page["total_items"] >= 17
    check_page(page, page_schema, validator, "compiled/service.json")
    organizations = client.get("/hsds/organizations?per_page=1000").get_json()
    check_page(organizations, page_schema, validator, "compiled/organization_list.json")
    links = client.get("/hsds/service_at_locations?full=true&per_page=1000").get_json()
    check_page(links, page_schema, validator, "compiled/service_at_location.json")


def test_one_full_service_and_its_confidential_location(client, records, validator):
    shelter, listening, _closed, man = records
    service = client.get(f"/hsds/services/{shelter.id}").get_json()
    validator(service, "compiled/service.json")
    assert service["organization"]["description"] == (
        "Organisation de l'annuaire webmap (description à compléter). Structures\u00a0: Centre d'hébergement pour "
        "mineurs (CHPM), ONG / organisation de la société civile à Man.")
    assert [p["number"] for p in service["phones"]] == ["+225 07 12 34 56 78"]
    location = service["service_at_locations"][0]["location"]
    assert location["addresses"] == [] and "Lieu confidentiel (adresse masquée)" in location["description"]
    assert "Direction régionale de Man" in location["description"]
    town = to_shape(man.geom)
    assert (location["longitude"], location["latitude"]) == (round(town.x, 6), round(town.y, 6))
    text = json.dumps(service, ensure_ascii=False)
    assert "Libreville" not in text and "7.4207" not in text and "-7.5401" not in text
    codes = {(a["link_type"], a["value"]) for a in service["attributes"]}
    assert codes == {("service_category", "chpm"), ("service_need", "shelter"), ("service_need", "medical")}
    open_one = client.get(f"/hsds/services/{listening.id}").get_json()
    validator(open_one, "compiled/service.json")
    address = open_one["service_at_locations"][0]["location"]["addresses"][0]
    assert (address["address_1"], address["city"], address["country"]) == ("Rue du marché", "Man", "CI")


def test_staff_signed_in_see_the_public_view_too(client, records, make):
    shelter = records[0]
    sign_in(client, make.user(role="admin"))
    text = client.get(f"/hsds/services/{shelter.id}").get_data(as_text=True)
    assert "Libreville" not in text and "7.4207" not in text


def test_filters(client, records):
    shelter, listening, _closed, _man = records
    org = str(shelter.organization_id)
    term = mapping.term_id("need", "shelter")

    def names(url: str) -> set[str]:
        return {s["name"] for s in client.get(url).get_json()["contents"]}

    assert names(f"/hsds/services?organization_id={org}") == {"Foyer Hévéa confidentiel", "Écoute Hévéa"}
    assert names(f"/hsds/services?organization_id={org}&taxonomy_term_id={term}") == {"Foyer Hévéa confidentiel"}
    category = mapping.term_id("category", "ngo")
    assert names(f"/hsds/services?organization_id={org}&taxonomy_term_id={category}") == {"Écoute Hévéa"}
    needs = mapping.taxonomy_id("need")
    assert names(f"/hsds/services?organization_id={org}&taxonomy_id={needs}") == {"Foyer Hévéa confidentiel",
                                                                                 "Écoute Hévéa"}
    assert names("/hsds/organizations?search=hevea") == {"ONG Hévéa"}
    links = client.get(f"/hsds/service_at_locations?organization_id={org}").get_json()
    assert links["total_items"] == 2 and {item["service"]["name"] for item in links["contents"]} == {
        "Foyer Hévéa confidentiel", "Écoute Hévéa"}


def test_modified_after(client, db_session, records):
    shelter, listening, _closed, _man = records
    org = shelter.organization_id
    db_session.execute(update(Service).where(Service.id == shelter.id)
                       .values(updated_at=dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC)))
    db_session.execute(update(Service).where(Service.id == listening.id)
                       .values(updated_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)))
    db_session.flush()

    def names(after: str) -> set[str]:
        return {s["name"] for s in client.get(f"/hsds/services?organization_id={org}&modified_after={after}")
                .get_json()["contents"]}

    assert names("2026-01-01") == {"Foyer Hévéa confidentiel", "Écoute Hévéa"}
    assert names("2026-01-10T12:00:00Z") == {"Foyer Hévéa confidentiel", "Écoute Hévéa"}  # on or after
    assert names("2026-01-10T12:00:01Z") == {"Écoute Hévéa"}
    assert names("2026-02-01T00:00:00%2B01:00") == {"Écoute Hévéa"}
    assert names("2026-03-02") == set()
    service = client.get(f"/hsds/services/{shelter.id}").get_json()
    assert service["last_modified"] == "2026-01-10T12:00:00.000Z"


def test_proximity_uses_the_public_point(client, records):
    shelter, listening, _closed, man = records
    town = to_shape(man.geom)
    org = str(shelter.organization_id)
    near_secret = client.get(f"/hsds/service_at_locations?organization_id={org}&lat=7.4207&lon=-7.5401"
                             "&proximity=300").get_json()
    assert "Foyer Hévéa confidentiel" not in {i["service"]["name"] for i in near_secret["contents"]}
    near_town = client.get(f"/hsds/service_at_locations?organization_id={org}&lat={town.y}&lon={town.x}"
                           "&proximity=300").get_json()
    assert [i["service"]["name"] for i in near_town["contents"]] == ["Foyer Hévéa confidentiel"]
    everything = client.get(f"/hsds/service_at_locations?organization_id={org}&lat={town.y}&lon={town.x}"
                            "&proximity=100000").get_json()
    assert [i["service"]["name"] for i in everything["contents"]][0] == "Foyer Hévéa confidentiel"  # nearest first


def test_ndjson_streams_every_object(client, records, validator):
    response = client.get("/hsds/services?format=ndjson&full=true")
    assert response.is_streamed and response.mimetype == "application/x-ndjson"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    lines = response.get_data(as_text=True).splitlines()
    objects = [json.loads(line) for line in lines]
    total = client.get("/hsds/services?per_page=1").get_json()["total_items"]
    assert len(objects) == total and len({o["id"] for o in objects}) == total
    for item in objects:
        validator(item, "compiled/service.json")
    names = [o["name"] for o in objects]
    paged = [s["name"] for p in range(1, math.ceil(total / 7) + 1)
             for s in client.get(f"/hsds/services?per_page=7&page={p}").get_json()["contents"]]
    assert names == paged  # the same order as the pages


def test_the_stream_walks_in_chunks(db_session, records, app):
    from webmap.hsds import query

    with app.test_request_context("/"):
        keys = query.service_keys(query.Filters())
        small = [o["id"] for o in query.stream_of(db_session, keys, lambda ids: [{"id": str(i)} for i in ids], chunk=2)]
        large = [o["id"] for o in query.stream_of(db_session, keys, lambda ids: [{"id": str(i)} for i in ids])]
    assert small == large and len(small) == len(set(small)) >= 19


def test_organizations_and_taxonomies(client, records, page_schema, validator, schemas):
    shelter = records[0]
    organization = client.get(f"/hsds/organizations/{shelter.organization_id}?full_service=true").get_json()
    validator(organization, "compiled/organization.json")
    assert {s["name"] for s in organization["services"]} == {"Foyer Hévéa confidentiel", "Écoute Hévéa"}
    page = client.get("/hsds/taxonomies").get_json()
    check_page(page, page_schema, validator, "taxonomy.json")
    assert page["total_items"] == 2
    terms = client.get(f"/hsds/taxonomy_terms?taxonomy_id={mapping.taxonomy_id('need')}&per_page=100").get_json()
    check_page(terms, page_schema, validator, "taxonomy_term.json")
    assert {t["code"] for t in terms["contents"]} == {"shelter", "psychosocial", "medical", "legal",
                                                      "family_tracing", "reintegration", "case_management",
                                                      "reporting"}
    one = client.get(f"/hsds/taxonomy_terms/{mapping.term_id('need', 'shelter')}").get_json()
    assert one["name"] == "Hébergement" and one["taxonomy_detail"]["id"] == mapping.taxonomy_id("need")
    assert client.get(f"/hsds/taxonomies/{mapping.taxonomy_id('category')}").status_code == 200
    found = client.get("/hsds/taxonomy_terms?search=hebergement").get_json()["contents"]
    assert "shelter" in {t["code"] for t in found}


@pytest.mark.parametrize("url, parameter", [
    ("/hsds/services?page=0", "page"),
    ("/hsds/services?per_page=1001", "per_page"),
    ("/hsds/services?per_page=abc", "per_page"),
    ("/hsds/services?format=xml", "format"),
    ("/hsds/services?full=maybe", "full"),
    ("/hsds/services?modified_after=hier", "modified_after"),
    ("/hsds/services?modified_after=2026-02-30", "modified_after"),
    ("/hsds/services?organization_id=abc", "organization_id"),
    ("/hsds/services?taxonomy_term_id=00000000-0000-4000-8000-000000000000", "taxonomy_term_id"),
    ("/hsds/services?taxonomy_id=nope", "taxonomy_id"),
    ("/hsds/service_at_locations?lat=7&lon=-5", "proximity"),
    ("/hsds/service_at_locations?lat=7&lon=-5&proximity=0", "proximity"),
    ("/hsds/service_at_locations?lat=97&lon=-5&proximity=10", "lat"),
    ("/hsds/service_at_locations?postcode=01BP", "postcode"),
])
def test_bad_parameters_are_400_json(client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400 and response.is_json, url
    assert response.get_json()["detail"]["parameter"] == parameter
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_ids_are_404_json(client, records):
    closed = records[2]
    for url in ("/hsds/services/nope", f"/hsds/services/{closed.id}", "/hsds/organizations/nope",
                "/hsds/service_at_locations/00000000-0000-4000-8000-000000000000", "/hsds/taxonomies/x",
                "/hsds/taxonomy_terms/x", "/hsds/nowhere"):
        response = client.get(url)
        assert response.status_code == 404 and response.is_json, url
