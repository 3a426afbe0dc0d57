#!/usr/bin/env python3
"""Benchmark of the map's services layer at 100k and 1M services: HTTP time and bytes per view.

    .venv/bin/python scripts/bench_map.py                       # 100k, then 1M
    .venv/bin/python scripts/bench_map.py --sizes 100000 --requests 40 --no-browser

Everything happens in a database of its own, ``webmap_bench_map`` (``--database-url``), created
and migrated if needed, never the dev or test database, with the reference geodata copied from
``--source-url`` and N synthetic services labelled as demonstration data ("DEMO benchmark —
synthetic"), loaded as ``scripts/bench_nearest.py`` loads them (random points inside the country,
fixed seed; 2 % confidential, at their nearest town; the 100k set is part of the 1M one).

For three views of a 1280×800 window — national (zoom 7), régional (Bouaké, zoom 9) and city
(Abidjan, zoom 13), each with the bbox the page asks for (the view padded by 25 % each side) —
it measures through gunicorn on 127.0.0.1:

* ``GET /api/v1/services/clusters?bbox=&zoom=`` (the map's layer): p50, p95 over ``--requests``
  requests at concurrency 1, bytes on the wire as a browser asks (``Accept-Encoding: br, gzip``)
  and uncompressed, the answer's mode and count, CPU ms per request of gunicorn and PostgreSQL;
* the baseline of the same run: the former layer, ``GET /api/v1/services?bbox=&limit=5000``;
* with Chromium (``--no-browser`` to skip): the time from navigation to the first drawn marker
  or cluster on ``/`` (the national view), median of ``--browser-runs`` fresh pages.

Targets (issue 14) at 1M: every view p95 ≤ 150 ms and ≤ 300 KB compressed. The load average is
printed with every figure: other work on the machine changes them.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_nearest as bn  # noqa: E402

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/webmap_bench_map"
TARGET_P95_MS = 150.0
TARGET_KB = 300.0
WINDOW = (1280, 800)
VIEWS = (("national", 7.6, -5.5, 7), ("régional (Bouaké)", 7.69, -5.03, 9), ("city (Abidjan)", 5.33, -4.03, 13))


def view_bbox(lat: float, lon: float, zoom: int) -> str:
    """The bbox map.js asks for: the window's bounds at ``zoom`` (Web Mercator), padded by 25 %."""
    width, height = WINDOW
    per_px = 360.0 / (256 * 2 ** zoom)

    def y(lat_deg: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat_deg) / 2))

    def lat_of(y_value: float) -> float:
        return math.degrees(2 * math.atan(math.exp(y_value)) - math.pi / 2)

    half_w = width * 1.5 / 2 * per_px
    half_h = height * 1.5 / 2 * math.radians(per_px)
    south, north = lat_of(y(lat) - half_h), lat_of(y(lat) + half_h)
    return f"{lon - half_w:.5f},{south:.5f},{lon + half_w:.5f},{north:.5f}"


def fetch(port: int, path: str, headers: dict) -> tuple[int, bytes, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status} for {path}: {body[:200]!r}")
    return response.status, body, dict(response.getheaders())


def time_requests(server, url: str, path: str, n: int) -> dict:
    worker = bn.http_worker_factory(server.port, path.split("?")[0])
    queries = [path.split("?", 1)[1]] * n
    meter = bn.CpuMeter(server, url)
    meter.start()
    result = bn.run_concurrent(worker, queries, 1)
    result["cpu"] = meter.per_request_ms(n)
    return result


