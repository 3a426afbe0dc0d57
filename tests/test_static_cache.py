"""The app's own static files: versioned URLs cached for a year, never a stale file."""

from __future__ import annotations

import re

from flask import url_for

from webmap.assets.fingerprint import digest
from webmap.config import PROJECT_ROOT

BASE_CSS = PROJECT_ROOT / "webmap" / "static" / "base.css"


def test_static_urls_carry_the_content_version(app):
    with app.test_request_context("/"):
        url = url_for("static", filename="base.css")
    assert url == f"/static/base.css?v={digest(BASE_CSS)}"
    assert re.fullmatch(r"[0-9a-f]{12}", digest(BASE_CSS))


def test_a_current_version_is_cached_for_a_year_others_are_revalidated(app, client):
    with app.test_request_context("/"):
        url = url_for("static", filename="base.css")
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.cache_control.immutable and response.cache_control.public
        assert response.cache_control.max_age == 365 * 24 * 3600
        assert not response.cache_control.no_cache
    for stale in ("/static/base.css", "/static/base.css?v=000000000000"):
        with client.get(stale) as response:
            assert response.status_code == 200
            assert not response.cache_control.immutable, stale
            assert response.cache_control.no_cache, stale


def test_the_version_follows_the_content(tmp_path):
    path = tmp_path / "app.js"
    path.write_text("console.log(1);\n")
    first = digest(path)
    assert digest(path) == first  # stable while unchanged
    path.write_text("console.log(22);\n")
    assert digest(path) != first
    assert digest(tmp_path / "missing.js") is None


def test_pages_link_their_own_files_by_version(client):
    html = client.get("/referral").get_data(as_text=True)
    own = re.findall(r'(?:src|href)="(/static/(?!vendor/)[^"]+)"', html)
    assert own and all(re.search(r"\?v=[0-9a-f]{12}$", url) for url in own), own
