#!/usr/bin/env python3
"""Benchmark of the nearest-service search: raw SQL and HTTP (gunicorn), at 10k, 100k, 1M points.

    .venv/bin/python scripts/bench_nearest.py                      # 10k, 100k, 1M
    .venv/bin/python scripts/bench_nearest.py --sizes 10000 --requests 500

Everything happens in a database of its own, ``webmap_bench_nearest`` (``--database-url``),
created and migrated (``webmap db upgrade``) if needed, never the dev or test database. It gets
a copy of the reference geodata it needs (country, regions and the gazetteer, from
``--source-url``) and N synthetic services, every one labelled as demonstration data
(organisation and source "DEMO benchmark — synthetic"). Points are drawn at random inside
Côte d'Ivoire's boundary (``ST_GeneratePoints``, fixed seed); categories, needs, age ranges,
sexes, status, full flags, phones and confidentiality (2 %, placed at their nearest town) are
mixed deterministically. Sizes grow in place: the 100k set contains the 10k one.

For each size it measures, over the same list of origins and searches:

(a) the raw SQL statement the endpoint runs (compiled from ``webmap.referral.nearest``), through
    psycopg on one connection per client thread;
(b) ``GET /api/v1/nearest`` through gunicorn on 127.0.0.1 (a free port; started and stopped
    here), with keep-alive HTTP/1.1 clients that accept compressed answers, as browsers do;

(c) the same searches by town name (``place=``, typed as people type them: misspellings, usage
    names, no accents; each resolves to one town) and ``GET /api/v1/places?q=`` (the page's
    autocompletion, same names);

(d) ``GET /healthz`` (one trivial statement), the baseline of the same run: what the server,
    Flask and the load generator cost before any search;

the SQL at concurrency 1 and 16, each HTTP measure at concurrency 1, 8 and 16, ``--repeat``
times (the table gives the median and the range of the repeats): p50, p95, requests/s, the CPU
time per request of gunicorn, of the PostgreSQL backends serving the bench database and of the
load generator (from ``/proc``); then each target — p95 ≤ 15 ms at c=1 and ≥ 500 requests/s at
c=16 for the place search, the search by name and by coordinates; the ratio by name / by
coordinates (p50, p95, and requests/s the other way round) ≤ 1.3 — met or missed. The seed
directory is loaded too (``webmap seed``), for its fallback contacts: every answer carries the
"If nobody answers" block as in the app. Loops are bounded (``--requests`` per measurement),
traffic stays on the loopback. The load average is printed with every figure: other work on the
machine changes them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEMO = "DEMO benchmark — synthetic"
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/webmap_bench_nearest"
DEFAULT_SOURCE = "postgresql://postgres@127.0.0.1:5432/webmap"
# As a phone's browser asks: the answer comes compressed (Brotli), and that costs the server.
BROWSER_HEADERS = {"Accept-Encoding": "br, gzip, deflate"}
TARGET_P95_MS = 15.0
TARGET_RPS = 500.0
TARGET_NAME_RATIO = 1.3

# Origins typed by name, as a referral officer types them (each resolves to one town: no question).
NAMES = (
    "Dalao", "Odiene", "Yamousoukro", "Ferke", "San Pedro", "Yakro", "Bassam", "Abidajn", "Bouakke",
    "Gagnoua", "Bingervile", "Abengorou", "Bondokou", "Seguella", "Sasandra", "Subre", "Agbovile",
    "Dimbrokro", "Bundiali", "Tomodi", "Bouafle", "Daoukor", "Divoo", "Sinfar", "korhogo", "Man",
    "daloa", "Grand Lahou", "Katiola", "Touba",
)

# The searches of the mix, as query strings (an origin is added to each).
SEARCHES = (
    "need=shelter&age=12",
    "need=psychosocial&age=9&sex=female",
    "need=medical",
    "",
    "need=shelter&age=15&sex=female",
    "need=legal&max_km=50",
    "need=reintegration&age=16&sex=male",
    "category=ngo&need=family_tracing",
)

# Synthetic needs by category: four variants each, chosen by a hash (an assumption for the
# benchmark, not data about real structures).
PROFILES: dict[str, list[list[str]]] = {
    "social_centre": [["psychosocial", "case_management"], ["psychosocial", "family_tracing", "reporting"],
                      ["case_management", "family_tracing"], ["psychosocial", "case_management", "reporting"]],
    "reception_transit": [["shelter", "family_tracing"], ["shelter", "psychosocial"],
                          ["shelter", "family_tracing", "case_management"], ["shelter"]],
    "chpm": [["shelter"], ["shelter", "psychosocial"], ["shelter", "reintegration"],
             ["shelter", "psychosocial", "family_tracing"]],
    "reintegration": [["reintegration"], ["reintegration", "psychosocial"], ["reintegration", "family_tracing"],
                      ["reintegration", "case_management"]],
    "private_care": [["shelter", "medical"], ["shelter"], ["shelter", "psychosocial"], ["medical", "psychosocial"]],
    "ngo": [["psychosocial", "family_tracing"], ["legal", "reporting"], ["shelter", "psychosocial", "reintegration"],
            ["case_management", "family_tracing", "reintegration"]],
    "police": [["reporting"], ["reporting", "legal"], ["reporting"], ["reporting", "family_tracing"]],
    "labour_inspectorate": [["reporting"], ["reporting", "legal"], ["reporting", "case_management"], ["reporting"]],
    "justice": [["legal"], ["legal", "case_management"], ["legal", "reporting"], ["legal"]],
    "health": [["medical"], ["medical", "psychosocial"], ["medical", "reporting"],
               ["medical", "psychosocial", "case_management"]],
    "helpline": [["reporting", "psychosocial"], ["reporting"], ["reporting", "psychosocial", "case_management"],
                 ["reporting"]],
    "coordination": [["case_management"], ["case_management", "reporting"], [], ["case_management"]],
}
CATEGORIES = list(PROFILES)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def sqlalchemy_url(url: str) -> str:
    return "postgresql+psycopg://" + libpq(url).removeprefix("postgresql://")


# --- database -------------------------------------------------------------------------------------


def bench_database(url: str) -> tuple[str, str]:
    """(name of the bench database, URL of the server's ``postgres`` database); never the dev
    or test database."""
    parts = urllib.parse.urlsplit(libpq(url))
    name = parts.path.lstrip("/")
    if name in ("webmap", "webmap_test"):
        sys.exit("refusing to use the dev or test database for synthetic points")
    return name, urllib.parse.urlunsplit(parts._replace(path="/postgres"))


def ensure_database(url: str) -> None:
    name, admin = bench_database(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": sqlalchemy_url(url)}
    log("migrating (webmap db upgrade)")
    subprocess.run([str(ROOT / ".venv" / "bin" / "webmap"), "db", "upgrade"], check=True, env=env, cwd=ROOT)


def copy_reference(url: str, source: str) -> None:
    """Country, regions and gazetteer from the source database (the dev one by default)."""
    with psycopg.connect(libpq(url)) as dst:
        have = dst.execute("SELECT (SELECT count(*) FROM place), (SELECT count(*) FROM admin_area)").fetchone()
        if have[0] > 0 and have[1] > 0:
            return
        log("copying reference geodata (admin_area, place) from the source database")
        with psycopg.connect(libpq(source)) as src:
            for table in ("admin_area", "place"):
                dst.execute(f"DELETE FROM {table}")
                with src.cursor().copy(f"COPY {table} TO STDOUT (FORMAT binary)") as out, \
                        dst.cursor().copy(f"COPY {table} FROM STDIN (FORMAT binary)") as into:
                    for block in out:
                        into.write(block)
        dst.execute("ANALYZE admin_area; ANALYZE place")


def seed(url: str) -> None:
    """The seed directory (``webmap seed``, idempotent): its fallback contacts (116, the national
    focal points) make every answer's "If nobody answers" block as in the app; its 20 real
    structures are a drop in the synthetic points."""
    env = {**os.environ, "DATABASE_URL": sqlalchemy_url(url)}
    log("loading the seed directory (webmap seed)")
    subprocess.run([str(ROOT / ".venv" / "bin" / "webmap"), "seed"], check=True, env=env, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


def demo_count(conn) -> int:
    return conn.execute("SELECT count(*) FROM service WHERE source = %s", (DEMO,)).fetchone()[0]


LOAD_SQL = """
CREATE TEMP TABLE profile ON COMMIT DROP AS
SELECT (p ->> 0)::int AS ci, (p ->> 1)::int AS vi,
       ARRAY(SELECT jsonb_array_elements_text(p -> 2))::varchar[] AS needs
FROM jsonb_array_elements(%(profiles)s::jsonb) p;

CREATE TEMP TABLE gen ON COMMIT DROP AS
SELECT p.i,
       gen_random_uuid() AS service_id,
       gen_random_uuid() AS location_id,
       hashint4(p.i::int)::bigint & 2147483647 AS h,
       hashint4(p.i::int + 7919)::bigint & 2147483647 AS h2,
       p.geom
FROM (SELECT row_number() OVER () + %(offset)s AS i, d.geom
      FROM admin_area c, LATERAL ST_Dump(ST_GeneratePoints(c.geom, %(count)s, %(seed)s)) d
      WHERE c.level = 'adm0') p;

INSERT INTO location (id, organization_id, name, town, place_id, precision, confidential, source, geom)
SELECT g.location_id, %(org)s, NULL, town.name,
       CASE WHEN g.h2 %% 50 = 0 THEN town.id END,
       CASE WHEN g.h2 %% 50 = 0 THEN 'town' ELSE 'exact' END,
       g.h2 %% 50 = 0, %(demo)s, g.geom
FROM gen g
LEFT JOIN LATERAL (SELECT pl.id, pl.name FROM place pl WHERE g.h2 %% 50 = 0
                   ORDER BY pl.geom <-> g.geom LIMIT 1) town ON true;

INSERT INTO service (id, organization_id, name, name_key, category, needs, minimum_age, maximum_age, sexes,
                     capacity_available, capacity_available_updated, status, verification, source)
SELECT g.service_id, %(org)s, 'DEMO service ' || g.i, 'demo service ' || g.i,
       (%(categories)s::varchar[])[1 + g.h %% 12],
       pr.needs,
       CASE WHEN (g.h / 7) %% 10 < 3 THEN NULL ELSE (g.h / 70) %% 13 END,
       CASE WHEN (g.h / 11) %% 10 < 3 THEN NULL ELSE 14 + (g.h / 110) %% 8 END,
       CASE (g.h / 13) %% 10 WHEN 0 THEN 'female' WHEN 1 THEN 'male' WHEN 2 THEN NULL WHEN 3 THEN NULL
            WHEN 4 THEN NULL ELSE 'all' END,
       CASE WHEN (g.h / 17) %% 20 = 0 THEN 0 WHEN (g.h / 17) %% 20 < 4 THEN 1 + (g.h / 340) %% 20 END,
       CASE WHEN (g.h / 17) %% 20 < 4 THEN DATE '2026-11-01' END,
       CASE (g.h / 19) %% 20 WHEN 0 THEN 'inactive' WHEN 1 THEN 'planned' ELSE 'active' END,
       'to_verify', %(demo)s
FROM gen g
JOIN profile pr ON pr.ci = g.h %% 12 AND pr.vi = (g.h / 12) %% 4;

INSERT INTO service_at_location (id, service_id, location_id)
SELECT gen_random_uuid(), g.service_id, g.location_id FROM gen g;

INSERT INTO phone (id, service_id, number, type)
SELECT gen_random_uuid(), g.service_id, 'DEMO 00 00 00 ' || lpad((g.i %% 100)::text, 2, '0'), 'voice'
FROM gen g WHERE (g.h / 23) %% 10 < 3;
"""


def load_points(url: str, size: int) -> None:
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        org = conn.execute("SELECT id FROM organization WHERE name = %s", (DEMO,)).fetchone()
        if org is None:
            org = conn.execute(
                "INSERT INTO organization (id, name, source) VALUES (gen_random_uuid(), %s, %s) RETURNING id",
                (DEMO, DEMO),
            ).fetchone()
        have = demo_count(conn)
        if have > size:
            sys.exit(f"the bench database holds {have} points, more than {size}: use --reset")
        step = 200_000
        while have < size:
            count = min(step, size - have)
            started = time.perf_counter()
            profiles = [[ci, vi, needs] for ci, category in enumerate(CATEGORIES)
                        for vi, needs in enumerate(PROFILES[category])]
            values = {"offset": have, "count": count, "seed": 1000 + have, "org": org[0], "demo": DEMO,
                      "categories": CATEGORIES, "profiles": json.dumps(profiles)}
            with conn.transaction():
                for sql in LOAD_SQL.split(";\n\n"):
                    names = [k for k in values if f"%({k})s" in sql]
                    conn.execute(sql, {k: values[k] for k in names})
            have += count
            log(f"  loaded {have:,} synthetic points ({count:,} in {time.perf_counter() - started:.1f} s)")
        for table in ("location", "service", "service_at_location", "phone", "service_point"):
            conn.execute(f"VACUUM ANALYZE {table}")
        conn.execute("CHECKPOINT")  # the load's dirty pages written now, not while measuring


def reset(url: str) -> None:
    """Drop the bench database: the next steps create, migrate and fill it from scratch.

    (Deleting a million rows instead left bloated tables and indexes, and autovacuum and
    checkpoints busy during the next measurements.)"""
    name, admin = bench_database(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        log(f"dropping database {name}")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def origins(url: str, count: int) -> list[tuple[float, float]]:
    """Fixed random origins inside the country (seeded), shared by every measurement."""
    with psycopg.connect(libpq(url)) as conn:
        rows = conn.execute(
            "SELECT ST_Y(g), ST_X(g) FROM (SELECT (ST_Dump(ST_GeneratePoints(geom, %s, 7))).geom g "
            "FROM admin_area WHERE level = 'adm0') p",
            (count,),
        ).fetchall()
    return [(round(lat, 5), round(lon, 5)) for lat, lon in rows]


def workload(points: list[tuple[float, float]], n: int) -> list[str]:
    rng = random.Random(42)
    queries = []
    for i in range(n):
        lat, lon = points[i % len(points)]
        search = SEARCHES[rng.randrange(len(SEARCHES))]
        queries.append(f"lat={lat}&lon={lon}" + (f"&{search}" if search else ""))
    return queries


def workload_by_name(n: int) -> list[str]:
    """The searches of ``workload``, from a town typed by name."""
    rng = random.Random(43)
    queries = []
    for i in range(n):
        name = urllib.parse.quote(NAMES[i % len(NAMES)])
        search = SEARCHES[rng.randrange(len(SEARCHES))]
        queries.append(f"place={name}" + (f"&{search}" if search else ""))
    return queries


def workload_places(n: int) -> list[str]:
    """What the page's autocompletion asks: ``/api/v1/places?q=<typed>&limit=8``."""
    return [f"q={urllib.parse.quote(NAMES[i % len(NAMES)])}&limit=8" for i in range(n)]


# --- measurement ----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run_concurrent(worker, queries: list[str], concurrency: int) -> dict:
    """``worker(queries, latencies)`` per thread; returns p50/p95 (ms) and requests/s."""
    chunks = [queries[i::concurrency] for i in range(concurrency)]
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(concurrency + 1)

    def target(i: int) -> None:
        try:
            worker(chunks[i], latencies[i], barrier)
        except BaseException as exc:  # reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    flat = [value for chunk in latencies for value in chunk]
    return {
        "n": len(flat),
        "p50": percentile(flat, 0.50) * 1000,
        "p95": percentile(flat, 0.95) * 1000,
        "rps": len(flat) / elapsed,
    }


def sql_statements(queries: list[str]):
    """Each query string → (SQL text, parameters) exactly as the endpoint's first round runs it."""
    from werkzeug.datastructures import MultiDict

    from webmap.directory.visibility import PUBLIC
    from webmap.referral import nearest
    from webmap.referral.params import parse_criteria, parse_origin

    out = []
    for query in queries:
        args = MultiDict(urllib.parse.parse_qsl(query))
        criteria = parse_criteria(args)
        origin = parse_origin(args)
        params = nearest.first_round_parameters(criteria, origin.lat, origin.lon)
        shape = nearest.shape_of(criteria)
        sql, constants, _row = nearest.compiled(PUBLIC, shape, nearest.candidate_count(criteria.limit))
        out.append((sql, {**constants, **params}))
    return out


def sql_worker_factory(url: str, statements: dict, warm: list[str] = ()):
    from webmap.extensions import LOOKUP_OPTIONS

    def worker(chunk: list[str], latencies: list[float], barrier) -> None:
        # Connections set as the app's lookup pool sets them (webmap.extensions.LOOKUP_OPTIONS).
        with psycopg.connect(libpq(url), autocommit=True, options=LOOKUP_OPTIONS) as conn:
            for query in warm:  # this connection prepares each statement (not measured)
                sql, params = statements[query]
                conn.execute(sql, params).fetchall()
            barrier.wait()
            for query in chunk:
                sql, params = statements[query]
                started = time.perf_counter()
                conn.execute(sql, params).fetchall()
                latencies.append(time.perf_counter() - started)
    return worker


def http_worker_factory(port: int, path: str = "/api/v1/nearest"):
    def worker(chunk: list[str], latencies: list[float], barrier) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.connect()
        barrier.wait()
        for query in chunk:
            started = time.perf_counter()
            conn.request("GET", f"{path}?{query}", headers=BROWSER_HEADERS)
            response = conn.getresponse()
            body = response.read()
            latencies.append(time.perf_counter() - started)
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status} for {query}: {body[:300]!r}")
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()
    return worker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy_within(port: int, seconds: float) -> bool:
    """Wait until the app on ``port`` answers ``/healthz`` with 200, at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return True
        except OSError:
            time.sleep(0.2)
    return False


class Gunicorn:
    """gunicorn serving the app on the bench database, on a free loopback port."""

    def __init__(self, url: str, workers: int, threads: int, worker_class: str = "gthread") -> None:
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": sqlalchemy_url(url), "SECRET_KEY": "bench-only"}
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--threads", str(threads), "--worker-class", worker_class,
             "--keep-alive", "30", "--backlog", "256", "--log-level", "warning",
             # As make run: no control socket (one path per user, shared by every gunicorn).
             "--no-control-socket", "webmap:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        if not healthy_within(self.port, 90):  # a loaded machine takes its time to import the app
            self.stop()
            raise RuntimeError("gunicorn did not start")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- CPU time per request (Linux /proc) -------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


def _processes(name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


class CpuMeter:
    """CPU seconds spent since ``start`` by gunicorn (master and workers), by the PostgreSQL
    backends serving the bench database (the app's pools: other databases' work, other
    engineers' test runs on the same server, is left out) and by this load generator."""

    def __init__(self, server: Gunicorn, url: str) -> None:
        self.server = server
        self.url = url

    def _backends(self) -> list[int]:
        name, _admin = bench_database(self.url)
        with psycopg.connect(libpq(self.url), autocommit=True) as conn:
            me = conn.info.backend_pid
            rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
                                (name, me)).fetchall()
        return [pid for (pid,) in rows]

    def _read(self, backends: list[int]) -> dict[str, dict[int, float]]:
        return {
            "gunicorn": {pid: _cpu_seconds(pid) for pid in (self.server.process.pid, *self.server.worker_pids())},
            "postgres": {pid: _cpu_seconds(pid) for pid in backends},
            "client": {0: time.process_time()},
        }

    def start(self) -> None:
        self.backends = self._backends()
        self.before = self._read(self.backends)

    def per_request_ms(self, requests: int) -> dict[str, float]:
        """Per group, the CPU time its processes spent since ``start`` (a process that ended
        meanwhile is not counted; one that started is counted whole)."""
        after = self._read(sorted({*self.backends, *self._backends()}))
        return {
            key: sum(cpu - self.before[key].get(pid, 0.0) for pid, cpu in after[key].items()) / requests * 1000
            for key in after
        }


