"""What a public answer may be cached for, and its ETag (Flask-free).

A public GET answer depends on the URL (path and query), the data version (``data_version``,
bumped by every write a public answer can show: ``webmap.dataversion``), the release of the
code, the language it is written in, the ``Accept`` header (content negotiation: OGC's HTML or
JSON) and, for some, the time (the printed date of a map, "open now" in the nearest search).
The ETag is a digest of all of these but the URL (an ETag is already scoped to its URL): two
requests with the same ETag get the same answer; any write changes it.

``RULES`` says which paths are public cached reads and how long a cache may keep them (the
first prefix that matches wins; ``None`` leaves the path to its view). An endpoint added later
under one of these prefixes (``/api/v1/…``) gets the policy without a change here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from werkzeug.http import parse_etags

DAY = 24 * 3600


@dataclass(frozen=True)
class Policy:
    """``max_age``: seconds any cache may serve the answer without asking; then, for
    ``stale_while_revalidate`` seconds more, it may serve it while it revalidates in the
    background. ``period``: the answer may change with the time every ``period`` seconds (the
    date printed on a map, the UTC day, by default); the ETag changes with it and ``max-age``
    never runs past the end of the period."""

    max_age: int
    stale_while_revalidate: int
    period: int = DAY


API = Policy(max_age=60, stale_while_revalidate=300)
# "Open now" and "opens at 08:00" in the nearest search change with the minute.
NEAREST = Policy(max_age=60, stale_while_revalidate=60, period=60)
# Files (exports, printed maps): larger, dearer, and a few minutes old is fine.
FILES = Policy(max_age=300, stale_while_revalidate=3600)

RULES: tuple[tuple[str, Policy | None], ...] = (
    ("/api/v1/offline", None),  # its own ETag (the package's content digest), revalidated every time
    ("/api/v1/nearest", NEAREST),
    ("/api/v1/", API),
    ("/hsds/", API),
    ("/ogc/", API),
    ("/ogc", API),
    ("/export/", FILES),
    ("/planning/coverage.csv", FILES),
    ("/planning/priorities.json", API),
    ("/planning/service-desert.geojson", API),
)


def code_release(version: str, roots: list[Path]) -> str:
    """The release the answers were made by: the package's version and a digest of the code,
    templates and catalogues under ``roots`` (names, sizes, modification times), so that a
    deployment — or an edit on a developer's machine — never revalidates an answer made by the
    code before it."""
    digest = hashlib.sha256(version.encode())
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".html", ".mo", ".json", ".js", ".css") and "__pycache__" not in path.parts:
                stat = path.stat()
                digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return f"{version}+{digest.hexdigest()[:12]}"


def policy_for(path: str) -> Policy | None:
    """The policy of a GET of ``path``, or None when it is no cached public read."""
    for prefix, policy in RULES:
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            return policy
    return None


def period_index(moment: dt.datetime, period: int) -> int:
    return int(moment.timestamp()) // period


def etag(version: tuple, release: str, locale: str, accept: str, period: int) -> str:
    """The opaque tag (without quotes) of an answer: a digest, so it shows nothing of its parts."""
    text = "\x1f".join(map(str, (*version, release, locale, accept, period)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def matched_tag(if_none_match: str | None, tag: str) -> str | None:
    """The tag of ``If-None-Match`` that names the answer of ``tag`` (weak comparison, as
    RFC 9110 asks for this header), or None. A tag may carry the suffix Flask-Compress adds to
    the answer it compressed (``"…:gzip"``): the same answer, encoded."""
    if not if_none_match:
        return None
    tags = parse_etags(if_none_match)
    if tags.star_tag:
        return tag
    for candidate in tags.as_set(include_weak=True):
        if candidate == tag or candidate.split(":", 1)[0] == tag:
            return candidate
    return None


def cache_control(policy: Policy, moment: dt.datetime) -> str:
    """The ``Cache-Control`` of a public answer at ``moment``."""
    left = policy.period - int(moment.timestamp()) % policy.period
    max_age = min(policy.max_age, left)
    return f"public, max-age={max_age}, stale-while-revalidate={policy.stale_while_revalidate}"


PRIVATE = "private, no-store"
