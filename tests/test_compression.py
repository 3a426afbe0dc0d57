"""Responses compressed for slow connections (Flask-Compress), as a browser asks for them.

Scripts, styles, JSON and GeoJSON are compressed — static files as they stream — and decompress to
exactly what an uncompressed request gets; HTML pages never are (they carry CSRF tokens next to
text taken from the query string: the BREACH attack); small responses and clients that ask for
nothing get the plain bytes.
"""

from __future__ import annotations

import gzip
import json
import zlib

import brotli
import pytest

LEAFLET = "/static/vendor/leaflet/1.9.3/leaflet.js"


def _plain(client, url: str):
    """The uncompressed response (closed: a static file's is streamed from an open file)."""
    with client.get(url) as response:
        assert response.status_code == 200 and "Content-Encoding" not in response.headers
        response.get_data()
        return response


def _decode(body: bytes, encoding: str | None) -> bytes:
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    assert encoding is None, encoding
    return body


@pytest.mark.parametrize(
    ("url", "accept", "expected"),
    [
        (LEAFLET, "br, gzip, deflate", "br"),  # a static file, compressed as it streams
        (LEAFLET, "deflate", "deflate"),
        ("/static/base.css", "br", "br"),
        ("/api/v1/admin-areas?level=1&simplify=0.01", "gzip", "gzip"),
        ("/api/v1/admin-areas?level=1&simplify=0.01", "br, gzip", "br"),
        ("/api/v1/nearest?place=Soubré&need=shelter&limit=20", "gzip", "gzip"),
    ],
)
def test_compressed_when_asked_and_identical_once_decompressed(client, url, accept, expected):
    plain = _plain(client, url)
    with client.get(url, headers={"Accept-Encoding": accept}) as response:
        assert response.status_code == 200
        assert response.headers.get("Content-Encoding") == expected
        assert "Accept-Encoding" in response.headers.get("Vary", "")
        body = response.data
    assert len(body) < len(plain.data) / 2
    assert _decode(body, expected) == plain.data


def test_json_results_decompress_to_the_same_answer(client):
    url = "/api/v1/nearest?place=Korhogo&need=reintegration"
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.data)) == _plain(client, url).get_json()


@pytest.mark.parametrize("url", ["/referral?place=odienne&need=shelter", "/directory/?q=<script>", "/auth/login"])
def test_html_pages_are_never_compressed(client, url):
    response = client.get(url, headers={"Accept-Encoding": "br, gzip, deflate"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "Content-Encoding" not in response.headers


def test_small_responses_and_plain_clients_get_plain_bytes(client):
    small = client.get("/healthz", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in small.headers and small.get_json()["status"] == "ok"
    with client.get(LEAFLET, headers={"Accept-Encoding": "identity"}) as response:
        assert "Content-Encoding" not in response.headers
        assert response.data.startswith(b"/*")
