"""Language selection: French by default, English on ``?lang=en`` (remembered in a cookie)."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask.wrappers import Response
from flask_babel import get_locale, pgettext

from .extensions import babel
from .text import elide

LANG_COOKIE = "webmap_lang"


def select_locale() -> str:
    """``?lang=``, then the cookie, then French; outside a request (CLI), the default."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    supported = current_app.config["WEBMAP_LANGUAGES"]
    for candidate in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in supported:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _remember_language(response: Response) -> Response:
    """A page shown with ``?lang=`` keeps that language for the next pages.

    Only HTML pages do: ``lang`` on a file or an image (the printable map in English, its
    preview) is the language of that output, not a choice of the site's language.
    """
    if response.mimetype != "text/html":
        return response
    lang = request.args.get("lang")
    if lang in current_app.config["WEBMAP_LANGUAGES"] and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def _elide_filter(following: str, word: str) -> str:
    return elide(word, following)


def _current_language() -> dict:
    """``current_lang`` for ``base.html`` (the <html lang> and the FR/EN switch)."""
    return {"current_lang": str(get_locale())}


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_remember_language)
    app.context_processor(_current_language)
    app.add_template_filter(of_name, "of_name")  # {{ name|of_name }}: « d'Aya », « de Bouaké »
    app.add_template_filter(_elide_filter, "elide")  # {{ name|elide("de") }}


def of_name(name: str) -> str:
    """« de Bouaké », « d'Aya » in French, "of Aya" in English: a name after the preposition."""
    return elide(pgettext("the preposition before a name", "of"), name)
