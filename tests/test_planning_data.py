"""Reference risk zones (computed and cited), demonstration campaigns, and saving campaigns."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from webmap.directory.validation import ValidationFailed
from webmap.geodata import layer_path, load_manifest
from webmap.models import Campaign, CampaignUnit, RiskZone
from webmap.planning.demo import DEMO_COUNT, create_demo, remove_demo
from webmap.planning.riskzones import (
    NEIGHBOURS_LAYER,
    RISK_ZONES_FILE,
    RiskZoneError,
    load_reference_zones,
    read_config,
)
from webmap.planning.service import CampaignInput, save_campaign

from .test_planning_support import planning, square  # noqa: F401

# Coastal départements: on the outline of the country, but along the sea only.
COASTAL_ONLY = {"CI0101", "CI1201", "CI1202", "CI1502", "CI1503", "CI2901", "CI3003"}
# Départements that are on a land border by any account (Liberia, Mali, Ghana, Guinea, Burkina).
SURELY_BORDER = {"CI2902", "CI0503", "CI1401", "CI3202", "CI0402", "CI3103", "CI0801"}


@pytest.fixture()
def neighbours_path(app):
    return layer_path(NEIGHBOURS_LAYER, load_manifest(), app.config["WEBMAP_GEODATA_MIRROR"],
                      app.config["WEBMAP_GEODATA_CACHE"])


def test_reference_zones_are_computed_and_cited(db_session, planning, neighbours_path):  # noqa: F811
    planning.clear()
    report = load_reference_zones(db_session, neighbours_path)
    zones = db_session.scalars(select(RiskZone).where(RiskZone.is_reference.is_(True))).all()
    assert report["created"] == len(zones) == report["zones"]
    border = {z.admin_pcode for z in zones if z.kind == "border_crossing"}
    assert SURELY_BORDER <= border
    assert not border & COASTAL_ONLY
    assert 28 <= len(border) <= 36
    cocoa = {z.name.split(" — ")[0] for z in zones if z.kind == "cocoa_production"}
    assert cocoa == {entry.region for entry in read_config().regions}
    for zone in zones:
        assert zone.criterion and zone.source and zone.date and zone.level in (1, 2, 3)
        assert zone.key.startswith(("border:", "cocoa:"))
    tabou = next(z for z in zones if z.admin_pcode == "CI2902")
    assert "Libéria" in tabou.criterion and "km" in tabou.criterion


def test_reference_zones_load_is_idempotent_and_removes_stale(db_session, planning, neighbours_path, tmp_path):  # noqa: F811
    planning.clear()
    load_reference_zones(db_session, neighbours_path)
    again = load_reference_zones(db_session, neighbours_path)
    assert again.get("created", 0) == again.get("updated", 0) == 0 and again["unchanged"] == again["zones"]
    # Without the cocoa regions, their zones go; the border ones stay as they are.
    only_border = RISK_ZONES_FILE.read_text(encoding="utf-8").split("\n[[cocoa]]")[0]
    path = tmp_path / "zones.toml"
    path.write_text(only_border, encoding="utf-8")
    report = load_reference_zones(db_session, neighbours_path, path)
    assert report["removed"] == len(read_config().regions)
    kinds = set(db_session.scalars(select(RiskZone.kind).where(RiskZone.is_reference.is_(True))))
    assert kinds == {"border_crossing"}


def test_risk_zone_file_without_source_is_refused(tmp_path):
    path = tmp_path / "zones.toml"
    path.write_text(
        RISK_ZONES_FILE.read_text(encoding="utf-8").split("\n[[cocoa]]")[0]
        + textwrap.dedent(
            """
            [[cocoa]]
            region = "Nawa"
            kind = "cocoa_production"
            level = 2
            date = "2024-01-01"
            criterion = "un critère"
            source = " "
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(RiskZoneError, match="source"):
        read_config(path)


def test_risk_zone_file_with_an_unknown_region_is_refused(db_session, planning, neighbours_path, tmp_path):  # noqa: F811
    path = tmp_path / "zones.toml"
    path.write_text(
        RISK_ZONES_FILE.read_text(encoding="utf-8").split("\n[[cocoa]]")[0]
        + '\n[[cocoa]]\nregion = "Atlantide"\nkind = "cocoa_production"\nlevel = 2\n'
        + 'date = "2024-01-01"\ncriterion = "c"\nsource = "s"\n',
        encoding="utf-8",
    )
    with pytest.raises(RiskZoneError, match="Atlantide"):
        load_reference_zones(db_session, neighbours_path, path)


