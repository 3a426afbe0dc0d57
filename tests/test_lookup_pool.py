"""The lookup pool (``db.lookup``): read-only connections set for short indexed lookups, lent
without a ping, and a search that survives PostgreSQL dropping them (a restart).

Real PostgreSQL: the pool's own server processes are terminated with ``pg_terminate_backend``.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import text

from webmap import create_app
from webmap.extensions import Database, run_lookup


@pytest.fixture()
def lookup_engine(database_url):
    """The lookup engine of an app of its own (not the tests' shared one), disposed after."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database_url})
    engine = app.extensions[Database.lookup_key]
    yield engine
    engine.dispose()
    app.extensions[Database.key].kw["bind"].dispose()


def _setting(connection: psycopg.Connection, name: str) -> str:
    return connection.execute(f"SHOW {name}").fetchone()[0]


def test_lookup_connections_are_read_only_autocommit_and_set_for_index_walks(lookup_engine):
    def settings(connection):
        return (
            connection.autocommit,
            _setting(connection, "default_transaction_read_only"),
            _setting(connection, "plan_cache_mode"),
            _setting(connection, "jit"),
            _setting(connection, "max_parallel_workers_per_gather"),
            _setting(connection, "enable_seqscan"),
            _setting(connection, "enable_sort"),
        )

    assert run_lookup(lookup_engine, settings) == (True, "on", "force_generic_plan", "off", "0", "off", "off")
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        run_lookup(lookup_engine, lambda c: c.execute("CREATE TEMP TABLE nope (x int)"))


def _fill_pool(engine, count: int) -> list[int]:
    """Open ``count`` connections at once and give them back: the pool then holds them idle."""
    pooled = [engine.raw_connection() for _ in range(count)]
    pids = [p.driver_connection.info.backend_pid for p in pooled]
    for p in pooled:
        p.close()
    return pids


def test_a_search_survives_postgresql_dropping_every_idle_connection(lookup_engine, engine):
    pids = _fill_pool(lookup_engine, lookup_engine.pool.size())
    assert lookup_engine.pool.checkedin() == len(pids) == 5
    with engine.connect() as admin:
        terminated = admin.execute(
            text("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM unnest(CAST(:pids AS int[])) pid"),
            {"pids": pids},
        ).scalar_one()
        assert terminated == len(pids)
        for _ in range(100):  # until the server processes have ended
            admin.execute(text("SELECT pg_stat_clear_snapshot()"))  # else one snapshot per transaction
            alive = admin.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(CAST(:pids AS int[]))"), {"pids": pids}
            ).scalar_one()
            if not alive:
                break
            time.sleep(0.05)
        assert not alive
    # Every idle connection is dead: each is tried once and discarded (its pool slot then opens a
    # new connection), and the search answers.
    calls = []

    def search(connection):
        calls.append(connection)
        return connection.execute("SELECT pg_backend_pid()").fetchone()[0]

    backend = run_lookup(lookup_engine, search)
    assert backend not in pids
    assert len(calls) == len(pids) + 1
    # From then on, each search succeeds at once, on new connections.
    for _ in range(len(pids)):
        calls.clear()
        assert run_lookup(lookup_engine, search) not in pids
        assert len(calls) == 1


def test_other_errors_are_not_retried(lookup_engine):
    calls = []

    def broken(connection):
        calls.append(connection)
        connection.execute("SELECT no_such_column FROM service")

    with pytest.raises(psycopg.errors.UndefinedColumn):
        run_lookup(lookup_engine, broken)
    assert len(calls) == 1
    # The connection went back to the pool in working order.
    assert run_lookup(lookup_engine, lambda c: c.execute("SELECT 1").fetchone()[0]) == 1
