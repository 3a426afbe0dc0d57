"""The data version (migration 0011, ``webmap.dataversion``) and the answers cached by it.

The per-process caches of the referral answer (the fallback block, whom to ask instead) must
follow every write: in the writing transaction itself (each test's, which is rolled back) and,
for other connections, when the write commits. Real PostGIS with the seed directory loaded.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text, update

from webmap import dataversion
from webmap.models import Phone, Service

SPOT = (8.30, -4.30)  # an empty spot in the centre-east (no seed structure within ~90 km)


def _driver(db_session):
    return db_session.connection().connection.driver_connection


def _committed(db_session) -> int:
    return db_session.execute(text("SELECT version FROM data_version")).scalar_one()


def _api(client, query: str) -> dict:
    response = client.get("/api/v1/nearest?" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE organization SET name = name WHERE id = (SELECT id FROM organization LIMIT 1)",
        "UPDATE service SET name = name WHERE id = (SELECT id FROM service LIMIT 1)",
        "UPDATE location SET town = town WHERE id = (SELECT id FROM location LIMIT 1)",
        "DELETE FROM service_at_location WHERE id = (SELECT id FROM service_at_location LIMIT 1)",
        "DELETE FROM phone WHERE id = (SELECT id FROM phone LIMIT 1)",
        "UPDATE place SET name = name WHERE id = (SELECT id FROM place LIMIT 1)",
    ],
)
def test_every_write_statement_changes_the_version_its_transaction_reads(db_session, statement):
    before = dataversion.current(_driver(db_session))
    db_session.execute(text(statement))
    after = dataversion.current(_driver(db_session))
    assert after != before
    db_session.execute(text(statement))
    assert dataversion.current(_driver(db_session)) not in (before, after)


def test_reads_leave_the_version_as_it_was(db_session):
    before = dataversion.current(_driver(db_session))
    db_session.execute(text("SELECT count(*) FROM service")).scalar_one()
    db_session.execute(update(Service).where(Service.id.is_(None)).values(name="x"))  # no row: still a write
    assert dataversion.current(_driver(db_session)) != before
    middle = dataversion.current(_driver(db_session))
    db_session.execute(text("SELECT count(*) FROM phone")).scalar_one()
    assert dataversion.current(_driver(db_session)) == middle


def test_the_committed_counter_moves_once_per_transaction_at_commit(db_session, make):
    """The bump is a deferred trigger: it runs when the transaction commits (here forced with
    SET CONSTRAINTS … IMMEDIATE, which runs deferred triggers at once), once however many rows."""
    start = _committed(db_session)
    make.service(name="Service A", lat=SPOT[0], lon=SPOT[1])
    make.service(name="Service B", lat=SPOT[0], lon=SPOT[1] + 0.1)
    assert _committed(db_session) == start  # not before the commit: other connections see nothing
    db_session.execute(text("SET CONSTRAINTS data_version_bump IMMEDIATE"))
    assert _committed(db_session) == start + 1
    make.service(name="Service C", lat=SPOT[0], lon=SPOT[1] + 0.2)
    db_session.execute(text("SET CONSTRAINTS data_version_bump IMMEDIATE"))
    assert _committed(db_session) == start + 1


def test_a_savepoint_rolled_back_gives_back_a_version_whose_data_is_the_same(db_session, make):
    before = dataversion.current(_driver(db_session))
    nested = db_session.begin_nested()
    make.service(name="Service rolled back", lat=SPOT[0], lon=SPOT[1])
    assert dataversion.current(_driver(db_session)) != before
    nested.rollback()
    assert dataversion.current(_driver(db_session)) == before


def test_the_fallback_block_follows_a_write_between_two_requests(client, make):
    first = _api(client, "place=Korhogo&need=shelter")["fallback"]
    assert "Centre d'appel ajouté" not in [c["name"] for c in first]
    make.service(name="Centre d'appel ajouté", category="helpline", phones=("+225 27 31 00 00 09",),
                 fallback_contact=True)
    second = _api(client, "place=Korhogo&need=shelter")["fallback"]
    assert "Centre d'appel ajouté" in [c["name"] for c in second]
    assert first[0] in second  # the helpline 116 still there


def test_whom_to_ask_follows_a_write_between_two_requests(client, db_session, make):
    org = make.organization(name="ONG sans téléphone")
    make.service(name="Écoute Gamma", category="ngo", needs=["legal"], lat=SPOT[0], lon=SPOT[1],
                 organization=org, location={"adm1_pcode": "CI-TEST-R"})
    query = f"lat={SPOT[0]}&lon={SPOT[1]}&need=legal&limit=1"
    assert _api(client, query)["results"][0]["ask_instead"]["kind"] == "helpline"
    db_session.add(Phone(organization_id=org.id, number="+225 07 07 00 00 09"))
    db_session.flush()
    assert _api(client, query)["results"][0]["ask_instead"] == {
        "kind": "organization", "name": "ONG sans téléphone", "phones": ["+225 07 07 00 00 09"], "email": None,
    }


def test_the_cached_answer_is_the_answer_read_afresh(client, db_session):
    """Same request twice (the second from memory): byte for byte the same as without a cache."""
    query = "place=Korhogo&need=reintegration"
    first = client.get("/api/v1/nearest?" + query).get_data()
    second = client.get("/api/v1/nearest?" + query).get_data()
    assert first == second
    from webmap.referral import fallback

    connection = _driver(db_session)
    body = json.loads(second)
    assert body["fallback"] == fallback.fallback_contacts(connection)
    results = [dict(r, ask_instead="unset") for r in body["results"]]
    fallback.ask_instead(connection, results, body["fallback"])
    assert [r["ask_instead"] for r in results] == [r["ask_instead"] for r in body["results"]]


# --- the cache itself -------------------------------------------------------------------------------


def test_versioned_cache_drops_everything_when_the_version_changes():
    cache: dataversion.VersionedCache[int] = dataversion.VersionedCache(maxsize=10)
    v1, v2 = ("db", 1, ""), ("db", 2, "")
    assert cache.get_or_compute(v1, "a", lambda: 1) == 1
    assert cache.get_or_compute(v1, "a", lambda: 99) == 1
    assert cache.get_or_compute(v2, "a", lambda: 2) == 2
    assert cache.get(v2, "a") == (True, 2)
    assert cache.get(v1, "a") == (False, None)  # back to v1: nothing kept for it


def test_versioned_cache_ignores_a_value_computed_for_a_version_already_replaced():
    cache: dataversion.VersionedCache[str] = dataversion.VersionedCache(maxsize=10)
    old, new = ("db", 1, ""), ("db", 2, "")
    cache.get(old, "k")
    cache.get(new, "k")  # another thread saw the new version meanwhile
    cache.put(old, "k", "stale")
    assert cache.get(new, "k") == (False, None)


def test_versioned_cache_keeps_the_most_recently_used_values():
    cache: dataversion.VersionedCache[int] = dataversion.VersionedCache(maxsize=2)
    v = ("db", 1, "")
    for key in ("a", "b"):
        cache.get_or_compute(v, key, lambda: 0)
    cache.get(v, "a")
    cache.get_or_compute(v, "c", lambda: 0)
    assert cache.get(v, "a")[0] and cache.get(v, "c")[0]
    assert cache.get(v, "b") == (False, None)