def test_demo_campaigns_are_labelled_idempotent_and_removable(db_session, planning):  # noqa: F811
    planning.clear()
    first = create_demo(db_session, today=dt.date(2025, 6, 30))
    assert first == {"inserted": DEMO_COUNT, "demo_campaigns": DEMO_COUNT}
    again = create_demo(db_session, today=dt.date(2025, 7, 1))
    assert again == {"inserted": 0, "demo_campaigns": DEMO_COUNT}
    campaigns = db_session.scalars(select(Campaign)).all()
    assert all(c.is_demo for c in campaigns)
    assert all(c.name.startswith("DÉMO — ") for c in campaigns)
    assert all("DÉMO" in c.organization and "DÉMO" in c.source for c in campaigns)
    assert all(c.start_date <= c.end_date <= dt.date(2025, 6, 30) for c in campaigns)
    assert db_session.scalar(select(func.count()).select_from(CampaignUnit)) > 0
    assert remove_demo(db_session) == DEMO_COUNT
    assert db_session.scalars(select(Campaign)).all() == []


def test_demo_campaigns_never_touch_real_ones(db_session, planning):  # noqa: F811
    planning.clear()
    real = planning.campaign(square(-5, 3.6, -4.9, 3.7))
    create_demo(db_session, today=dt.date(2025, 6, 30))
    remove_demo(db_session)
    assert [c.id for c in db_session.scalars(select(Campaign))] == [real.id]


def _input(**fields) -> CampaignInput:
    values = dict(
        name="Caravane de sensibilisation", organization="ONG de test", theme="child_trafficking",
        channel="transport_hubs", start_date=dt.date(2025, 2, 1), end_date=dt.date(2025, 2, 10),
        source="Rapport d'activité 2025", people_reached=1200, target_groups=["transporteurs"],
        area_pcodes=["CI2902"],
    )
    values.update(fields)
    return CampaignInput(**values)


def test_save_campaign_builds_the_area_from_admin_areas(app, db_session, planning):  # noqa: F811
    planning.clear()
    with app.test_request_context():
        campaign = save_campaign(db_session, _input(area_pcodes=["CI2902", "CI290201"]))
    assert campaign.area_pcodes == ["CI2902", "CI290201"]
    units = db_session.scalars(select(CampaignUnit.adm2_pcode).where(CampaignUnit.campaign_id == campaign.id)).all()
    assert units == ["CI2902"]
    # Drawn polygon, alone: a square around Abidjan.
    drawn = {"type": "Polygon", "coordinates": [[[-4.1, 5.3], [-3.9, 5.3], [-3.9, 5.4], [-4.1, 5.4], [-4.1, 5.3]]]}
    with app.test_request_context():
        second = save_campaign(db_session, _input(area_pcodes=[], geometry=drawn))
    assert db_session.scalars(select(CampaignUnit.adm2_pcode).where(CampaignUnit.campaign_id == second.id)).all()
    # Updating the area recomputes the shares.
    with app.test_request_context():
        save_campaign(db_session, _input(area_pcodes=["CI3202"]), campaign)
    db_session.expire_all()
    units = db_session.scalars(select(CampaignUnit.adm2_pcode).where(CampaignUnit.campaign_id == campaign.id)).all()
    assert units == ["CI3202"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " "}, "name"),
        ({"theme": "football"}, "theme"),
        ({"channel": "pigeons"}, "channel"),
        ({"end_date": dt.date(2025, 1, 1)}, "end_date"),
        ({"people_reached": -1}, "people_reached"),
        ({"source": ""}, "source"),
        ({"area_pcodes": ["XX99"]}, "area_pcodes"),
        ({"area_pcodes": []}, "area"),
        ({"area_pcodes": [], "geometry": {"type": "Point", "coordinates": [-5, 7]}}, "area"),
        ({"area_pcodes": [], "geometry": "{not json"}, "area"),
        ({"area_pcodes": [], "geometry": {"type": "Polygon", "coordinates": [[[2, 48], [3, 48], [3, 49], [2, 48]]]}},
         "area"),
        ({"area_pcodes": [], "geometry": {"type": "Polygon", "coordinates": [[[2, 48], [3]]]}}, "area"),
    ],
)
def test_save_campaign_refuses_bad_input(app, db_session, fields, field):
    with app.test_request_context(), force_locale("fr"):
        with pytest.raises(ValidationFailed) as exc:
            save_campaign(db_session, _input(**fields))
    assert field in exc.value.errors
    assert db_session.scalar(select(func.count()).select_from(Campaign).where(Campaign.name == "Caravane")) == 0


def test_demo_campaigns_cannot_be_edited_through_the_form_path(app, db_session, planning):  # noqa: F811
    planning.clear()
    create_demo(db_session, today=dt.date(2025, 6, 30), count=1)
    demo = db_session.scalars(select(Campaign)).one()
    with app.test_request_context(), pytest.raises(ValidationFailed):
        save_campaign(db_session, _input(), demo)
