"""Editing campaigns (editors of their organization) and at-risk zones (admins), uploads, history."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from webmap.models import AuditEntry, Campaign, CampaignUnit, RiskZone

from .factories import csrf_token, sign_in
from .test_planning_support import planning, square  # noqa: F401

NEW = "/planning/campaigns/new"


@pytest.fixture()
def people(make):
    own = make.organization("ONG Soleil")
    other = make.organization("ONG Lune")
    return {
        "own": own,
        "other": other,
        "editor": make.user(role="editor", organizations=[own]),
        "stranger": make.user(role="editor", organizations=[other]),
        "referral": make.user(role="referral"),
        "admin": make.user(role="admin"),
    }


def _form(client, organization, **fields) -> dict:
    data = {
        "csrf_token": csrf_token(client, NEW),
        "name": "Caravane de sensibilisation",
        "organization_id": str(organization.id),
        "organization": "",
        "theme": "child_trafficking",
        "channel": "transport_hubs",
        "start_date": "2025-02-01",
        "end_date": "2025-02-10",
        "people_reached": "1 200",
        "target_groups": "transporteurs, voyageurs",
        "source": "Rapport d'activité",
        "notes": "",
        "area_pcodes": "CI2902",
        "area_geojson": "",
    }
    data.update(fields)
    return data


def _upload(client, organization, filename, payload, **fields):
    data = _form(client, organization, area_pcodes="", **fields)
    data["area_file"] = (io.BytesIO(payload), filename)
    return client.post(NEW, data=data, content_type="multipart/form-data")


def test_public_and_referral_cannot_edit(client, people):
    assert client.get(NEW).status_code in (302, 401)
    assert client.get("/planning/manage").status_code in (302, 401)
    sign_in(client, people["referral"])
    assert client.get(NEW).status_code == 403
    assert client.get("/planning/zones/new").status_code == 403


def test_editor_adds_a_campaign_of_their_organization(client, db_session, people, planning):  # noqa: F811
    planning.clear()
    sign_in(client, people["editor"])
    page = client.get(NEW).get_data(as_text=True)
    assert "ONG Soleil" in page and "ONG Lune" not in page
    response = client.post(NEW, data=_form(client, people["own"]))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    campaign = db_session.scalars(select(Campaign)).one()
    assert (campaign.organization, campaign.organization_id) == ("ONG Soleil", people["own"].id)
    assert campaign.people_reached == 1200 and campaign.target_groups == ["transporteurs", "voyageurs"]
    assert campaign.area_pcodes == ["CI2902"] and not campaign.is_demo
    assert db_session.scalars(select(CampaignUnit.adm2_pcode).where(CampaignUnit.campaign_id == campaign.id)).all() \
        == ["CI2902"]
    # The change history recorded the creation, by this editor.
    entries = db_session.scalars(
        select(AuditEntry).where(AuditEntry.resource_type == "campaign", AuditEntry.resource_id == str(campaign.id))
    ).all()
    assert {e.field_name for e in entries} >= {"name", "area", "theme"}
    assert {e.actor_id for e in entries} == {people["editor"].id}


def test_editor_cannot_use_or_edit_another_organization(client, db_session, people, planning):  # noqa: F811
    planning.clear()
    sign_in(client, people["editor"])
    response = client.post(NEW, data=_form(client, people["other"]))
    assert response.status_code == 422
    assert db_session.scalars(select(Campaign)).all() == []
    theirs = planning.campaign(square(-5, 3.6, -4.9, 3.7), organization="ONG Lune", organization_id=people["other"].id)
    assert client.get(f"/planning/campaigns/{theirs.id}/edit").status_code == 403
    assert client.post(f"/planning/campaigns/{theirs.id}/delete",
                       data={"csrf_token": csrf_token(client, NEW)}).status_code == 403


def test_editing_and_deleting_a_campaign_are_recorded(client, db_session, people, planning):  # noqa: F811
    planning.clear()
    sign_in(client, people["editor"])
    client.post(NEW, data=_form(client, people["own"]))
    campaign = db_session.scalars(select(Campaign)).one()
    url = f"/planning/campaigns/{campaign.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="CI2902"' in page and "Historique" in page
    response = client.post(url, data=_form(client, people["own"], people_reached="1500", area_pcodes="CI3202"))
    assert response.status_code == 302
    db_session.expire_all()
    campaign = db_session.get(Campaign, campaign.id)
    assert campaign.people_reached == 1500 and campaign.area_pcodes == ["CI3202"]
    changed = db_session.scalars(
        select(AuditEntry.field_name).where(AuditEntry.resource_id == str(campaign.id),
                                            AuditEntry.last_action_type == "update")
    ).all()
    assert {"people_reached", "area", "area_pcodes"} <= set(changed)
    client.post(f"/planning/campaigns/{campaign.id}/delete", data={"csrf_token": csrf_token(client, NEW)})
    assert db_session.scalars(select(Campaign)).all() == []
    assert db_session.scalars(
        select(AuditEntry).where(AuditEntry.resource_id == str(campaign.id), AuditEntry.last_action_type == "delete")
    ).first() is not None


def test_form_errors_are_shown_and_nothing_is_written(client, db_session, people, planning):  # noqa: F811
    planning.clear()
    sign_in(client, people["editor"])
    response = client.post(NEW, data=_form(client, people["own"], end_date="2025-01-01", people_reached="beaucoup",
                                           area_pcodes=""))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nombre entier attendu." in html  # people reached
    assert "La date de fin précède la date de début." in html
    assert "Choisissez des zones administratives" in html
    assert db_session.scalars(select(Campaign)).all() == []


def test_drawn_polygon_is_the_area(client, db_session, people, planning):  # noqa: F811
    planning.clear()
    sign_in(client, people["editor"])
    drawn = {"type": "MultiPolygon", "coordinates": [[[[-4.1, 5.3], [-3.9, 5.3], [-3.9, 5.4], [-4.1, 5.3]]]]}
    response = client.post(NEW, data=_form(client, people["own"], area_pcodes="", area_geojson=json.dumps(drawn)))
    assert response.status_code == 302
    campaign = db_session.scalars(select(Campaign)).one()
    assert campaign.area_pcodes == []


GEOJSON_AREA = json.dumps({
    "type": "FeatureCollection",
    "features": [{"type": "Feature", "properties": {"nom": "zone"},
                  "geometry": {"type": "Polygon",
                               "coordinates": [[[-4.1, 5.3], [-3.9, 5.3], [-3.9, 5.4], [-4.1, 5.3]]]}}],
}).encode()


def test_uploaded_geojson_becomes_the_area(client, db_session, people, planning):  # noqa: F811
    planning.clear()
    sign_in(client, people["editor"])
    response = _upload(client, people["own"], "zone.geojson", GEOJSON_AREA)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    campaign = db_session.scalars(select(Campaign)).one()
    assert db_session.scalars(select(CampaignUnit.adm2_pcode).where(CampaignUnit.campaign_id == campaign.id)).all()


def _shapefile_zip(tmp_path, crs: int | None = 32630) -> bytes:
    import geopandas as gpd
    from shapely.geometry import box

    frame = gpd.GeoDataFrame({"nom": ["zone"]}, geometry=[box(-4.1, 5.3, -3.9, 5.4)], crs=4326)
    if crs:
        frame = frame.to_crs(crs)
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "zone.shp")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.iterdir():
            archive.write(path, path.name)
    return buffer.getvalue()


def test_uploaded_shapefile_in_utm_is_reprojected(client, db_session, people, planning, tmp_path):  # noqa: F811
    planning.clear()
    sign_in(client, people["editor"])
    response = _upload(client, people["own"], "zone.zip", _shapefile_zip(tmp_path))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    campaign = db_session.scalars(select(Campaign)).one()
    minx = db_session.scalar(select(Campaign.area.ST_XMin()).where(Campaign.id == campaign.id))
    assert minx == pytest.approx(-4.1, abs=1e-4)


@pytest.mark.parametrize(
    ("filename", "payload", "message"),
    [
        ("zone.geojson", b"", "vide"),
        ("zone.txt", b"a,b\n1,2\n", "polygones"),
        ("zone.pdf", b"%PDF-1.4", "Type de fichier inconnu"),
        ("zone.geojson", b"{ceci n'est pas du json", "lu"),
        ("zone.zip", b"PK\x03\x04pas vraiment un zip", "zip"),
        ("zone.geojson", json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [-4, 5.3]}}]}).encode(),
         "polygones"),
        ("zone.geojson", json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
                [[2.0, 48.0], [2.5, 48.0], [2.5, 48.5], [2.0, 48.0]]]}}]}).encode(),
         "hors de la Côte d&#39;Ivoire"),
    ],
)
def test_bad_uploads_are_refused_with_a_message(client, db_session, people, planning, filename, payload, message):  # noqa: F811
    planning.clear()
    sign_in(client, people["editor"])
    response = _upload(client, people["own"], filename, payload)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message.lower() in html.lower(), html[html.find("wp-field-message") - 200:][:800]
    assert db_session.scalars(select(Campaign)).all() == []


def test_zip_without_shapefile_is_refused(client, db_session, people, planning):  # noqa: F811
    planning.clear()
    sign_in(client, people["editor"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lisez-moi.txt", "rien")
    response = _upload(client, people["own"], "zone.zip", buffer.getvalue())
    assert response.status_code == 422
    assert db_session.scalars(select(Campaign)).all() == []


def test_demo_campaigns_cannot_be_edited(client, people, planning):  # noqa: F811
    planning.clear()
    demo = planning.campaign(square(-5, 3.6, -4.9, 3.7), is_demo=True, name="DÉMO — x")
    sign_in(client, people["admin"])
    assert client.get(f"/planning/campaigns/{demo.id}/edit").status_code == 403


def test_admin_manages_risk_zones_but_not_reference_ones(client, db_session, people, planning):  # noqa: F811
    planning.clear()
    reference = planning.risk_zone(square(-5, 3.6, -4.9, 3.7), is_reference=True, key="border:TEST")
    sign_in(client, people["editor"])
    assert client.get("/planning/zones/new").status_code == 403
    sign_in(client, people["admin"])
    manage = client.get("/planning/manage").get_data(as_text=True)
    assert "Ajouter une zone à risque" in manage
    data = {
        "csrf_token": csrf_token(client, "/planning/zones/new"), "name": "Site minier de test", "kind": "mining",
        "level": "3", "criterion": "Orpaillage signalé", "source": "Rapport 2024", "date": "2024-05-01",
        "notes": "", "area_pcodes": "CI3202", "area_geojson": "",
    }
    assert client.post("/planning/zones/new", data={**data, "criterion": ""}).status_code == 422
    assert client.post("/planning/zones/new", data=data).status_code == 302
    zone = db_session.scalars(select(RiskZone).where(RiskZone.kind == "mining")).one()
    assert (zone.level, zone.criterion, zone.is_reference) == (3, "Orpaillage signalé", False)
    assert client.get(f"/planning/zones/{zone.id}/edit").status_code == 200
    assert client.get(f"/planning/zones/{reference.id}/edit").status_code == 403
    client.post(f"/planning/zones/{zone.id}/delete", data={"csrf_token": data["csrf_token"]})
    assert db_session.scalars(select(RiskZone).where(RiskZone.id == zone.id)).first() is None
