"""Coverage analysis on known geometries (real PostGIS, rolled back after each test)."""

from __future__ import annotations

import datetime as dt

import pytest
from geoalchemy2.shape import from_shape
from sqlalchemy import func, select

from webmap.errors import BadParameter
from webmap.models import AdminArea, CampaignArea, CampaignPart, CampaignUnit, Place
from webmap.planning import analysis
from webmap.planning.analysis import Period, coverage_table, priority_list, priority_score, service_desert

from .test_planning_support import SEA_LAT, planning, square  # noqa: F401

PERIOD = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def _row(table, pcode):
    return next(r for r in table.rows if r.pcode == pcode)


def test_one_of_two_equal_area_zones_covered_is_half(db_session, planning):  # noqa: F811
    planning.clear()
    region, dep_w, dep_e, west, east = planning.sea_region()
    zone_w = planning.risk_zone(west, name="Zone ouest")
    zone_e = planning.risk_zone(east, name="Zone est")
    planning.campaign(west, people_reached=500)

    by_region = coverage_table(db_session, "region", PERIOD)
    row = _row(by_region, region.pcode)
    assert row.risk_zones == 2
    assert row.covered_share == pytest.approx(0.5, abs=1e-4)
    assert row.covered_km2 == pytest.approx(row.risk_area_km2 / 2, rel=1e-3)
    assert row.campaigns == 1

    by_dep = coverage_table(db_session, "departement", PERIOD)
    assert _row(by_dep, dep_w.pcode).covered_share == pytest.approx(1.0, abs=1e-4)
    assert _row(by_dep, dep_e.pcode).covered_share == pytest.approx(0.0, abs=1e-4)
    assert _row(by_dep, dep_e.pcode).campaigns == 0

    zones = {z.id: z for z in analysis.zone_coverage(db_session, PERIOD)}
    assert zones[str(zone_w.id)].covered_share == pytest.approx(1.0, abs=1e-4)
    assert zones[str(zone_e.id)].covered_share == pytest.approx(0.0, abs=1e-4)
    listed = [z.id for z in priority_list(db_session, PERIOD)]
    assert str(zone_e.id) in listed and str(zone_w.id) not in listed


def test_overlapping_zones_are_counted_once(db_session, planning):  # noqa: F811
    planning.clear()
    region, _w, _e, west, east = planning.sea_region()
    planning.risk_zone(west)
    planning.risk_zone(west, name="Même zone, autre critère", kind="cocoa_production")
    planning.risk_zone(east)
    planning.campaign(west)
    row = _row(coverage_table(db_session, "region", PERIOD), region.pcode)
    assert row.risk_zones == 3
    assert row.covered_share == pytest.approx(0.5, abs=1e-4)


def test_people_reached_go_to_the_departement_covered(db_session, planning):  # noqa: F811
    planning.clear()
    region, dep_w, dep_e, west, east = planning.sea_region(population=(20_000, 10_000))
    planning.campaign(west, people_reached=500)
    # A campaign over both départements shares its reach by the population it covers: 2/3 west.
    planning.campaign(square(-5.0, SEA_LAT[0], -4.6, SEA_LAT[1]), people_reached=300)
    by_dep = coverage_table(db_session, "departement", PERIOD)
    west_row, east_row = _row(by_dep, dep_w.pcode), _row(by_dep, dep_e.pcode)
    assert west_row.people_reached == 700
    assert east_row.people_reached == 100
    assert west_row.reached_per_1000 == pytest.approx(35.0)
    assert east_row.reached_per_1000 == pytest.approx(10.0)
    region_row = _row(coverage_table(db_session, "region", PERIOD), region.pcode)
    assert region_row.people_reached == 800
    assert region_row.campaigns == 2  # counted once each, though the second covers both


@pytest.mark.parametrize(
    ("start", "end", "counted"),
    [
        (dt.date(2024, 3, 1), dt.date(2024, 12, 31), False),  # ended the day before the period
        (dt.date(2024, 12, 1), dt.date(2025, 1, 1), True),  # ends on the first day
        (dt.date(2025, 12, 31), dt.date(2026, 2, 1), True),  # starts on the last day
        (dt.date(2026, 1, 1), dt.date(2026, 1, 31), False),  # starts the day after
        (dt.date(2024, 1, 1), dt.date(2026, 12, 31), True),  # spans the whole period
    ],
)
def test_period_filtering(db_session, planning, start, end, counted):  # noqa: F811
    planning.clear()
    region, _w, _e, west, east = planning.sea_region()
    planning.risk_zone(west)
    planning.campaign(west, start=start, end=end, people_reached=10)
    row = _row(coverage_table(db_session, "region", PERIOD), region.pcode)
    assert row.campaigns == (1 if counted else 0)
    assert row.covered_share == pytest.approx(1.0 if counted else 0.0, abs=1e-4)
    assert row.people_reached == (10 if counted else 0)


