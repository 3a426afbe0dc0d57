"""HTTP errors are pages of the site, in French by default; the API keeps answering JSON."""

from __future__ import annotations

import html

import pytest

from .factories import sign_in


def _page(response) -> str:
    text = html.unescape(response.get_data(as_text=True))
    assert response.mimetype == "text/html"
    assert 'class="wm-header"' in text and 'class="wm-brand"' in text  # the site's layout
    return text


def test_404_is_a_french_page_with_the_layout(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    text = _page(response)
    assert '<html lang="fr">' in text and "Page introuvable" in text and 'data-status="404"' in text
    assert "Not Found" not in text


def test_404_in_english_on_request(client):
    text = _page(client.get("/nulle-part?lang=en"))
    assert "Page not found" in text and "Page introuvable" not in text


def test_the_api_keeps_json_errors(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404 and response.get_json()["error"] == "not found"


def test_405_is_a_page_that_keeps_allow(client):
    response = client.post("/referral")
    assert response.status_code == 405
    assert "Action impossible" in _page(response)
    assert "GET" in response.headers["Allow"]


def test_403_is_a_french_page(client, make):
    sign_in(client, make.user(role="editor"))
    response = client.get("/auth/users")
    assert response.status_code == 403
    text = _page(response)
    assert "Accès refusé" in text and "Vous n'êtes pas autorisé" in text


def test_500_is_a_french_page_without_a_traceback(app, client, monkeypatch):
    def broken():
        raise RuntimeError("secret detail of the bug")

    monkeypatch.setitem(app.view_functions, "referral.index", broken)
    response = client.get("/referral")
    assert response.status_code == 500
    text = _page(response)
    assert "Erreur interne" in text and "secret detail" not in text and "Traceback" not in text


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_error_page_links_home(client, lang):
    text = _page(client.get(f"/nulle-part?lang={lang}"))
    assert 'href="/"' in text and 'href="/directory/"' in text