def payload_size(port: int, query: str, headers: dict | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/api/v1/nearest?" + query, headers=headers or {})
    return len(conn.getresponse().read())


def load1() -> float:
    return os.getloadavg()[0]


# What is measured over HTTP: (kind, path, queries). "health" is the baseline: the app's
# cheapest route (one trivial statement), measured in the same run.
def http_runs(points: list[tuple[float, float]]):
    return (
        ("health", "/healthz", lambda n: [""] * n),
        ("by coordinates", "/api/v1/nearest", lambda n: workload(points, n)),
        ("by name", "/api/v1/nearest", workload_by_name),
        ("places", "/api/v1/places", workload_places),
    )


CONCURRENCIES = (1, 8, 16)


def measure(url: str, size: int, args) -> list[dict]:
    points = origins(url, 500)
    rows = []
    warm = workload(points, 400)
    statements = dict(zip(warm, sql_statements(warm), strict=True))
    for concurrency in (1, 16):
        n = args.requests if concurrency == 1 else args.requests * 2
        queries = workload(points, n)
        statements.update(zip(queries, sql_statements(queries), strict=True))
        result = run_concurrent(sql_worker_factory(url, statements, warm[:120]), queries, concurrency)
        rows.append({"size": size, "kind": "SQL", "c": concurrency, "repeat": 0, "load": load1(), **result})
        log(f"  SQL  c={concurrency:<2} p50 {result['p50']:.2f} ms  p95 {result['p95']:.2f} ms  {result['rps']:.0f}/s")
    server = Gunicorn(url, args.workers, args.threads, args.worker_class)
    try:
        # Warm-up (not measured): every worker's pooled connections prepare each statement
        # (psycopg prepares after 5 executions) and load PostGIS's projection data once.
        run_concurrent(http_worker_factory(server.port), workload(points, args.warmup), 16)
        run_concurrent(http_worker_factory(server.port), workload_by_name(args.warmup // 4), 16)
        run_concurrent(http_worker_factory(server.port, "/api/v1/places"), workload_places(args.warmup // 4), 16)
        for repeat in range(args.repeat):
            for concurrency in CONCURRENCIES:
                n = args.requests if concurrency == 1 else args.requests * 2
                for kind, path, make in http_runs(points):
                    queries = make(n)
                    meter = CpuMeter(server, url)
                    meter.start()
                    result = run_concurrent(http_worker_factory(server.port, path), queries, concurrency)
                    cpu = meter.per_request_ms(len(queries))
                    rows.append({"size": size, "kind": kind, "c": concurrency, "repeat": repeat, "load": load1(),
                                 **result, "cpu": cpu})
                    log(f"  [{repeat + 1}] {kind:<15} c={concurrency:<2} p50 {result['p50']:.2f} ms  "
                        f"p95 {result['p95']:.2f} ms  {result['rps']:.0f}/s  load {load1():.1f}  CPU ms/request: "
                        + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items()))
        lat, lon = points[0]
        payload = payload_size(server.port, f"lat={lat}&lon={lon}&limit=5")
        wire = payload_size(server.port, f"lat={lat}&lon={lon}&limit=5", BROWSER_HEADERS)
        rows.append({"size": size, "kind": "payload", "bytes": payload, "wire": wire})
    finally:
        server.stop()
    return rows


def _median(values: list[float]) -> float:
    return percentile(values, 0.5)


def _spread(values: list[float], digits: int) -> str:
    """The median of the repeats, and their range when there are several."""
    middle = f"{_median(values):.{digits}f}"
    if len(values) < 2:
        return middle
    return f"{middle} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def table(rows: list[dict], args) -> str:
    big = max(r["size"] for r in rows)
    lines = [
        f"nearest-service benchmark — {time.strftime('%Y-%m-%d %H:%M')} — {os.cpu_count()} CPUs — "
        f"load average before: {args.load_before}, after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"gunicorn: {args.workers} workers × {args.threads} threads ({args.worker_class}), {args.warmup} warm-up "
        f"requests; requests per run: {args.requests} at c=1, {args.requests * 2} at c=8 and 16; "
        f"{args.repeat} repeat(s), figures are the median (range) of the repeats; public (anonymous) searches, limit 5",
        "",
        "| points | measure | concurrency | p50 ms | p95 ms | requests/s | load (1 min) "
        "| CPU ms per request: gunicorn / PostgreSQL (bench database) / load generator |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["kind"] != "payload":
            groups.setdefault((r["size"], r["kind"], r["c"]), []).append(r)
    summary: dict[tuple, dict] = {}
    for (size, kind, c), runs in groups.items():
        cpu = ""
        if "cpu" in runs[0]:
            cpu = " / ".join(f"{_median([r['cpu'][k] for r in runs]):.2f}" for k in ("gunicorn", "postgres", "client"))
        lines.append(
            f"| {size:,} | {kind} | {c} | {_spread([r['p50'] for r in runs], 2)} | "
            f"{_spread([r['p95'] for r in runs], 2)} | {_spread([r['rps'] for r in runs], 0)} | "
            f"{_spread([r['load'] for r in runs], 1)} | {cpu} |"
        )
        summary[(size, kind, c)] = {k: _median([r[k] for r in runs]) for k in ("p50", "p95", "rps")}
    lines.append("")
    at = {(kind, c): v for (size, kind, c), v in summary.items() if size == big}
    health = at.get(("health", 16))
    lines.append(f"targets at {big:,} points (medians of the repeats):")
    for kind in ("places", "by name", "by coordinates"):
        one, many = at[(kind, 1)], at[(kind, 16)]
        baseline = f"; baseline /healthz {health['rps']:.0f}/s at c=16" if health else ""
        p95_ok = _verdict(one["p95"] <= TARGET_P95_MS)
        lines.append(
            f"  {kind}: p95 at c=1 {one['p95']:.2f} ms (≤ {TARGET_P95_MS:.0f}: {p95_ok}); "
            f"{at[(kind, 8)]['rps']:.0f}/s at c=8; {many['rps']:.0f}/s at c=16 "
            f"(≥ {TARGET_RPS:.0f}: {_verdict(many['rps'] >= TARGET_RPS)}){baseline}"
        )
    for concurrency in CONCURRENCIES:
        coords, name = at[("by coordinates", concurrency)], at[("by name", concurrency)]
        worst = max(name["p50"] / coords["p50"], name["p95"] / coords["p95"], coords["rps"] / name["rps"])
        lines.append(
            f"  by name / by coordinates, c={concurrency}: p50 {name['p50'] / coords['p50']:.2f}, "
            f"p95 {name['p95'] / coords['p95']:.2f}, requests/s (inverse) {coords['rps'] / name['rps']:.2f} "
            f"(≤ {TARGET_NAME_RATIO}: {_verdict(worst <= TARGET_NAME_RATIO)})"
        )
    payloads = {r["size"]: (r["bytes"], r["wire"]) for r in rows if r["kind"] == "payload"}
    lines.append("result payload, limit=5: " + ", ".join(
        f"{size:,} points: {b:,} bytes ({w:,} compressed)" for size, (b, w) in payloads.items()
    ))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--requests", type=int, default=1500, help="requests per run at c=1 (×2 at c=8, 16)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker-class", default="gthread", help="gunicorn worker class (gthread, sync)")
    parser.add_argument("--warmup", type=int, default=2000, help="HTTP requests before measuring (not counted)")
    parser.add_argument("--repeat", type=int, default=2, help="HTTP measurements repeated, for their spread")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--source-url", default=os.environ.get("BENCH_SOURCE_URL", DEFAULT_SOURCE))
    parser.add_argument("--reset", action="store_true", help="start from a new, empty bench database")
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--load-only", action="store_true", help="load the largest size, measure nothing")
    args = parser.parse_args()
    args.load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    sizes = sorted(int(s) for s in args.sizes.split(","))

    if args.reset:
        reset(args.database_url)
    ensure_database(args.database_url)
    copy_reference(args.database_url, args.source_url)
    seed(args.database_url)
    if args.load_only:
        load_points(args.database_url, sizes[-1])
        return
    rows: list[dict] = []
    for size in sizes:
        log(f"{size:,} points")
        load_points(args.database_url, size)
        rows += measure(args.database_url, size, args)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    print(table(rows, args))


if __name__ == "__main__":
    main()
