#!/usr/bin/env python3
"""Benchmark of the offline field mode's weight: the package of /api/v1/offline and the whole
offline download (the service worker's shell + the package), at 500, 5,000 and 50,000 services.

    .venv/bin/python scripts/bench_offline.py
    .venv/bin/python scripts/bench_offline.py --sizes 500,5000 --source-url postgresql://…/webmap_test

Everything happens in a database of its own, ``webmap_bench_offline`` (``--database-url``),
created and migrated if needed; it gets the reference geodata (country, regions, gazetteer) from
``--source-url`` and N synthetic services labelled as demonstration data, made by the loader of
``scripts/bench_nearest.py`` (same categories, needs, ages, sexes, statuses, phones, 2 %
confidential). Its points are snapped to 5 decimals (1 m), as coordinates are typed or read off
a phone's GPS; the package keeps every digit the database holds.

Measured through the app itself (Flask's test client, no network): the package as sent with
``Accept-Encoding`` br, gzip and identity; the shell as the worker stores it (the pages
/referral, /referral/sheet and / in French and English, and every same-origin file they and
their stylesheets load, each compressed as the app sends it to a browser); the baseline is the
same run with 0 services (gazetteer, boundaries and phrases only). Targets: package ≤ 600 KB on
the wire at 5,000 services, shell + package ≤ 1.5 MB. Also printed: the time of the first
request (the package built and compressed) and of a 304 (the data signature read).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_spec = importlib.util.spec_from_file_location("bench_nearest", ROOT / "scripts" / "bench_nearest.py")
bench_nearest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_nearest)

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/webmap_bench_offline"
TARGET_PACKAGE = 600_000
TARGET_TOTAL = 1_500_000
HTML_REFS = re.compile(r"<(?:script|link|img)\b[^>]*?\s(?:src|href)=\"([^\"]+)\"")
CSS_REFS = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def snap(url: str) -> None:
    with psycopg.connect(bench_nearest.libpq(url), autocommit=True) as conn:
        conn.execute("UPDATE location SET geom = ST_SnapToGrid(geom, 0.00001) WHERE source = %s "
                     "AND geom IS DISTINCT FROM ST_SnapToGrid(geom, 0.00001)", (bench_nearest.DEMO,))


def package_sizes(client) -> dict[str, float]:
    started = time.perf_counter()
    first = client.get("/api/v1/offline", headers={"Accept-Encoding": "br"})
    sizes: dict[str, float] = {"build_s": time.perf_counter() - started}
    assert first.status_code == 200, first.status_code
    for encoding in ("br", "gzip", "identity"):
        response = client.get("/api/v1/offline", headers={"Accept-Encoding": encoding})
        assert response.status_code == 200, response.status_code
        assert response.headers.get("Content-Encoding", "identity") == encoding
        sizes[encoding] = len(response.get_data())
    etag = client.get("/api/v1/offline").headers["ETag"]
    started = time.perf_counter()
    not_modified = client.get("/api/v1/offline", headers={"If-None-Match": etag})
    sizes["304_ms"] = (time.perf_counter() - started) * 1000
    assert not_modified.status_code == 304
    sizes["304"] = len(not_modified.get_data()) + sum(len(k) + len(v) + 4 for k, v in not_modified.headers.items())
    return sizes


def shell_size(client, app) -> tuple[int, int]:
    """(bytes on the wire, files) of what the service worker stores, as it finds it."""
    from webmap.offline.shell import SHELL_PAGES

    seen: dict[str, int] = {}

    def store(url: str) -> None:
        if url in seen:
            return
        response = client.get(url, headers={"Accept-Encoding": "br, gzip, deflate"})
        assert response.status_code == 200, (url, response.status_code)
        seen[url] = len(response.get_data())
        kind = response.mimetype or ""
        if kind in ("text/html", "text/css"):
            text = response.get_data(as_text=True) if "Content-Encoding" not in response.headers else \
                client.get(url, headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
            pattern = CSS_REFS if kind == "text/css" else HTML_REFS
            for raw in pattern.findall(text):
                raw = raw.replace("&amp;", "&")
                if raw.startswith(("data:", "mailto:", "tel:", "geo:")):
                    continue
                target = urlsplit(urljoin("http://localhost" + url, raw))
                if target.netloc != "localhost" or target.path.startswith("/api/") or target.path in SHELL_PAGES:
                    continue
                store(target.path + ("?" + target.query if target.query else ""))

    with app.app_context():
        languages = app.config["WEBMAP_LANGUAGES"]
    for page in SHELL_PAGES:
        for lang in languages:
            store(f"{page}?lang={lang}")
    store("/sw.js")
    return sum(seen.values()), len(seen)


def measure(url: str, size: int) -> dict:
    from webmap import create_app

    app = create_app({"DATABASE_URL": bench_nearest.sqlalchemy_url(url), "SECRET_KEY": "bench-offline"})
    client = app.test_client()
    package = package_sizes(client)
    shell, files = shell_size(client, app)
    with app.app_context():
        from webmap.extensions import db

        db.dispose()
    return {"services": size, **package, "shell": shell, "files": files}


def kb(value: int) -> str:
    return f"{value / 1000:,.0f} KB"


def table(rows: list[dict]) -> str:
    head = ("services", "package br", "gzip", "uncompressed", "304", "shell (files)", "shell + package",
            "first build", "304 answered in", "targets")
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for row in rows:
        total = row["shell"] + row["br"]
        if row["services"] == 5000:
            verdict = ("OK" if row["br"] <= TARGET_PACKAGE else "OVER") + " ≤ 600 KB, " + \
                ("OK" if total <= TARGET_TOTAL else "OVER") + " ≤ 1.5 MB"
        elif row["services"] == 0:
            verdict = "baseline"
        else:
            verdict = ""
        lines.append(" | ".join((
            f"{row['services']:,}", kb(row["br"]), kb(row["gzip"]), kb(row["identity"]), f"{row['304']:.0f} B",
            f"{kb(row['shell'])} ({row['files']})", kb(total), f"{row['build_s']:.1f} s", f"{row['304_ms']:.0f} ms",
            verdict,
        )))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="500,5000,50000")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--source-url", default=os.environ.get("BENCH_SOURCE_URL", bench_nearest.DEFAULT_SOURCE))
    parser.add_argument("--reset", action="store_true", help="start from a new, empty bench database")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    if args.reset:
        bench_nearest.reset(args.database_url)
    bench_nearest.ensure_database(args.database_url)
    bench_nearest.copy_reference(args.database_url, args.source_url)
    with psycopg.connect(bench_nearest.libpq(args.database_url)) as conn:
        have = bench_nearest.demo_count(conn)
    if have > sizes[0]:
        bench_nearest.reset(args.database_url)
        bench_nearest.ensure_database(args.database_url)
        bench_nearest.copy_reference(args.database_url, args.source_url)
    rows = []
    log("0 services (baseline)")
    rows.append(measure(args.database_url, 0))
    for size in sizes:
        log(f"{size:,} services")
        bench_nearest.load_points(args.database_url, size)
        snap(args.database_url)
        rows.append(measure(args.database_url, size))
    print(table(rows))


if __name__ == "__main__":
    main()
