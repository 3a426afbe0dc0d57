#!/usr/bin/env python3
"""Benchmark of the vertex budget of campaign areas: saving a detailed area, then the planning map.

    DATABASE_URL=... .venv/bin/python scripts/bench_area_budget.py        # 10k, 50k, 100k, 1M
    DATABASE_URL=... .venv/bin/python scripts/bench_area_budget.py --sizes 99999 --baseline-max 99999

For each size N it builds two drawn areas in Côte d'Ivoire (a ring of radius 0.3° around
-5.5, 7.5): a smooth circle of N vertices, and a ring of N vertices zigzagging by 1 km. Each is
saved through ``save_campaign`` (the one write path of the form, the upload and the CLI), then
the planning map's campaign layer (``campaign_features``, what ``/planning`` draws) is read;
both are timed. Every write happens in one transaction rolled back at the end: nothing stays in
the database (the one of ``DATABASE_URL``, migrated and loaded with the reference geodata).

The same-run baseline saves the same areas as the code did before the budget (the GeoJSON as
sent, no simplification, no budget). It grows faster than N (a jagged area of 100,000 vertices
took 334 s on the shared machine), so it runs up to ``--baseline-max`` vertices only (default
50,000).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def ring(vertices: int, jitter: float, centre=(-5.5, 7.5), radius=0.3) -> dict:
    points = []
    for i in range(vertices):
        angle = 2 * math.pi * i / vertices
        r = radius + (jitter if i % 2 else -jitter)
        points.append([centre[0] + r * math.cos(angle), centre[1] + r * math.sin(angle)])
    return {"type": "Polygon", "coordinates": [[*points, points[0]]]}


def measure(session, service, geometry: dict, label: str) -> dict:
    from webmap.directory.validation import ValidationFailed
    from webmap.models import Campaign

    data = service.CampaignInput(
        name=f"DEMO benchmark — {label}", organization="DEMO benchmark — synthetic", theme="child_trafficking",
        channel="transport_hubs", start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 1, 31),
        source="DEMO benchmark — synthetic", geometry=geometry,
    )
    savepoint = session.begin_nested()
    started = time.perf_counter()
    try:
        campaign = service.save_campaign(session, data)
        outcome = "saved"
    except ValidationFailed as exc:
        campaign, outcome = None, "refused: " + next(iter(exc.errors.values()))[:60]
    save_s = time.perf_counter() - started
    stored = map_s = None
    if campaign is not None:
        from sqlalchemy import func, select

        stored = session.scalar(select(func.ST_NPoints(Campaign.area)).where(Campaign.id == campaign.id))
        started = time.perf_counter()
        service.campaign_features(session)
        map_s = time.perf_counter() - started
    savepoint.rollback()
    return {"outcome": outcome, "save_s": save_s, "stored": stored, "map_s": map_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 99_999, 1_000_000])
    parser.add_argument("--baseline-max", type=int, default=50_000)
    args = parser.parse_args()

    from webmap import create_app
    from webmap.extensions import db
    from webmap.planning import service

    app = create_app({"TESTING": True, "SECRET_KEY": "bench"})
    budget_check = service._check_geometry

    def before_the_budget(geometry):  # the code before the budget: the GeoJSON as sent
        return None if geometry is None else json.dumps(geometry)

    print(f"database: {os.environ.get('DATABASE_URL', '(default)')}; load average {os.getloadavg()[0]:.2f}")
    print(f"budget: {service.MAX_AREA_VERTICES:,} vertices after simplification to {service.AREA_SIMPLIFY}° (~50 m)")
    print(f"{'area':<22}{'code':<10}{'outcome':<40}{'save s':>8}{'stored':>9}{'map s':>8}")
    with app.test_request_context("/"):
        session = db.session
        session.begin()
        try:
            for size in args.sizes:
                for shape, jitter in (("smooth", 0.0), ("zigzag 1 km", 0.005)):
                    geometry = ring(size, jitter)
                    runs = [("budget", budget_check)]
                    if size <= args.baseline_max:
                        runs.append(("baseline", before_the_budget))
                    for code, check in runs:
                        service._check_geometry = check
                        r = measure(session, service, geometry, f"{shape} {size}")
                        stored = "" if r["stored"] is None else f"{r['stored']:,}"
                        map_s = "" if r["map_s"] is None else f"{r['map_s']:.2f}"
                        print(f"{f'{shape} {size:,}':<22}{code:<10}{r['outcome']:<40}{r['save_s']:>8.2f}"
                              f"{stored:>9}{map_s:>8}", flush=True)
        finally:
            service._check_geometry = budget_check
            session.rollback()
            db.dispose()


if __name__ == "__main__":
    main()
