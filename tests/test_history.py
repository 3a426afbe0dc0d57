"""Change history: field-level entries in the HSDS metadata shape for every write, and revert."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from webmap.directory import service as stewardship
from webmap.directory.records import ServiceInput, save_service
from webmap.directory.visibility import PUBLIC, Viewer
from webmap.history import audit_context, is_audited, set_actor
from webmap.history.service import RevertRefused, revert_entry, service_history
from webmap.models import AuditEntry, Location, Phone, Service, ServiceAtLocation
from webmap.models.history import AuditEntry as HistoryModel

STAFF = Viewer(can_see_confidential=True)


def _input(**overrides) -> ServiceInput:
    values = dict(
        name="Centre d'écoute de Bouaké", category="ngo", organization_name="ONG Écoute", source="tests",
        lon=-5.0300, lat=7.6900, phones=["07 07 12 34 56"], needs=["psychosocial"],
    )
    values.update(overrides)
    return ServiceInput(**values)


def _entries(db_session, **where) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, name) == value)
    return list(db_session.scalars(stmt))


def _changes(db_session, resource_id, action=None) -> dict[str, tuple]:
    entries = _entries(db_session, resource_id=str(resource_id))
    return {e.field_name: (e.previous_value, e.replacement_value) for e in entries
            if action is None or e.last_action_type == action}


@pytest.fixture()
def recorded(db_session, make):
    """A service created through the one write path by a known account."""
    user = make.user(role="admin", name="Awa Koné")
    set_actor(db_session, user.id, user.name)
    service = save_service(db_session, _input())
    location = db_session.scalars(
        select(Location).join(ServiceAtLocation).where(ServiceAtLocation.service_id == service.id)
    ).one()
    return {"user": user, "service": service, "location": location}


def test_the_table_has_the_hsds_metadata_fields():
    columns = set(HistoryModel.__table__.columns.keys())
    assert {"resource_id", "resource_type", "last_action_date", "last_action_type", "field_name",
            "previous_value", "replacement_value", "updated_by"} <= columns


def test_creation_records_every_given_field_with_who_and_when(db_session, recorded):
    service, location, user = recorded["service"], recorded["location"], recorded["user"]
    created = _changes(db_session, service.id, "create")
    assert created["name"] == (None, "Centre d'écoute de Bouaké")
    assert created["category"] == (None, "ngo")
    assert created["needs"] == (None, '["psychosocial"]')
    assert "name_key" not in created and "created_at" not in created  # derived/technical
    assert "description" not in created  # nothing given, nothing recorded
    where = _changes(db_session, location.id, "create")
    assert where["geom"] == (None, "POINT (-5.03 7.69)")
    assert where["confidential"] == (None, "false")
    assert where["adm1_pcode"][1] and where["town"][1]
    phone = db_session.scalars(select(Phone).where(Phone.service_id == service.id)).one()
    assert _changes(db_session, phone.id, "create")["number"] == (None, "+225 07 07 12 34 56")
    entry = _entries(db_session, resource_id=str(service.id))[0]
    assert entry.resource_type == "service" and entry.last_action_type == "create"
    assert entry.updated_by == "Awa Koné" and entry.actor_id == user.id
    assert entry.last_action_date is not None
    # One change groups the entries of one transaction.
    assert len({e.change_id for e in _entries(db_session, actor_id=user.id)}) == 1


def test_an_update_records_only_what_changed(db_session, recorded):
    service = recorded["service"]
    before = db_session.scalar(select(func.count()).select_from(AuditEntry))
    save_service(db_session, _input(organization_id=service.organization_id, organization_name=None), service)
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == before  # same data: nothing
    save_service(db_session, _input(organization_id=service.organization_id, organization_name=None,
                                    name="Centre d'écoute", capacity=12, phones=["01 02 03 04 05"]), service)
    updated = {e.field_name: (e.previous_value, e.replacement_value)
               for e in _entries(db_session, resource_id=str(service.id), last_action_type="update")}
    assert updated == {"name": ("Centre d'écoute de Bouaké", "Centre d'écoute"), "capacity": (None, "12")}
    phones = _entries(db_session, resource_type="phone", parent_id=str(service.id))
    assert {(e.last_action_type, e.field_name, e.previous_value, e.replacement_value) for e in phones
            if e.field_name == "number"} == {
        ("create", "number", None, "+225 07 07 12 34 56"),
        ("delete", "number", "+225 07 07 12 34 56", None),
        ("create", "number", None, "+225 01 02 03 04 05"),
    }
    assert {e.parent_id for e in phones} == {str(service.id)}


def test_deactivation_and_confirmation_are_labelled(db_session, recorded):
    service, user = recorded["service"], recorded["user"]
    stewardship.change_status(db_session, user, service, "inactive")
    stewardship.confirm_accurate(db_session, user, service, today=dt.date(2026, 11, 20))
    deactivated = _entries(db_session, resource_id=str(service.id), last_action_type="deactivate")
    assert [(e.field_name, e.previous_value, e.replacement_value) for e in deactivated] == [
        ("status", "active", "inactive")]
    verified = {e.field_name: e.replacement_value
                for e in _entries(db_session, resource_id=str(service.id), last_action_type="verify")}
    assert verified == {"verification": "verified", "assured_date": "2026-11-20", "assured_by": str(user.id)}


def test_a_rolled_back_change_leaves_no_history(db_session, recorded):
    service = recorded["service"]
    before = db_session.scalar(select(func.count()).select_from(AuditEntry))
    savepoint = db_session.begin_nested()
    service.name = "Nom jamais enregistré"
    db_session.flush()
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == before + 1
    savepoint.rollback()
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_history_of_a_service_groups_changes_newest_first(db_session, recorded):
    service = recorded["service"]
    db_session.commit()  # one transaction per change, as in the app (the test's outer one still rolls back)
    save_service(db_session, _input(organization_id=service.organization_id, name="Nouveau nom"), service)
    history = service_history(db_session, service.id, STAFF)
    latest = [c for c in history if c.change_id == history[0].change_id]
    assert {(c.resource_type, c.action) for c in latest} == {("service", "update"), ("location", "update")}
    assert [f.name for c in latest if c.resource_type == "service" for f in c.fields] == ["name"]
    assert history[-1].action == "create"
    assert {c.resource_type for c in history} >= {"service", "location", "phone", "service_at_location"}


def test_models_opt_in_with_audited():
    class Campaignish:
        __tablename__ = "campaignish"
        __audited__ = True

    class Plain:
        __tablename__ = "plain"

    assert is_audited(Campaignish) and not is_audited(Plain) and is_audited(Service)


# --- revert ---------------------------------------------------------------------------------


def _update_entry(db_session, resource_id, field: str) -> AuditEntry:
    return db_session.scalars(
        select(AuditEntry).where(AuditEntry.resource_id == str(resource_id), AuditEntry.field_name == field,
                                 AuditEntry.last_action_type != "create").order_by(AuditEntry.id.desc())
    ).first()


def test_revert_restores_one_field_and_records_it(db_session, recorded):
    service = recorded["service"]
    save_service(db_session, _input(organization_id=service.organization_id, name="Nom erroné", capacity=30), service)
    entry = _update_entry(db_session, service.id, "name")
    set_actor(db_session, recorded["user"].id, "Awa Koné")
    revert_entry(db_session, entry.id)
    assert service.name == "Centre d'écoute de Bouaké" and service.name_key == "centre d ecoute de bouake"
    assert service.capacity == 30  # the other field of that change is untouched
    revert = db_session.scalars(select(AuditEntry).where(AuditEntry.reverts_id == entry.id)).one()
    assert (revert.last_action_type, revert.field_name) == ("revert", "name")
    assert (revert.previous_value, revert.replacement_value) == ("Nom erroné", "Centre d'écoute de Bouaké")
    with pytest.raises(RevertRefused):
        revert_entry(db_session, entry.id)  # only once


def test_revert_is_refused_when_the_field_changed_since(db_session, recorded):
    service = recorded["service"]
    save_service(db_session, _input(organization_id=service.organization_id, name="Deuxième"), service)
    first = _update_entry(db_session, service.id, "name")
    save_service(db_session, _input(organization_id=service.organization_id, name="Troisième"), service)
    with pytest.raises(RevertRefused) as refused:
        revert_entry(db_session, first.id)
    assert refused.value.status == 409
    assert service.name == "Troisième"


def test_reverting_a_move_puts_the_place_back_in_its_areas(db_session, recorded):
    service, location = recorded["service"], recorded["location"]
    before = (location.adm1_pcode, location.adm2_pcode, location.town)
    save_service(db_session, _input(organization_id=service.organization_id, lon=-7.5538, lat=7.4125), service)
    assert location.adm1_pcode != before[0]
    revert_entry(db_session, _update_entry(db_session, location.id, "geom").id)
    point = to_shape(location.geom)
    assert (round(point.x, 4), round(point.y, 4)) == (-5.03, 7.69)
    assert (location.adm1_pcode, location.adm2_pcode, location.town) == before


def test_a_removed_phone_number_can_be_restored(db_session, recorded):
    service = recorded["service"]
    save_service(db_session, _input(organization_id=service.organization_id, phones=[]), service)
    assert db_session.scalars(select(Phone).where(Phone.service_id == service.id)).all() == []
    deleted = db_session.scalars(
        select(AuditEntry).where(AuditEntry.resource_type == "phone", AuditEntry.last_action_type == "delete")
    ).first()
    revert_entry(db_session, deleted.id)
    restored = db_session.scalars(select(Phone).where(Phone.service_id == service.id)).one()
    assert restored.number == "+225 07 07 12 34 56" and str(restored.id) == deleted.resource_id


def test_the_creation_of_a_service_cannot_be_reverted(db_session, recorded):
    entry = _entries(db_session, resource_id=str(recorded["service"].id), last_action_type="create")[0]
    with pytest.raises(RevertRefused):
        revert_entry(db_session, entry.id)


def test_reverting_an_unknown_entry_is_not_found(db_session):
    from webmap.errors import NotFound

    with pytest.raises(NotFound):
        revert_entry(db_session, 10**15)


def test_labelled_blocks_name_their_updates(db_session, recorded):
    service = recorded["service"]
    with audit_context(db_session, action="approve", note="Proposé par Éric"):
        service.description = "Écoute et orientation"
    entry = _update_entry(db_session, service.id, "description")
    assert entry.last_action_type == "approve" and entry.note == "Proposé par Éric"


# --- confidentiality of the history ---------------------------------------------------------


def test_public_history_hides_the_position_and_address_of_a_confidential_place(db_session, recorded):
    service, location = recorded["service"], recorded["location"]
    save_service(db_session, _input(organization_id=service.organization_id, confidential=True, town="Bouaké",
                                    address="Derrière le marché", lon=-5.0310, lat=7.6910), service)
    public = [f for c in service_history(db_session, service.id, PUBLIC) if c.resource_type == "location"
              for f in c.fields]
    hidden = {f.name for f in public if f.masked}
    assert {"geom", "address"} <= hidden
    assert all(f.previous is None and f.replacement is None for f in public if f.masked)
    assert not any("7.691" in (f.replacement or "") or "marché" in (f.replacement or "") for f in public)
    staff = [f for c in service_history(db_session, service.id, STAFF) if c.resource_type == "location"
             for f in c.fields]
    assert not any(f.masked for f in staff)
    assert ("geom", "POINT (-5.03 7.69)", "POINT (-5.031 7.691)") in {
        (f.name, f.previous, f.replacement) for f in staff}
    # Once confidential, the place's earlier (public) positions are hidden too.
    location.confidential = False
    db_session.flush()
    again = [f for c in service_history(db_session, service.id, PUBLIC) for f in c.fields if f.name == "geom"]
    assert again and all(f.masked for f in again)


def test_the_public_history_does_not_hide_an_open_place(db_session, recorded):
    history = service_history(db_session, recorded["service"].id, PUBLIC)
    geom = [f for c in history for f in c.fields if f.name == "geom"]
    assert geom and not any(f.masked for f in geom) and geom[0].replacement == "POINT (-5.03 7.69)"


def test_writes_through_sql_expressions_are_read_back(db_session, recorded):
    service = recorded["service"]
    service.assured_date = func.current_date()
    db_session.flush()
    entry = _update_entry(db_session, service.id, "assured_date")
    assert entry.replacement_value == db_session.scalar(select(func.current_date())).isoformat()


def test_unknown_resource_ids_are_strings(db_session, recorded):
    for entry in _entries(db_session, actor_id=recorded["user"].id):
        assert uuid.UUID(entry.resource_id)
