#!/usr/bin/env python3
"""What opening hours and languages cost the nearest search: same run, same origins, A/B.

    .venv/bin/python scripts/bench_schedule.py                     # 10k points, 1000 searches each
    .venv/bin/python scripts/bench_schedule.py --size 100000 --requests 2000

Uses a database of its own, ``webmap_bench_schedule`` (``--database-url``), set up as
``scripts/bench_nearest.py`` sets up its own (migrated, reference geodata copied from
``--source-url``, N synthetic services labelled "DEMO benchmark — synthetic"); then gives a
share of those synthetic services DEMO opening hours (40 % "lun-ven 08:00-17:00; sam
08:00-12:00", 5 % "24h/24") and languages (40 % français, 15 % dioula too).

On one connection set as the app's lookup pool, every search of the same workload runs, in
turn, four statements compiled from ``webmap.referral.nearest``:

* **baseline** — the search without the hours and languages columns (the statement before them);
* **with hours** — the statement the endpoint runs now (hours and languages of each result);
* **open_now** — the same with ``open_now=1`` (at a fixed Monday 10:00);
* **language** — the same with ``language=dioula``.

It prints p50 / p95 per statement and the ratio to the baseline, measured interleaved (each
statement first in turn) so that other load on the machine weighs on all four alike, and the Python cost of putting one
result's hours in words (``availability``). Loops are bounded; traffic stays on the loopback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import urllib.parse
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_nearest as bn  # noqa: E402  (the same database set-up and workload)

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/webmap_bench_schedule"
MONDAY_10 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)


def give_hours(url: str) -> None:
    """DEMO hours and languages for a deterministic share of the synthetic services."""
    with psycopg.connect(bn.libpq(url), autocommit=True) as conn, conn.transaction():
        demo = {"demo": bn.DEMO}
        conn.execute("DELETE FROM schedule WHERE service_id IN (SELECT id FROM service WHERE source = %(demo)s)",
                     demo)
        conn.execute("DELETE FROM language WHERE service_id IN (SELECT id FROM service WHERE source = %(demo)s)",
                     demo)
        share = "(hashtext(s.id::text) & 2147483647) %% 100"
        conn.execute(
            "INSERT INTO schedule (id, service_id, freq, byday, opens_at, closes_at) "
            "SELECT gen_random_uuid(), s.id, 'WEEKLY', d.byday, d.opens, d.closes FROM service s "
            "CROSS JOIN (VALUES ('MO,TU,WE,TH,FR', TIME '08:00', TIME '17:00'), "
            "('SA', TIME '08:00', TIME '12:00')) d(byday, opens, closes) "
            f"WHERE s.source = %(demo)s AND {share} < 40", demo)
        conn.execute(
            "INSERT INTO schedule (id, service_id, freq, byday, opens_at, closes_at) "
            "SELECT gen_random_uuid(), s.id, 'WEEKLY', 'MO,TU,WE,TH,FR,SA,SU', TIME '00:00', TIME '00:00' "
            f"FROM service s WHERE s.source = %(demo)s AND {share} BETWEEN 40 AND 44", demo)
        conn.execute(
            "INSERT INTO language (id, service_id, name, code, position) "
            "SELECT gen_random_uuid(), s.id, 'français', 'fra', 1 FROM service s "
            f"WHERE s.source = %(demo)s AND {share} %% 5 < 2", demo)
        conn.execute(
            "INSERT INTO language (id, service_id, name, code, position) "
            "SELECT gen_random_uuid(), s.id, 'dioula', 'dyu', 2 FROM service s "
            f"WHERE s.source = %(demo)s AND {share} %% 20 < 3", demo)
    with psycopg.connect(bn.libpq(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE schedule")
        conn.execute("VACUUM ANALYZE language")


def variants(queries: list[str]) -> dict[str, list[tuple[str, dict]]]:
    """Each variant → (SQL, parameters) per query, compiled as the endpoint compiles them."""
    from werkzeug.datastructures import MultiDict

    from webmap.directory.visibility import PUBLIC
    from webmap.referral import nearest
    from webmap.referral.params import parse_criteria, parse_origin

    dialect = nearest._DIALECT
    out: dict[str, list[tuple[str, dict]]] = {"baseline": [], "with hours": [], "open_now": [], "language": []}
    for query in queries:
        for name, extra in (("with hours", ""), ("open_now", "&open_now=1"), ("language", "&language=dioula")):
            args = MultiDict(urllib.parse.parse_qsl(query + extra))
            criteria = parse_criteria(args, moment=MONDAY_10)
            origin = parse_origin(args)
            params = nearest.first_round_parameters(criteria, origin.lat, origin.lon)
            shape = nearest.shape_of(criteria)
            candidates = nearest.candidate_count(criteria.limit)
            sql, constants, _row = nearest.compiled(PUBLIC, shape, candidates)
            out[name].append((sql, {**constants, **params}))
            if name == "with hours":
                full = nearest.statement(PUBLIC, shape, candidates)
                kept = [c for c in full.selected_columns if c.key not in ("schedules", "languages")]
                compiled = full.with_only_columns(*kept).compile(dialect=dialect)
                out["baseline"].append((compiled.string, {**dict(compiled.params), **params}))
    return out


def measure(url: str, statements: dict[str, list[tuple[str, dict]]]) -> dict[str, list[float]]:
    from webmap.extensions import LOOKUP_OPTIONS

    latencies: dict[str, list[float]] = {name: [] for name in statements}
    count = len(next(iter(statements.values())))
    with psycopg.connect(bn.libpq(url), autocommit=True, options=LOOKUP_OPTIONS) as conn:
        for i in range(min(count, 200)):  # prepare and warm (not measured)
            for name in statements:
                sql, params = statements[name][i]
                conn.execute(sql, params).fetchall()
        names = list(statements)
        for i in range(count):
            # Interleaved, so the machine's other load weighs on all alike, and in turn first
            # (the first to read an origin's pages would pay for the others).
            for name in names[i % len(names):] + names[:i % len(names)]:
                sql, params = statements[name][i]
                started = time.perf_counter()
                conn.execute(sql, params).fetchall()
                latencies[name].append(time.perf_counter() - started)
    return latencies


def words_cost(repeat: int = 2000) -> float:
    """Microseconds to put one result's hours and languages in words (French)."""
    from webmap import create_app
    from webmap.directory.hours import parse_hours
    from webmap.directory.schedules import availability

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": "postgresql+psycopg://unused/unused"})
    openings = parse_hours("lun-ven 08:00-17:00; sam 08:00-12:00")
    with app.test_request_context("/"):
        availability(openings, ["français", "dioula"], MONDAY_10)
        started = time.perf_counter()
        for _ in range(repeat):
            availability(openings, ["français", "dioula"], MONDAY_10)
        return (time.perf_counter() - started) / repeat * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=1000, help="searches per statement")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--source-url", default=os.environ.get("BENCH_SOURCE_URL", bn.DEFAULT_SOURCE))
    args = parser.parse_args()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    bn.ensure_database(args.database_url)
    bn.copy_reference(args.database_url, args.source_url)
    bn.load_points(args.database_url, args.size)
    bn.log("giving DEMO hours and languages to the synthetic services")
    give_hours(args.database_url)
    queries = bn.workload(bn.origins(args.database_url, 200), args.requests)
    statements = variants(queries)
    bn.log(f"measuring {len(statements)} statements × {args.requests} searches, interleaved")
    latencies = measure(args.database_url, statements)
    words = words_cost()
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    base = {q: bn.percentile(latencies["baseline"], q) for q in (0.5, 0.95)}
    print(f"opening-hours benchmark — {dt.datetime.now():%Y-%m-%d %H:%M} — {os.cpu_count()} CPUs — "
          f"load average before: {load_before}, after: {load_after}")
    print(f"{args.size:,} synthetic points, {args.requests} searches per statement (bench_nearest's workload), "
          "one connection, c=1\n")
    print("| statement | p50 ms | p95 ms | p50 / baseline | p95 / baseline |")
    print("|---|---:|---:|---:|---:|")
    for name, values in latencies.items():
        p50, p95 = bn.percentile(values, 0.5), bn.percentile(values, 0.95)
        print(f"| {name} | {p50 * 1000:.2f} | {p95 * 1000:.2f} | {p50 / base[0.5]:.2f} | {p95 / base[0.95]:.2f} |")
    print(f"\nhours and languages in words, one result (Python): {words:.0f} µs")


if __name__ == "__main__":
    main()
