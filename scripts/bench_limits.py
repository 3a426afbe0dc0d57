#!/usr/bin/env python3
"""Benchmark of the limits: does the nearest search stay quick while 8 clients ask for atlases?

    .venv/bin/python scripts/bench_limits.py                 # set up if needed, then measure
    .venv/bin/python scripts/bench_limits.py --skip-setup --seconds 20

Everything happens in a database of its own, ``webmap_bench_limits`` (``--database-url``), never
the dev or test database: created if missing, migrated, loaded with the reference geodata
(``webmap geodata``) and with 1,000 synthetic structures labelled as demonstration data
("DEMO benchmark — synthetic", the generator of ``scripts/bench_print.py``).

The app is served by gunicorn as ``make run`` serves it (2 gthread workers × 4 threads,
``scripts/gunicorn.conf.py``) on a free loopback port. For each scenario a fresh server is
started and warmed up (nearest searches, two small PNGs), then ``GET /api/v1/nearest`` is
measured for ``--seconds`` at concurrency ``--concurrency`` (keep-alive clients accepting
compressed answers, the searches of ``scripts/bench_nearest.py``) twice: **alone** (the
baseline, on the same server a moment before, so that other work on the machine weighs on both
alike) and **with the atlas clients**:

* **8 atlas clients, one address** — 8 threads request ``/export/atlas.pdf`` in a loop meanwhile
  (after a 429 each waits ``Retry-After``, at most ``--max-wait`` s, then asks again);
* **8 atlas clients, 8 addresses** — the same through a trusted proxy (``X-Forwarded-For``,
  ``WEBMAP_TRUSTED_PROXIES=1``): each client has its own rate, only the concurrency cap acts;
* **8 atlas clients, limits off** — the rate limit off, the cap raised to 100, the maps drawn in
  the worker itself: the situation before the limits, for comparison (``--skip-unlimited``
  leaves it out). A nearest request that times out (60 s) counts with the time it took.

It prints, per scenario, nearest p50 / p99 / requests/s, and the atlas answers: 200, 429 (rate
or busy) and others. Traffic stays on 127.0.0.1; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_nearest import BROWSER_HEADERS, free_port, healthy_within, origins, percentile, workload  # noqa: E402
from bench_print import ensure_database, load_demo, webmap_cli  # noqa: E402

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/webmap_bench_limits"
ATLAS = "/export/atlas.pdf?table=0"
TARGET_P99_MS = 100.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Server:
    """gunicorn on the bench database, as ``make run`` starts it, with extra environment."""

    def __init__(self, url: str, env: dict[str, str], workers: int = 2, threads: int = 4) -> None:
        self.port = free_port()
        full_env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-only", **env}
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(workers), "--worker-class", "gthread",
             "--threads", str(threads), "-b", f"127.0.0.1:{self.port}", "--no-control-socket",
             "-c", str(ROOT / "scripts" / "gunicorn.conf.py"), "--log-level", "warning", "webmap:create_app()"],
            cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        if not healthy_within(self.port, 60):
            self.stop()
            raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class AtlasCounts:
    ok: int = 0
    rate_limited: int = 0
    busy: int = 0
    other: int = 0
    seconds: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def atlas_client(port: int, address: str | None, stop: threading.Event, counts: AtlasCounts,
                 max_wait: float) -> None:
    headers = {"X-Forwarded-For": address} if address else {}
    while not stop.is_set():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        started = time.perf_counter()
        try:
            conn.request("GET", ATLAS, headers=headers)
            response = conn.getresponse()
            body = response.read()
        except OSError:
            with counts.lock:
                counts.other += 1
            time.sleep(0.5)
            continue
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        wait = 0.0
        with counts.lock:
            if response.status == 200:
                counts.ok += 1
                counts.seconds.append(elapsed)
            elif response.status == 429:
                if b'"busy"' in body:
                    counts.busy += 1
                else:
                    counts.rate_limited += 1
                wait = min(float(response.getheader("Retry-After", "1")), max_wait)
            else:
                counts.other += 1
        if wait:
            stop.wait(wait)


def nearest_for(port: int, queries: list[str], seconds: float, concurrency: int) -> dict:
    """Nearest searches for ``seconds`` by ``concurrency`` keep-alive clients."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[str] = []
    deadline = time.monotonic() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        k = i
        while time.monotonic() < deadline:
            query = queries[k % len(queries)]
            k += concurrency
            started = time.perf_counter()
            try:
                conn.request("GET", "/api/v1/nearest?" + query, headers=BROWSER_HEADERS)
                response = conn.getresponse()
                response.read()
            except OSError as exc:  # a timeout counts, with the time it took
                latencies[i].append(time.perf_counter() - started)
                errors.append(type(exc).__name__)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            latencies[i].append(time.perf_counter() - started)
            if response.status != 200:
                errors.append(f"HTTP {response.status}")
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    flat = [x for chunk in latencies for x in chunk] or [float("nan")]
    return {"n": len(flat), "p50": percentile(flat, 0.5) * 1000, "p99": percentile(flat, 0.99) * 1000,
            "max": max(flat) * 1000, "rps": len(flat) / elapsed, "errors": len(errors)}


