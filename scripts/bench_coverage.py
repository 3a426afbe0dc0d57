#!/usr/bin/env python
"""Benchmark: the coverage table of the 108 départements over 10,000 campaigns (target < 2 s).

Uses its OWN database (default ``webmap_bench_planning``), which must be migrated and loaded
with the reference geodata beforehand::

    createdb -h 127.0.0.1 -U postgres webmap_bench_planning
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/webmap_bench_planning \\
        sh -c '.venv/bin/webmap db upgrade && .venv/bin/webmap geodata && .venv/bin/webmap seed'
    .venv/bin/python scripts/bench_coverage.py

The script loads the reference risk zones, then makes sure the database holds exactly
``--campaigns`` synthetic campaigns (generated like ``webmap demo``: unions of admin areas and
discs around towns, ending within two years; all flagged ``is_demo`` and named "DÉMO bench").
It times ``coverage_table(level="departement")`` over a period holding every campaign, repeated
``--repeat`` times, then the same with only ``--baseline`` campaigns left (deleted inside a
transaction that is rolled back), and prints both, their ratio and the machine load.
Exit status 1 when the median exceeds the target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, select, text  # noqa: E402

from webmap import create_app  # noqa: E402
from webmap.extensions import db  # noqa: E402
from webmap.geodata import layer_path, load_manifest  # noqa: E402
from webmap.models import AdminArea, Campaign  # noqa: E402
from webmap.planning.analysis import Period, coverage_table, priority_list, service_desert  # noqa: E402
from webmap.planning.demo import generate_specs, insert_specs  # noqa: E402
from webmap.planning.riskzones import NEIGHBOURS_LAYER, load_reference_zones  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/webmap_bench_planning"
BENCH_TODAY = dt.date(2026, 11, 1)  # fixed, so every run builds the same campaigns
BENCH_SEED = 7
BENCH_LABEL = "DÉMO bench"
TARGET_S = 2.0


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPU(s)"


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def describe(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f} s, min {min(times):.3f} s, max {max(times):.3f} s"


def prepare(session, count: int) -> None:
    if session.scalar(select(func.count()).select_from(AdminArea).where(AdminArea.level == "adm2")) != 108:
        sys.exit("the benchmark database has no reference boundaries: run `webmap db upgrade` and `webmap geodata`")
    from flask import current_app

    neighbours = layer_path(NEIGHBOURS_LAYER, load_manifest(), current_app.config["WEBMAP_GEODATA_MIRROR"],
                            current_app.config["WEBMAP_GEODATA_CACHE"])
    print(f"risk zones: {load_reference_zones(session, neighbours)}")
    session.commit()
    have = session.scalar(select(func.count()).select_from(Campaign))
    if have != count or session.scalar(
        select(func.count()).select_from(Campaign).where(Campaign.source != BENCH_LABEL)
    ):
        print(f"campaigns: {have} present; building {count} synthetic ones (takes a while)…")
        session.execute(delete(Campaign))
        start = time.perf_counter()
        specs = generate_specs(session, count, BENCH_SEED, BENCH_TODAY, label=BENCH_LABEL)
        insert_specs(session, specs, source=BENCH_LABEL)
        session.commit()
        print(f"campaigns: {count} inserted and derived in {time.perf_counter() - start:.1f} s")
    else:
        print(f"campaigns: {count} already present")
    session.execute(text("ANALYZE campaign; ANALYZE campaign_part; ANALYZE campaign_unit; ANALYZE risk_zone"))
    session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--campaigns", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    app = create_app({"DATABASE_URL": args.database_url})
    period = Period(BENCH_TODAY - dt.timedelta(days=800), BENCH_TODAY)
    with app.app_context():
        session = db.session
        print(f"database: {args.database_url.rsplit('/', 1)[-1]}; {load()}")
        prepare(session, args.campaigns)
        in_period = session.scalar(
            select(func.count()).select_from(Campaign)
            .where(Campaign.start_date <= period.end, Campaign.end_date >= period.start)
        )
        print(f"period {period.start} → {period.end}: {in_period} campaigns in it")

        def departements():
            table = coverage_table(session, "departement", period)
            assert len(table.rows) == 108 and table.campaigns == in_period
            session.rollback()  # ends the transaction (SET LOCAL jit) like a request would

        coverage_table(session, "departement", period)  # warm-up: caches, plans
        session.rollback()
        full = timed(departements, args.repeat)
        print(f"coverage, 108 départements, {in_period} campaigns: {describe(full)}   [{load()}]")
        regions = timed(lambda: (coverage_table(session, "region", period), session.rollback()), args.repeat)
        print(f"coverage, 33 régions, {in_period} campaigns: {describe(regions)}")
        priorities = timed(lambda: (priority_list(session, period), session.rollback()), 3)
        print(f"priority list (every zone), {in_period} campaigns: {describe(priorities)}")
        desert = timed(lambda: (service_desert(session, 50.0), session.rollback()), 3)
        print(f"service desert at 50 km: {describe(desert)}")

        # Baseline: the same table with only --baseline campaigns (deleted, then rolled back).
        keep = select(Campaign.id).order_by(Campaign.id).limit(args.baseline).scalar_subquery()
        base_times = []
        for _ in range(args.repeat):
            session.execute(delete(Campaign).where(Campaign.id.not_in(keep)))
            start = time.perf_counter()
            table = coverage_table(session, "departement", period)
            base_times.append(time.perf_counter() - start)
            base_count = table.campaigns
            session.rollback()
        print(f"baseline, 108 départements, {base_count} campaigns: {describe(base_times)}")
        ratio = statistics.median(full) / statistics.median(base_times)
        print(f"ratio {in_period} / {base_count} campaigns: {ratio:.1f}×")
        median = statistics.median(full)
        verdict = "OK" if median < TARGET_S else "TOO SLOW"
        print(f"target: < {TARGET_S:.1f} s for 108 départements over {args.campaigns} campaigns → "
              f"{median:.3f} s {verdict}   [{load()}]")
        return 0 if median < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
