"""HTTP contract of the planning endpoints and the /planning page."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from .test_planning_support import planning, square  # noqa: F401

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
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


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
