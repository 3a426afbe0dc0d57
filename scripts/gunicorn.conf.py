"""gunicorn settings shared by ``make run``, the Docker image and the benchmarks.

Workers are recycled so the memory one grew returns to the system (``webmap.config.
gunicorn_settings``; docs/reference.md, "Limits"): ``max_requests`` with jitter, and a worker whose
resident memory is above ``WEBMAP_WORKER_MAX_RSS_MB`` after a request is replaced at once
(gracefully: it finishes its other requests first). Workers, threads, address and port stay on
the command line.
"""

import os

from webmap.config import gunicorn_settings

_settings = gunicorn_settings()
max_requests = _settings["max_requests"]
max_requests_jitter = _settings["max_requests_jitter"]
_max_rss = _settings["worker_max_rss_mb"] * 1024 * 1024
_page = os.sysconf("SC_PAGE_SIZE")


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _page


def post_request(worker, req, environ, resp):
    if _max_rss and worker.alive and _rss() > _max_rss:
        worker.log.info("worker %s above %d MB after %s: recycled", worker.pid, _max_rss >> 20, req.path)
        worker.alive = False