def test_empty_state_gives_every_unit_and_no_share(db_session, planning):  # noqa: F811
    planning.clear()
    table = coverage_table(db_session, "departement", PERIOD)
    assert len(table.rows) == 108
    assert all(r.covered_share is None and r.risk_zones == 0 and r.campaigns == 0 for r in table.rows)
    assert table.totals["covered_share"] is None
    assert table.campaigns == 0
    assert len(coverage_table(db_session, "region", PERIOD).rows) == 33
    assert priority_list(db_session, PERIOD) == []


def test_rows_are_sorted_by_name_ignoring_accents(db_session, planning):  # noqa: F811
    planning.clear()
    names = [r.name for r in coverage_table(db_session, "region", PERIOD).rows]
    assert names.index("Bélier") < names.index("Béré") < names.index("Bounkani")


def test_bad_level_and_reversed_period_name_the_parameter(db_session):
    with pytest.raises(BadParameter) as exc:
        coverage_table(db_session, "commune", PERIOD)
    assert exc.value.parameter == "level"
    with pytest.raises(BadParameter) as exc:
        Period(dt.date(2025, 2, 1), dt.date(2025, 1, 1))
    assert exc.value.parameter == "from"


def _confidential_shelter(db_session, make, category="chpm", place_name="Korhogo", offset=(0.6, 0.0)):
    """A confidential shelter whose exact point lies ``offset`` degrees from its town."""
    town = db_session.scalars(select(Place).where(Place.name == place_name).order_by(Place.population.desc())).first()
    lon, lat = db_session.execute(select(func.ST_X(town.geom), func.ST_Y(town.geom))).one()
    service = make.service(
        name="Centre confidentiel de test", category=category, lon=lon + offset[0], lat=lat + offset[1],
        location={"confidential": True, "place_id": town.id, "precision": "exact"},
    )
    return service, (lon, lat), (lon + offset[0], lat + offset[1])


def test_distances_use_the_public_position_of_a_confidential_shelter(db_session, make, planning):  # noqa: F811
    planning.clear()
    _service, town, exact = _confidential_shelter(db_session, make)
    # A small zone around the exact (secret) point, away from the town.
    zone = planning.risk_zone(square(exact[0] - 0.05, exact[1] - 0.05, exact[0] + 0.05, exact[1] + 0.05), level=3)
    found = {z.id: z for z in analysis.zone_coverage(db_session, PERIOD)}[str(zone.id)]
    # Had the exact point been used the distance would be 0; the public sees the town, ~60 km away.
    assert found.shelter_km is not None and 50 < found.shelter_km < 70


def test_only_active_shelter_type_services_count(db_session, make, planning):  # noqa: F811
    planning.clear()
    region, _w, _e, west, east = planning.sea_region()
    zone = planning.risk_zone(west)
    lon, lat = -4.9, 3.7  # inside the west square
    make.service(name="Réinsertion", category="reintegration", lon=lon, lat=lat)
    make.service(name="Transit inactif", category="reception_transit", lon=lon, lat=lat, status="inactive")
    before = {z.id: z for z in analysis.zone_coverage(db_session, PERIOD)}[str(zone.id)]
    assert before.shelter_km is None or before.shelter_km > 0
    make.service(name="Centre de transit", category="reception_transit", lon=lon, lat=lat)
    make.service(name="Centre social", category="social_centre", lon=lon + 0.5, lat=lat + 0.5)
    after = {z.id: z for z in analysis.zone_coverage(db_session, PERIOD)}[str(zone.id)]
    assert after.shelter_km == 0.0
    assert after.social_centre_km is not None and after.social_centre_km > 0
    row = _row(coverage_table(db_session, "region", PERIOD), region.pcode)
    assert row.shelter_km == 0.0


@pytest.mark.parametrize(
    ("share", "level", "km", "expected"),
    [
        (0.0, 3, 150.0, 100.0),
        (0.0, 3, None, 100.0),  # no shelter-type service at all: as remote as it gets
        (1.0, 3, 300.0, 0.0),
        (0.5, 3, 0.0, 25.0),
        (0.0, 1, 75.0, 25.0),
    ],
)
def test_priority_score(share, level, km, expected):
    assert priority_score(share, level, km) == pytest.approx(expected)