def measure(url: str, size: int, args) -> list[dict]:
    import json

    rows = []
    server = bn.Gunicorn(url, args.workers, args.threads)
    try:
        for name, lat, lon, zoom in VIEWS:
            bbox = view_bbox(lat, lon, zoom)
            for kind, path, n in (
                ("clusters", f"/api/v1/services/clusters?bbox={bbox}&zoom={zoom}", args.requests),
                ("baseline", f"/api/v1/services?bbox={bbox}&limit=5000", args.baseline_requests),
            ):
                _s, raw, _h = fetch(server.port, path, {})
                _s, wire, headers = fetch(server.port, path, bn.BROWSER_HEADERS)
                answer = json.loads(raw)
                for _ in range(3):  # warm-up: each worker's connections, not measured
                    fetch(server.port, path, bn.BROWSER_HEADERS)
                result = time_requests(server, url, path, n)
                row = {"size": size, "view": name, "zoom": zoom, "kind": kind, "load": bn.load1(), **result,
                       "bytes": len(raw), "wire": len(wire), "encoding": headers.get("Content-Encoding", "identity"),
                       "mode": answer.get("mode", "truncated" if answer.get("truncated") else "all"),
                       "features": len(answer["features"]), "total": answer.get("total")}
                rows.append(row)
                bn.log(f"  {size:>8,} {name:<18} {kind:<8} p50 {row['p50']:7.1f} ms  p95 {row['p95']:7.1f} ms  "
                       f"{row['wire'] / 1000:7.1f} kB {row['encoding']} ({row['bytes'] / 1000:.0f} kB raw)  "
                       f"{row['mode']} {row['features']} features  load {row['load']:.1f}  CPU ms: "
                       + ", ".join(f"{k} {v:.1f}" for k, v in result["cpu"].items()))
        if args.browser:
            rows.append({"size": size, "kind": "browser", **browser_time(server.port, args.browser_runs)})
            bn.log(f"  {size:>8,} Chromium: first marker drawn after {rows[-1]['median_ms']:.0f} ms "
                   f"(runs {', '.join(f'{v:.0f}' for v in rows[-1]['runs'])})")
    finally:
        server.stop()
    return rows


def browser_time(port: int, runs: int) -> dict:
    """Milliseconds from navigation start to the first server cluster or marker in the page."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": WINDOW[0], "height": WINDOW[1]}, locale="fr-FR")
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_function("() => document.querySelector('.wm-server-cluster, .wm-marker') !== null",
                                       timeout=60_000, polling="raf")
                times.append(page.evaluate("() => performance.now()"))
                context.close()
        finally:
            browser.close()
    return {"median_ms": bn.percentile(times, 0.5), "runs": times}


def table(rows: list[dict]) -> str:
    lines = ["", f"{'size':>9} | {'view':<18} | {'answer':<22} | {'p50 ms':>7} | {'p95 ms':>7} | {'kB wire':>8} | "
             f"{'kB raw':>7} | {'CPU ms app+db':>13} | load | target", "-" * 132]
    for r in rows:
        if r["kind"] == "browser":
            lines.append(f"{r['size']:>9,} | Chromium, national view: first marker drawn after {r['median_ms']:.0f} ms "
                         f"(median of {len(r['runs'])})")
            continue
        what = f"{r['kind']}: {r['mode']} {r['features']}"
        cpu = r["cpu"]["gunicorn"] + r["cpu"]["postgres"]
        ok = r["p95"] <= TARGET_P95_MS and r["wire"] / 1000 <= TARGET_KB
        verdict = ("met" if ok else "MISSED") if r["kind"] == "clusters" else "(baseline)"
        lines.append(f"{r['size']:>9,} | {r['view']:<18} | {what:<22} | {r['p50']:7.1f} | {r['p95']:7.1f} | "
                     f"{r['wire'] / 1000:8.1f} | {r['bytes'] / 1000:7.0f} | {cpu:13.1f} | {r['load']:4.1f} | {verdict}")
    lines.append(f"targets: clusters p95 ≤ {TARGET_P95_MS:.0f} ms and ≤ {TARGET_KB:.0f} kB on the wire at 1M; "
                 "c=1; kB wire as a browser asks (br/gzip)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--requests", type=int, default=100, help="measured requests per view (map layer)")
    parser.add_argument("--baseline-requests", type=int, default=10, help="requests per view (former layer)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--browser-runs", type=int, default=5)
    parser.add_argument("--no-browser", dest="browser", action="store_false")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--source-url", default=os.environ.get("BENCH_SOURCE_URL", bn.DEFAULT_SOURCE))
    parser.add_argument("--reset", action="store_true", help="start from a new, empty bench database")
    args = parser.parse_args()
    if args.reset:
        bn.reset(args.database_url)
    bn.ensure_database(args.database_url)
    bn.copy_reference(args.database_url, args.source_url)
    rows = []
    for size in sorted(int(s) for s in args.sizes.split(",")):
        started = time.perf_counter()
        bn.load_points(args.database_url, size)
        bn.log(f"{size:,} synthetic services ready ({time.perf_counter() - started:.0f} s)")
        rows += measure(args.database_url, size, args)
        print(table(rows), flush=True)


if __name__ == "__main__":
    main()
