"""The feed documents: Atom 1.0 (RFC 4287, written by ``feedgen``) and JSON, from changes in words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from feedgen.feed import FeedGenerator

from .changes import FeedChange
from .words import field_lines, title

# The date of an empty feed (Atom requires one): fixed, so an empty feed never changes.
EMPTY_FEED_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class FeedInfo:
    id: str  # the feed's permanent identifier (an IRI)
    title: str
    subtitle: str
    lang: str
    self_url: str  # this document
    alternate_url: str  # the directory pages it follows
    entry_url: Callable[[FeedChange], str]  # the page of a change's structure


def atom(info: FeedInfo, changes: list[FeedChange], names: dict) -> bytes:
    feed = FeedGenerator()
    feed.id(info.id)
    feed.title(info.title)
    feed.subtitle(info.subtitle)
    feed.language(info.lang)
    feed.author({"name": "webmap"})  # the directory itself: editors are never named
    feed.link(href=info.self_url, rel="self", type="application/atom+xml")
    feed.link(href=info.alternate_url, rel="alternate", type="text/html")
    feed.generator("webmap")
    feed.updated(max((c.date for c in changes), default=EMPTY_FEED_DATE))
    for change in changes:  # newest first, as given
        entry = feed.add_entry(order="append")
        entry.id(f"urn:uuid:{change.id}")
        entry.title(title(change))
        entry.updated(change.date)
        entry.link(href=info.entry_url(change), rel="alternate", type="text/html")
        entry.category(term=change.category)
        lines = [line for _field, line in field_lines(change, names)]
        entry.content("\n".join(lines), type="text")
    return feed.atom_str(pretty=True)


def json_document(info: FeedInfo, changes: list[FeedChange], names: dict, next_url: str | None) -> dict:
    items = []
    for change in changes:
        lines = [line for _field, line in field_lines(change, names)]
        items.append({
            "id": f"urn:uuid:{change.id}",
            "date": change.date.isoformat(),
            "action": change.action,
            "title": title(change),
            "service": {"id": str(change.service_id), "name": change.service_name, "category": change.category,
                        "url": info.entry_url(change)},
            # HSDS metadata names; the values as stored (webmap.history.codec), and in words.
            "fields": [
                {
                    "field_name": f.name,
                    "resource_type": change.resources.get(f.entry_id, "").partition(":")[0],
                    "previous_value": f.previous,
                    "replacement_value": f.replacement,
                    "text": line,
                }
                for f, line in zip(change.fields, lines, strict=True)
            ],
        })
    return {
        "id": info.id,
        "title": info.title,
        "language": info.lang,
        "updated": max((c.date for c in changes), default=EMPTY_FEED_DATE).isoformat(),
        "changes": items,
        "next": next_url,
    }
