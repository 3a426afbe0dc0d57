"""HTTP contract of the planning endpoints and the /planning page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from .test_planning_support import SEA_LAT, planning, square  # noqa: F401

PERIOD_QS = "from=2025-01-01&to=2025-12-31"


def test_coverage_by_departement_has_108_rows(client):
    response = client.get(f"/api/v1/coverage?level=departement&{PERIOD_QS}")
    assert response.status_code == 200
    body = response.get_json()
    assert len(body["rows"]) == 108
    assert body["level"] == "departement"
    assert body["period"] == {"from": "2025-01-01", "to": "2025-12-31"}
    assert {"pcode", "name", "risk_zones", "risk_area_km2", "covered_share", "campaigns",
            "reached_per_1000", "shelter_km", "social_centre_km", "demo"} <= set(body["rows"][0])


def test_coverage_by_region_has_33_rows(client):
    body = client.get(f"/api/v1/coverage?level=region&{PERIOD_QS}").get_json()
    assert len(body["rows"]) == 33
    assert len({row["pcode"] for row in body["rows"]}) == 33


def test_coverage_default_period_is_the_last_12_months(client):
    body = client.get("/api/v1/coverage?level=region").get_json()
    today = dt.date.today()
    assert body["period"]["to"] == today.isoformat()
    assert body["period"]["from"] == (today - dt.timedelta(days=364)).isoformat()


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("level=commune", "level"),
        ("level=region&from=2025-02-30", "from"),
        ("level=region&to=demain", "to"),
        ("level=region&from=2025-06-01&to=2025-01-01", "from"),
    ],
)
def test_bad_coverage_parameters_are_400_naming_the_parameter(client, query, parameter):
    response = client.get(f"/api/v1/coverage?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["detail"]["parameter"] == parameter
    assert parameter in body["error"]


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/planning/service-desert.geojson?km=0", "km"),
        ("/planning/service-desert.geojson?km=beaucoup", "km"),
        ("/api/v1/campaigns?channel=pigeons", "channel"),
        ("/api/v1/campaigns?from=hier", "from"),
        ("/api/v1/campaigns?days=0", "days"),
        ("/api/v1/risk-zones?kind=volcano", "kind"),
        ("/planning/priorities.json?threshold=2", "threshold"),
        ("/planning/coverage.csv?level=pays", "level"),
    ],
)
def test_other_bad_parameters_are_400(client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400
    assert response.get_json()["detail"]["parameter"] == parameter


def test_campaigns_geojson_with_period_and_demo_label(client, planning):  # noqa: F811
    planning.clear()
    planning.campaign(square(-5.0, 3.6, -4.8, 3.8), name="Réelle", start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 2))
    planning.campaign(square(-5.0, 3.6, -4.8, 3.8), name="DÉMO — fictive", is_demo=True,
                      start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 2))
    planning.campaign(square(-5.0, 3.6, -4.8, 3.8), name="Ancienne", start=dt.date(2023, 1, 1), end=dt.date(2023, 1, 2))
    response = client.get(f"/api/v1/campaigns?{PERIOD_QS}")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    names = [f["properties"]["name"] for f in body["features"]]
    assert names == ["DÉMO — fictive", "Réelle"]  # most recent first; 2023 is outside the period
    demo = body["features"][0]["properties"]
    assert demo["is_demo"] is True and demo["demo_label"] == "DÉMO"
    assert body["features"][1]["properties"]["demo_label"] is None
    assert body["demo"] is True
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert 0.25 <= body["features"][1]["properties"]["recency"] < body["features"][0]["properties"]["recency"] <= 1
    without_demo = client.get(f"/api/v1/campaigns?{PERIOD_QS}&demo=0").get_json()
    assert [f["properties"]["name"] for f in without_demo["features"]] == ["Réelle"]


def test_risk_zones_geojson_carries_criterion_source_and_date(client, planning):  # noqa: F811
    planning.clear()
    planning.risk_zone(square(-5.0, 3.6, -4.8, 3.8), name="Zone <b>test</b>", level=3,
                       criterion="critère", source="source")
    body = client.get("/api/v1/risk-zones").get_json()
    [feature] = body["features"]
    props = feature["properties"]
    assert props["name"] == "Zone <b>test</b>"  # data, escaped by whoever displays it
    found = (props["level"], props["criterion"], props["source"], props["date"])
    assert found == (3, "critère", "source", "2024-01-01")


def test_service_desert_feature_states_its_population_and_method(client):
    body = client.get("/planning/service-desert.geojson?km=50").get_json()
    assert body["distance_km"] == 50
    assert body["population_2014"] > 0
    assert "sous-préfecture" in body["method"]
    [feature] = body["features"]
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert feature["properties"]["population_2014"] == body["population_2014"]


def test_priorities_json(client, planning):  # noqa: F811
    planning.clear()
    zone = planning.risk_zone(square(-5.0, 3.6, -4.8, 3.8), level=3)
    body = client.get(f"/planning/priorities.json?{PERIOD_QS}").get_json()
    assert [z["id"] for z in body["zones"]] == [str(zone.id)]
    assert body["zones"][0]["rank"] == 1
    assert "Score" in body["score"]


def _csv_rows(response):
    """Rows as French Excel reads the file: UTF-8 with a byte-order mark, ';' between cells."""
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def _french_number(cell: str) -> float:
    """A cell as French Excel reads a number: decimal comma, no grouping; else ValueError."""
    if not re.fullmatch(r"-?[0-9]+(,[0-9]+)?", cell):
        raise ValueError(cell)
    return float(cell.replace(",", "."))


def test_coverage_csv_opens_in_french_excel_and_matches_the_page(client, planning):  # noqa: F811
    planning.clear()
    _region, dep_w, dep_e, west, _east = planning.sea_region()
    # A campaign over a third of the western département: 33 % of it covered, 1/6 of the région.
    planning.risk_zone(west, level=3)
    planning.campaign(square(-5.0, SEA_LAT[0], -5.0 + 0.2 / 3, SEA_LAT[1]), people_reached=1234)
    rows = _csv_rows(client.get(f"/planning/coverage.csv?level=departement&{PERIOD_QS}"))
    header, by_pcode = rows[0], {row[0]: row for row in rows[1:]}
    assert all(len(row) == len(header) for row in rows), "every row has one cell per heading"
    west_row = dict(zip(header, by_pcode[dep_w.pcode], strict=True))
    assert west_row["Part couverte"] == "33 %"
    api_rows = client.get(f"/api/v1/coverage?level=departement&{PERIOD_QS}").get_json()["rows"]
    api_west = next(row for row in api_rows if row["pcode"] == dep_w.pcode)
    assert _french_number(west_row["Superficie à risque (km²)"]) == pytest.approx(api_west["risk_area_km2"], abs=0.05)
    assert "," in west_row["Superficie à risque (km²)"], "decimal comma"
    assert _french_number(west_row["Personnes touchées"]) == 1234
    assert west_row["Zones à risque"] == "1"
    assert dict(zip(header, by_pcode[dep_e.pcode], strict=True))["Part couverte"] == ""  # no at-risk area
    page = client.get(f"/planning?{PERIOD_QS}&level=departement").get_data(as_text=True)
    assert re.search(rf'data-pcode="{dep_w.pcode}".*?<td class="n" data-sort="[0-9.]+">33 %</td>', page, re.S)


def test_coverage_csv_for_machines(client, planning):  # noqa: F811
    planning.clear()
    _region, dep_w, _dep_e, west, _east = planning.sea_region()
    planning.risk_zone(west, level=3)
    planning.campaign(square(-5.0, SEA_LAT[0], -5.0 + 0.2 / 3, SEA_LAT[1]), people_reached=1234)
    response = client.get(f"/planning/coverage.csv?level=departement&format=csv-en&{PERIOD_QS}&lang=fr")
    assert response.status_code == 200 and "csv-en" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    row = next(r for r in rows if r["pcode"] == dep_w.pcode)
    assert float(row["covered_share"]) == pytest.approx(1 / 3, abs=1e-3)
    assert float(row["risk_area_km2"]) > 0 and "," not in row["risk_area_km2"]
    assert row["people_reached"] == "1234" and row["period_from"] == "2025-01-01"
    assert client.get(f"/planning/coverage.csv?format=xlsx&{PERIOD_QS}").status_code == 400


def test_coverage_csv_in_french_with_demo_rows(client, planning):  # noqa: F811
    planning.clear()
    region, dep_w, _dep_e, west, _east = planning.sea_region()
    planning.campaign(west, is_demo=True, name="DÉMO — test")
    response = client.get(f"/planning/coverage.csv?level=departement&{PERIOD_QS}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    header = rows[0]
    assert header[:2] == ["P-code", "Nom"]
    assert "Données de démonstration" in header
    assert len(rows) == 1 + 110  # 108 départements + the two synthetic ones of this test
    demo_col = header.index("Données de démonstration")
    flagged = {row[0] for row in rows[1:] if row[demo_col] == "DÉMO"}
    assert flagged == {dep_w.pcode}
    english = _csv_rows(client.get(f"/planning/coverage.csv?level=region&{PERIOD_QS}&lang=en"))
    assert english[0][:2] == ["P-code", "Name"] and len(english) == 1 + 34


def test_planning_page_shows_table_priorities_and_desert(client):
    response = client.get(f"/planning?{PERIOD_QS}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="wp-coverage" data-level="region" data-rows="33"' in html
    assert "Zones à risque" in html and "Désert de services" in html and "Priorités" in html
    assert 'id="toggle-campaigns"' in html and 'id="toggle-risk_zones"' in html and 'id="toggle-service_desert"' in html
    assert "cdn" not in html.lower()
    departements = client.get(f"/planning?{PERIOD_QS}&level=departement").get_data(as_text=True)
    assert 'data-level="departement" data-rows="108"' in departements


def test_planning_page_in_english(client):
    html = client.get(f"/planning?{PERIOD_QS}&lang=en").get_data(as_text=True)
    assert "At-risk zones" in html and "Service desert" in html


def test_planning_page_labels_demo_campaigns(client, planning):  # noqa: F811
    planning.clear()
    planning.campaign(square(-5.0, 3.6, -4.8, 3.8), is_demo=True, name="DÉMO — test")
    html = client.get(f"/planning?{PERIOD_QS}").get_data(as_text=True)
    assert 'class="wp-demo-banner"' in html and "DÉMO" in html
    planning.clear()
    html = client.get(f"/planning?{PERIOD_QS}").get_data(as_text=True)
    assert 'class="wp-demo-banner"' not in html


def test_planning_page_with_a_bad_period_falls_back_and_says_so(client):
    response = client.get("/planning?from=2025-06-01&to=2025-01-01")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="wp-error"' in html and 'data-rows="33"' in html


def test_planning_page_empty_state(client, planning):  # noqa: F811
    planning.clear()
    html = client.get(f"/planning?{PERIOD_QS}").get_data(as_text=True)
    assert 'id="wp-priorities-empty"' in html
    assert "Aucune zone à risque n&#39;est enregistrée." in html or "Aucune zone à risque n'est enregistrée." in html
    assert "Aucune campagne dans cette période." in html