def scenario(url: str, name: str, env: dict[str, str], addresses: list[str | None] | None, queries: list[str],
             args) -> dict:
    """On one fresh server: nearest alone (this scenario's baseline), then with the atlas clients."""
    log(f"scenario: {name}")
    server = Server(url, env)
    try:
        nearest_for(server.port, queries, args.warmup, args.concurrency)  # prepares statements, pools
        for _ in range(2):  # fonts and reference geometries loaded where the maps are drawn
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
            conn.request("GET", "/export/map.png?width=200", headers={"X-Forwarded-For": "198.51.100.250"})
            conn.getresponse().read()
        alone = nearest_for(server.port, queries, args.seconds, args.concurrency)
        log(f"  alone: nearest p50 {alone['p50']:.1f} ms  p99 {alone['p99']:.1f} ms  {alone['rps']:.0f}/s")
        counts, stop = AtlasCounts(), threading.Event()
        threads = [threading.Thread(target=atlas_client, args=(server.port, a, stop, counts, args.max_wait),
                                    daemon=True) for a in addresses]
        for thread in threads:
            thread.start()
        time.sleep(2)  # the atlases are being drawn
        try:
            result = nearest_for(server.port, queries, args.seconds, args.concurrency)
        finally:
            stop.set()
        for thread in threads:
            thread.join(600)
        result.update(alone=alone, atlas_ok=counts.ok, atlas_rate=counts.rate_limited, atlas_busy=counts.busy,
                      atlas_other=counts.other,
                      atlas_s=(sorted(counts.seconds)[len(counts.seconds) // 2] if counts.seconds else None))
        log(f"  with atlases: nearest p50 {result['p50']:.1f} ms  p99 {result['p99']:.1f} ms  {result['rps']:.0f}/s "
            f"({result['errors']} errors); "
            f"atlas 200: {counts.ok}, 429 rate: {counts.rate_limited}, 429 busy: {counts.busy}, other: {counts.other}")
        return {"name": name, **result}
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("WEBMAP_BENCH_LIMITS_URL", DEFAULT_DB))
    parser.add_argument("--structures", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20.0, help="nearest measurement per scenario")
    parser.add_argument("--warmup", type=float, default=3.0, help="nearest warm-up per scenario (seconds)")
    parser.add_argument("--concurrency", type=int, default=8, help="nearest clients")
    parser.add_argument("--max-wait", type=float, default=5.0, help="longest Retry-After an atlas client honours")
    parser.add_argument("--skip-setup", action="store_true", help="use the database as it is")
    parser.add_argument("--skip-unlimited", action="store_true", help="leave out the 'limits off' scenario")
    args = parser.parse_args()
    url = args.database_url
    if "webmap_bench" not in url:
        raise SystemExit("refusing to write demonstration data outside a webmap_bench* database")
    if not args.skip_setup:
        ensure_database(url)
        webmap_cli(url, "db", "upgrade")
        webmap_cli(url, "geodata")
        from webmap import create_app
        from webmap.extensions import db

        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-only"})
        with app.app_context():
            log(f"{load_demo(db.session, args.structures)} demonstration structures loaded")
            db.session.commit()
            db.dispose()

    queries = workload(origins(url.replace("postgresql+psycopg://", "postgresql://"), 500), 4000)
    load_before = os.getloadavg()
    one = ["127.0.0.1"] * 8  # X-Forwarded-For is ignored without a trusted proxy: one address
    eight = [f"198.51.100.{i + 1}" for i in range(8)]
    rows = [
        scenario(url, "8 atlas clients, one address", {}, one, queries, args),
        scenario(url, "8 atlas clients, 8 addresses (proxy)", {"WEBMAP_TRUSTED_PROXIES": "1"}, eight, queries,
                 args),
    ]
    if not args.skip_unlimited:
        rows.append(scenario(url, "8 atlas clients, limits off", {
            "WEBMAP_TRUSTED_PROXIES": "1", "WEBMAP_RATE_LIMIT_ENABLED": "0", "WEBMAP_EXPENSIVE_CONCURRENCY": "100",
            "WEBMAP_RENDER_ISOLATED": "0",
        }, eight, queries, args))
    load_after = os.getloadavg()

    print(f"webmap limits benchmark — {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC — {os.cpu_count()} CPUs — "
          f"load average before {' '.join(f'{x:.2f}' for x in load_before)}, after "
          f"{' '.join(f'{x:.2f}' for x in load_after)}")
    print(f"gunicorn 2 gthread workers × 4 threads (scripts/gunicorn.conf.py); nearest: {args.concurrency} keep-alive "
          f"clients for {args.seconds:g} s per scenario; atlas clients: {ATLAS} in a loop, Retry-After honoured "
          f"up to {args.max_wait:g} s; {args.structures} DEMO structures")
    print()
    print("| scenario | alone: nearest p50 ms | p99 ms | requests/s | with atlases: nearest p50 ms | p99 ms | max ms "
          "| requests/s | nearest errors | atlas 200 | 429 rate | 429 busy | other | atlas median s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        a = r["alone"]
        atlas_s = f"{r['atlas_s']:.1f}" if r["atlas_s"] else ""
        print(f"| {r['name']} | {a['p50']:.1f} | {a['p99']:.1f} | {a['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} "
              f"| {r['max']:.0f} | {r['rps']:.0f} | {r['errors']} | {r['atlas_ok']} | {r['atlas_rate']} "
              f"| {r['atlas_busy']} | {r['atlas_other']} | {atlas_s} |")
    limited = rows[:2]
    worst = max(r["p99"] for r in limited)
    failed = sum(r["errors"] + r["alone"]["errors"] for r in limited)  # an error answer is fast, not a pass
    passed = worst < TARGET_P99_MS and failed == 0
    print()
    print(f"target: nearest p99 < {TARGET_P99_MS:.0f} ms with 8 atlas clients (limits on), no failed request: "
          f"worst {worst:.1f} ms, {failed} failed — {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
