"""What the service worker keeps for offline use, and the version of that set (needs an app).

The shell is the pages ``SHELL_PAGES`` in every language, and every same-origin file those
pages and their stylesheets refer to (the worker reads them at install: a script or font added
to a page is kept without a list to maintain here). Its cache is named after the content
fingerprints (``webmap.assets.fingerprint.digest``) of every file the pages can load — the
app's static files and templates — and the versions of the vendored packages, so any change of
release gives a new cache and the worker deletes the old one.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import version as installed_version
from pathlib import Path

from flask import current_app

from ..assets.fingerprint import digest
from ..assets.packages import PACKAGES, package
from ..config import PROJECT_ROOT

SHELL_PAGES = ("/referral", "/referral/sheet", "/")
SERVICE_WORKER = Path(__file__).resolve().parents[1] / "static" / "offline" / "sw.js"


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def shell_version() -> str:
    """12 hex digits naming this release's shell: fingerprints of static files and templates,
    vendored package versions, the app's version."""
    parts = [installed_version("webmap")]
    static = Path(current_app.static_folder or "")
    templates = PROJECT_ROOT / "templates"
    for root in (static, templates):
        for path in _files(root):
            parts.append(f"{path.relative_to(root)}={digest(path)}")
    for name in sorted(PACKAGES):
        found = package(name)
        parts.append(f"{name}={found.version if found else ''}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def worker_script() -> str:
    """The worker's source: its configuration line, then ``static/offline/sw.js``."""
    import json

    config = {
        "cache": "webmap-shell-" + shell_version(),
        "pages": list(SHELL_PAGES),
        "languages": list(current_app.config["WEBMAP_LANGUAGES"]),
    }
    return f"self.WEBMAP_SHELL = {json.dumps(config)};\n" + SERVICE_WORKER.read_text(encoding="utf-8")