def test_priority_list_ranks_by_score(db_session, planning):  # noqa: F811
    planning.clear()
    _region, _w, _e, west, east = planning.sea_region()
    low = planning.risk_zone(west, name="Niveau 1", level=1)
    high = planning.risk_zone(east, name="Niveau 3", level=3)
    ranked = priority_list(db_session, PERIOD)
    assert [z.id for z in ranked][:2] == [str(high.id), str(low.id)]
    assert [z.rank for z in ranked][:2] == [1, 2]


def test_service_desert_population_is_apportioned_by_area(db_session, make):
    # One social centre in Bouaké; everything farther than 100 km is desert.
    town = db_session.scalars(select(Place).where(Place.name == "Bouaké")).first()
    lon, lat = db_session.execute(select(func.ST_X(town.geom), func.ST_Y(town.geom))).one()
    base = service_desert(db_session, 100.0)
    make.service(name="Centre social de test", category="social_centre", lon=lon, lat=lat)
    desert = service_desert(db_session, 100.0)
    assert desert.services == base.services + 1
    assert desert.area_km2 < base.area_km2
    national = db_session.scalar(select(AdminArea.population_2014).where(AdminArea.level == "adm0"))
    assert 0 < desert.population_2014 < national
    # The method: per sous-préfecture, département population × area share × share in the desert.
    # Summed over a département lying wholly in the desert, that gives its whole population.
    departements = db_session.execute(
        select(AdminArea.pcode, AdminArea.population_2014).where(AdminArea.level == "adm2")
    ).all()
    adm3_count = dict(
        db_session.execute(
            select(AdminArea.parent_pcode, func.count())
            .where(AdminArea.level == "adm3")
            .group_by(AdminArea.parent_pcode)
        ).all()
    )
    whole = 0
    for pcode, population in departements:
        inside = [a for a in desert.sous_prefectures if a.pcode.startswith(pcode)]
        if len(inside) == adm3_count[pcode] and all(a.share == pytest.approx(1.0) for a in inside):
            whole += 1
            assert sum(a.population_2014 for a in inside) == pytest.approx(population, abs=len(inside))
    assert whole > 0
    # Around Bouaké, nothing is desert.
    bouake = db_session.scalars(select(AdminArea).where(AdminArea.level == "adm3", AdminArea.name == "Bouaké")).first()
    assert bouake.pcode not in {a.pcode for a in desert.sous_prefectures}


def test_service_desert_without_any_service_is_the_whole_country(db_session):
    desert = service_desert(db_session, 0.001)  # 1 m discs: the whole country stays a desert
    national = db_session.scalar(select(AdminArea.population_2014).where(AdminArea.level == "adm0"))
    assert desert.population_2014 == pytest.approx(national, abs=5)
    assert desert.area_km2 == pytest.approx(desert.country_km2, rel=1e-3)


def test_triggers_derive_parts_and_unit_shares(db_session, planning):  # noqa: F811
    planning.clear()
    _region, dep_w, dep_e, west, east = planning.sea_region()
    campaign = planning.campaign(west)
    units = db_session.scalars(select(CampaignUnit).where(CampaignUnit.campaign_id == campaign.id)).all()
    assert [(u.adm2_pcode, round(u.unit_share, 4)) for u in units] == [(dep_w.pcode, 1.0)]
    assert db_session.scalar(select(func.count()).where(CampaignPart.campaign_id == campaign.id)) >= 1
    area = db_session.get(CampaignArea, campaign.id)
    assert len(area.h) == 32
    twin = planning.campaign(west, name="Même zone")  # identical areas share their hash
    assert db_session.get(CampaignArea, twin.id).h == area.h
    campaign.area = from_shape(square(-4.8, SEA_LAT[0], -4.6, SEA_LAT[1]), srid=4326)
    db_session.flush()
    db_session.expire_all()
    units = db_session.scalars(select(CampaignUnit).where(CampaignUnit.campaign_id == campaign.id)).all()
    assert [u.adm2_pcode for u in units] == [dep_e.pcode]


def test_a_point_far_at_sea_is_in_no_departement(db_session, planning):  # noqa: F811
    planning.clear()
    campaign = planning.campaign(square(-6.0, 2.0, -5.9, 2.1), people_reached=100)
    assert db_session.scalars(select(CampaignUnit).where(CampaignUnit.campaign_id == campaign.id)).all() == []
    table = coverage_table(db_session, "departement", PERIOD)
    # The area lies in the sea: it counts as a campaign of the period but reaches no census unit.
    assert table.campaigns == 1 and table.totals["people_reached"] == 0
