#!/usr/bin/env python3
"""What "always someone to call" costs a nearest search: the search alone, then the search with
the fallback block and whom to ask instead (webmap/referral/fallback.py), same run, same origins.

    DATABASE_URL=... .venv/bin/python scripts/bench_fallback.py --requests 500

Read-only, on the database of ``DATABASE_URL`` (with the seed directory loaded, e.g. the dev or
test database), through one psycopg connection set as the app's lookup pool sets its own
(``LOOKUP_OPTIONS``), at concurrency 1. Origins are drawn in Côte d'Ivoire's bounding box (fixed
seed); every search asks for shelter, so results without a phone ask for whom to call instead.
Prints p50 / p95 in milliseconds and the CPU time per search (this process, its PostgreSQL
backend) of each, and the differences; the third run is the app's path:
the data version read with the search's rows, the block and whom to ask from the per-version
cache (webmap.dataversion).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

import psycopg


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _cpu(backend_pid: int) -> tuple[float, float]:
    """CPU seconds so far of this process and of the PostgreSQL backend serving it (from /proc:
    steadier than wall-clock times on a machine others load)."""
    fields = open(f"/proc/{backend_pid}/stat").read().rsplit(")", 1)[1].split()
    return time.process_time(), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()

    from webmap import create_app, dataversion
    from webmap.extensions import LOOKUP_OPTIONS
    from webmap.referral import fallback, nearest

    app = create_app()
    url = app.config["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    rng = random.Random(12)
    origins = [nearest.Origin(kind="point", lat=rng.uniform(4.5, 10.5), lon=rng.uniform(-8.4, -2.6))
               for _ in range(args.requests)]
    criteria = nearest.Criteria(needs=("shelter",))
    with app.test_request_context("/"), psycopg.connect(url, autocommit=True, options=LOOKUP_OPTIONS) as conn:

        def alone(origin):
            return nearest.find_nearest(conn, origin, criteria)

        def with_fallback(origin):
            result = nearest.find_nearest(conn, origin, criteria)
            result.fallback = fallback.fallback_contacts(conn)
            fallback.ask_instead(conn, result.results, result.fallback)
            return result

        def cached(origin):  # as the app runs it: the version read with the search's rows
            result = nearest.find_nearest(conn, origin, criteria)
            version = result.data_version or dataversion.current(conn)
            result.fallback = fallback.fallback_contacts(conn, version)
            fallback.ask_instead(conn, result.results, result.fallback, version)
            return result

        figures = {}
        for name, work in (("search alone", alone), ("search + fallback", with_fallback),
                           ("search + cached", cached)):
            for origin in origins[:20]:  # warm the prepared statements
                work(origin)
            latencies = []
            cpu = _cpu(conn.info.backend_pid)
            for origin in origins:
                start = time.perf_counter()
                work(origin)
                latencies.append((time.perf_counter() - start) * 1000)
            spent = zip(cpu, _cpu(conn.info.backend_pid), strict=True)
            used = [(after - before) / len(origins) * 1000 for before, after in spent]
            figures[name] = (statistics.median(latencies), _percentile(latencies, 0.95), *used)
    print(f"{args.requests} searches, concurrency 1, load average {os.getloadavg()[0]:.2f}")
    for name, (p50, p95, python, backend) in figures.items():
        print(f"  {name:<20} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   CPU per search: Python {python:.2f} ms, "
              f"PostgreSQL backend {backend:.2f} ms")
    extra = figures["search + fallback"][0] - figures["search alone"][0]
    print(f"  fallback block + ask-instead: +{extra:.2f} ms at p50")
    extra = figures["search + cached"][0] - figures["search alone"][0]
    print(f"  the same from the per-version cache (as the app runs it): {extra:+.2f} ms at p50")


if __name__ == "__main__":
    main()
