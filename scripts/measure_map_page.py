#!/usr/bin/env python3
"""What the first visit of the map page ``/`` costs a phone: requests and bytes, in Chromium.

    DATABASE_URL=postgresql+psycopg://…/webmap_dev .venv/bin/python scripts/measure_map_page.py
    .venv/bin/python scripts/measure_map_page.py --base-url http://127.0.0.1:5000

Without ``--base-url`` the app is served in a thread on a free loopback port against
``DATABASE_URL`` (a database with the reference data and the seed directory loaded: ``make run``'s
or the test database). Headless Chromium (Debian's, as the browser tests) opens ``/`` with an
empty cache and waits until the map reports it is ready (``window.webmap.ready``); the Chrome
DevTools protocol gives each response's bytes on the wire (headers + compressed body) and decoded
size. Then the page is loaded again in the same context (the browser cache warm) and counted the
same way. Prints one line per request and the totals; no figure is asserted. When the app is served here,
the body bytes of every answer are counted on the server side too (with what a service worker
fetches for itself, which the page's DevTools session does not see).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path  # noqa: E402

SERVED: list[tuple[str, int]] = []  # (path, body bytes) of every answer of the served app


class _Counting:
    """WSGI middleware: the body bytes of every answer (compressed as sent), whoever asked —
    the page, or the service worker keeping the offline shell (which the page's DevTools
    session does not see)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "") + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")
        size = 0
        for chunk in self.app(environ, start_response):
            size += len(chunk)
            yield chunk
        SERVED.append((path, size))


@contextmanager
def served_app(database_url: str):
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from webmap import create_app

    app = create_app({"SECRET_KEY": "measure-only", "DATABASE_URL": database_url})
    server = make_server("127.0.0.1", 0, _Counting(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def measure(page, cdp, url: str) -> list[dict]:
    """Every response of one load of ``url``: URL, type, bytes on the wire, decoded bytes, cached."""
    seen: dict[str, dict] = {}

    def on_response(event):
        response = event["response"]
        seen[event["requestId"]] = {
            "url": response["url"],
            "type": event.get("type", ""),
            "cached": bool(response.get("fromDiskCache") or response.get("fromServiceWorker")
                           or response.get("fromPrefetchCache")),
            "status": response.get("status"),
            "wire": 0,
            "decoded": 0,
        }

    def on_data(event):
        entry = seen.get(event["requestId"])
        if entry is not None:
            entry["decoded"] += event.get("dataLength", 0)

    def on_finished(event):
        entry = seen.get(event["requestId"])
        if entry is not None:
            entry["wire"] = event.get("encodedDataLength", 0)

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.dataReceived", on_data)
    cdp.on("Network.loadingFinished", on_finished)
    page.goto(url)
    page.wait_for_function("() => window.webmap && window.webmap.ready === true", timeout=30_000)
    # The offline package, stored after the map is drawn (when the page has the offline store).
    page.wait_for_function("() => !window.WebmapOffline || window.webmap.offlineInfo !== null", timeout=60_000)
    page.wait_for_load_state("networkidle")
    cdp.remove_listener("Network.responseReceived", on_response)
    cdp.remove_listener("Network.dataReceived", on_data)
    cdp.remove_listener("Network.loadingFinished", on_finished)
    return list(seen.values())


def report(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        path = urlsplit(row["url"]).path + ("?" + urlsplit(row["url"]).query if urlsplit(row["url"]).query else "")
        flag = " (cache)" if row["cached"] or row["wire"] == 0 else ""
        print(f"  {row['status']} {row['type']:<10} {row['wire']:>9,} B wire {row['decoded']:>9,} B decoded  "
              f"{path[:90]}{flag}")
        totals = by_type[row["type"]]
        totals[0] += 1
        totals[1] += row["wire"]
        totals[2] += row["decoded"]
    for kind, (count, wire, decoded) in sorted(by_type.items()):
        print(f"  {kind:<12} {count:>3} requests {wire:>10,} B wire {decoded:>10,} B decoded")
    network = [row for row in rows if not row["cached"] and row["wire"] > 0]
    print(f"  TOTAL        {len(rows):>3} requests ({len(network)} over the network) "
          f"{sum(r['wire'] for r in rows):>10,} B wire {sum(r['decoded'] for r in rows):>10,} B decoded")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="an app already serving (default: serve one on DATABASE_URL)")
    parser.add_argument("--width", type=int, default=375)
    parser.add_argument("--height", type=int, default=740)
    args = parser.parse_args()
    executable = chromium_path()
    if executable is None:
        print("Chromium not found", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    with served_app(os.environ["DATABASE_URL"]) if not args.base_url else _given(args.base_url) as base:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            context = browser.new_context(locale="fr-FR", viewport={"width": args.width, "height": args.height})
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            print(f"{base}/ at {args.width}×{args.height}, Chromium {browser.version}")
            report("first visit (empty cache)", measure(page, cdp, base + "/"))
            page.wait_for_timeout(3000)  # a service worker's install finishes meanwhile
            served_first = list(SERVED)
            report("second visit (same browser)", measure(page, cdp, base + "/"))
            if served_first and not args.base_url:
                page_paths = len(served_first)
                print(f"\nserver side, first visit: {page_paths} answers, {sum(n for _p, n in served_first):,} B "
                      "of bodies (with the service worker's own requests, not in the figures above)")
            browser.close()
    return 0


@contextmanager
def _given(url: str):
    yield url.rstrip("/")


if __name__ == "__main__":
    sys.exit(main())
