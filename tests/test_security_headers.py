"""Security headers on every response (pages, API, static files, errors), HSTS behind HTTPS only,
the map's folium script served as a file, and ``Allow`` on every 405."""

from __future__ import annotations

import re

import pytest

from webmap import create_app
from webmap.extensions import db

from .conftest import TEST_CONFIG


def _get(client, url: str, method: str = "GET"):
    with client.open(url, method=method) as response:
        response.get_data()
    return response


def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize(
    ("url", "method", "status"),
    [
        ("/", "GET", 200),
        ("/directory/", "GET", 200),
        ("/api/v1/services?limit=1", "GET", 200),
        ("/static/base.css", "GET", 200),
        ("/static/vendor/leaflet/1.9.3/leaflet.js", "GET", 200),
        ("/export/services.csv?q=zzz-nothing", "GET", 200),
        ("/no-such-page", "GET", 404),
        ("/api/v1/services/not-a-number", "GET", 404),
        ("/api/v1/services", "POST", 405),
    ],
)
def test_every_response_carries_the_security_headers(client, url, method, status):
    response = _get(client, url, method)
    assert response.status_code == status
    policy = _directives(response.headers["Content-Security-Policy"])
    for directive in ("default-src", "script-src", "style-src", "style-src-elem", "connect-src",
                      "font-src", "base-uri", "form-action"):
        assert policy[directive] == ["'self'"], directive
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "https://tile.openstreetmap.org"]  # the optional tile layer
    assert policy["style-src-attr"] == ["'unsafe-inline'"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP by default


def test_hsts_when_the_site_is_served_over_https(monkeypatch, database_url):
    monkeypatch.setenv("WEBMAP_SECURE_COOKIES", "1")
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    try:
        response = _get(app.test_client(), "/static/base.css")
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        with app.app_context():
            db.dispose()


def test_the_map_page_has_no_inline_script_or_style(client):
    html = client.get("/").get_data(as_text=True)
    inline_scripts = [s for s in re.findall(r"<script([^>]*)>", html) if "src=" not in s]
    assert inline_scripts == [' type="application/json" id="webmap-config"']  # data, never run
    assert "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)
    shell = re.search(r'<script src="(/map/shell\.js\?v=[0-9a-f]{12})"></script>', html).group(1)
    response = _get(client, shell)
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert 'webmap.start(map_webmap, "webmap-config")' in response.get_data(as_text=True)
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.immutable
    assert 'id="map_webmap"' in html  # the div the shell script fills
    stale = _get(client, "/map/shell.js?v=000000000000")
    assert stale.status_code == 200 and not stale.cache_control.immutable


def test_no_template_uses_an_inline_handler_or_script():
    from webmap.config import PROJECT_ROOT

    for path in sorted((PROJECT_ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\son[a-z]+=", text), path
        assert "javascript:" not in text, path
        for attributes in re.findall(r"<script([^>]*)>", text):
            assert "src=" in attributes or 'type="application/json"' in attributes, (path, attributes)
        assert "<style" not in text, path


# --- 405 answers carry Allow --------------------------------------------------------------------


def test_405_on_an_api_route_is_json_with_allow(client):
    response = _get(client, "/api/v1/services", "POST")
    assert response.status_code == 405
    assert response.get_json()["error"] == "method not allowed"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD", "OPTIONS"}
    assert "POST" not in response.headers["Allow"]


@pytest.mark.parametrize(("url", "method", "allowed"), [("/", "POST", "GET"), ("/auth/logout", "GET", "POST")])
def test_405_on_a_page_carries_allow(client, url, method, allowed):
    response = _get(client, url, method)
    assert response.status_code == 405
    assert allowed in response.headers["Allow"].replace(" ", "").split(",")
    assert method not in response.headers["Allow"].replace(" ", "").split(",")
