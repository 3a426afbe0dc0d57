"""Reads that caches can serve (webmap/httpcache, webmap/export/cache.py): ETag, 304,
Cache-Control, invalidation by every kind of write, staff never cached, the printed maps kept on
disk. Real PostGIS with the seed directory; the writes go through the app's own paths."""

from __future__ import annotations

import datetime as dt
import functools
import os
import time

import pytest
from sqlalchemy import text

from webmap.export import service as print_service
from webmap.export.cache import RenderCache
from webmap.httpcache import policy

from .factories import sign_in
from .test_planning_editing import NEW as NEW_CAMPAIGN
from .test_planning_editing import _form as campaign_form

PUBLIC_READS = [
    "/api/v1/services?limit=20",
    "/api/v1/services/clusters?zoom=5",  # not an endpoint yet: a 404 is no cached read (see below)
    "/api/v1/places?q=bouake",
    "/api/v1/admin-areas?level=1",
    "/api/v1/campaigns",
    "/api/v1/risk-zones",
    "/api/v1/coverage?level=region",
    "/api/v1/nearest?place=Korhogo&need=shelter",
    "/hsds/services?per_page=5",
    "/hsds/",
    "/ogc/collections",
    "/ogc",
    "/export/services.csv",
    "/planning/priorities.json",
]


@pytest.mark.parametrize("url", PUBLIC_READS)
def test_a_public_read_carries_an_etag_and_answers_304_to_it(client, url):
    first = client.get(url)
    if first.status_code == 404:
        assert "ETag" not in first.headers  # an unknown path is not a cached read
        return
    assert first.status_code == 200, first.get_data(as_text=True)[:300]
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    control = first.headers["Cache-Control"]
    assert control.startswith("public, max-age=") and "stale-while-revalidate=" in control
    assert "Cookie" in first.headers["Vary"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"].startswith("public")
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data


def test_a_compressed_answer_revalidates_with_its_encoded_tag(client):
    url = "/api/v1/services?limit=200"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["ETag"].endswith(':gzip"')
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["ETag"] == first.headers["ETag"]


def test_the_nearest_search_gets_a_shorter_policy_and_follows_the_minute(app, client, monkeypatch):
    """'Open now' changes with the time: the tag changes with the minute, max-age stays within it."""
    moment = dt.datetime(2026, 3, 2, 9, 30, 10, tzinfo=dt.UTC)
    monkeypatch.setitem(app.config, "WEBMAP_CLOCK", lambda: moment)
    url = "/api/v1/nearest?place=Korhogo&need=shelter"
    first = client.get(url)
    assert first.headers["Cache-Control"] == "public, max-age=50, stale-while-revalidate=60"
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    moment = dt.datetime(2026, 3, 2, 9, 31, 0, tzinfo=dt.UTC)
    monkeypatch.setitem(app.config, "WEBMAP_CLOCK", lambda: moment)
    later = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert later.status_code == 200 and later.headers["ETag"] != first.headers["ETag"]


def test_the_language_of_the_cookie_gives_another_tag(client):
    url = "/api/v1/campaigns"
    french = client.get(url).headers["ETag"]
    client.set_cookie("webmap_lang", "en")
    english = client.get(url, headers={"If-None-Match": french})
    assert english.status_code == 200 and english.headers["ETag"] != french
    assert client.get(url + "?lang=fr", headers={"If-None-Match": french}).status_code == 304


def test_staff_answers_are_private_without_tag_and_never_304(client, make):
    url = "/api/v1/services?limit=20"
    public = client.get(url)
    sign_in(client, make.user(role="referral"))
    staff = client.get(url, headers={"If-None-Match": public.headers["ETag"]})
    assert staff.status_code == 200
    assert "ETag" not in staff.headers
    assert "private" in staff.headers["Cache-Control"] and "no-store" in staff.headers["Cache-Control"]
    assert "public" not in staff.headers["Cache-Control"]
    assert "Cookie" in staff.headers["Vary"]


def test_pages_and_posts_are_no_cached_reads(client):
    assert "ETag" not in client.get("/directory/").headers
    assert "ETag" not in client.get("/healthz").headers


def _stale(client, url) -> tuple[str, object]:
    """(the tag now, a function: the answer to the same URL sent with that tag)."""
    etag = client.get(url).headers["ETag"]
    return etag, lambda: client.get(url, headers={"If-None-Match": etag})


def test_a_directory_write_gives_a_new_tag(client, make):
    etag, again = _stale(client, "/api/v1/services?limit=5000")
    assert again().status_code == 304
    make.service(name="Centre ajouté après la première lecture", lat=7.7, lon=-5.0)
    after = again()
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert "Centre ajouté après la première lecture" in after.get_data(as_text=True)


def test_a_campaign_posted_with_the_form_gives_a_new_tag(app, client, make):
    """The write goes through the editing form of a signed-in editor (another browser)."""
    etag, again = _stale(client, "/api/v1/campaigns")
    assert again().status_code == 304
    own = make.organization("ONG Soleil")
    editor = app.test_client()
    sign_in(editor, make.user(role="editor", organizations=[own]))
    posted = editor.post(NEW_CAMPAIGN, data=campaign_form(editor, own, name="Caravane après lecture"))
    assert posted.status_code == 302, posted.get_data(as_text=True)[:500]
    after = again()
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert "Caravane après lecture" in after.get_data(as_text=True)


@pytest.fixture()
def a_row_in_each_public_table(app, make):
    """A service with opening hours and a language, and a campaign posted with the editing form
    (its area units too): the seed leaves these tables empty."""
    from webmap.models import Language, Schedule

    service = make.service(name="Centre avec horaires", lat=7.7, lon=-5.0)
    make.session.add_all([
        Schedule(service_id=service.id, byday="MO,TU", opens_at=dt.time(8), closes_at=dt.time(17)),
        Language(service_id=service.id, name="dioula", code="dyu"),
    ])
    make.session.flush()
    own = make.organization("ONG Soleil")
    editor = app.test_client()
    sign_in(editor, make.user(role="editor", organizations=[own]))
    assert editor.post(NEW_CAMPAIGN, data=campaign_form(editor, own)).status_code == 302


@pytest.mark.parametrize(
    "table", ["schedule", "language", "admin_area", "reference_dataset", "campaign", "campaign_unit", "risk_zone"],
)
def test_a_committed_write_to_a_public_table_bumps_the_counter(db_session, a_row_in_each_public_table, table):
    """Migration 0016: the bump at commit. SET CONSTRAINTS … IMMEDIATE runs the deferred
    triggers at once (here: those of the rows just made), and then after each statement; the
    once-per-transaction flag is cleared so that the table's own write is seen alone."""
    db_session.execute(text("SET CONSTRAINTS data_version_bump IMMEDIATE"))
    db_session.execute(text("SELECT set_config('webmap.data_version_bumped', 'off', true)"))
    start = db_session.execute(text("SELECT version FROM data_version")).scalar_one()
    deleted = db_session.execute(text(f"DELETE FROM {table} WHERE ctid = (SELECT ctid FROM {table} LIMIT 1)"))
    assert deleted.rowcount == 1
    assert db_session.execute(text("SELECT version FROM data_version")).scalar_one() == start + 1


def test_a_read_leaves_the_counter_as_it_was(db_session, a_row_in_each_public_table):
    db_session.execute(text("SET CONSTRAINTS data_version_bump IMMEDIATE"))
    db_session.execute(text("SELECT set_config('webmap.data_version_bumped', 'off', true)"))
    start = db_session.execute(text("SELECT version FROM data_version")).scalar_one()
    db_session.execute(text("SELECT count(*) FROM campaign_unit, schedule")).scalar_one()
    assert db_session.execute(text("SELECT version FROM data_version")).scalar_one() == start


@pytest.mark.parametrize(
    ("url", "table"),
    [
        ("/api/v1/risk-zones", "risk_zone"),
        ("/api/v1/admin-areas?level=1", "admin_area"),
        ("/hsds/services?per_page=5", "schedule"),
        ("/ogc/collections", "reference_dataset"),
        ("/api/v1/coverage?level=region", "campaign_unit"),
    ],
)
def test_writes_to_the_other_public_tables_give_a_new_tag(client, db_session, a_row_in_each_public_table, url,
                                                          table):
    """Whatever writes (here raw SQL, as an import or a reload of the reference data would)."""
    etag, again = _stale(client, url)
    assert again().status_code == 304
    deleted = db_session.execute(text(f"DELETE FROM {table} WHERE ctid = (SELECT ctid FROM {table} LIMIT 1)"))
    assert deleted.rowcount == 1
    after = again()
    assert after.status_code == 200 and after.headers["ETag"] != etag


# --- the printed maps kept on disk --------------------------------------------------------------


@pytest.fixture()
def render_cache(app, monkeypatch, tmp_path):
    """The disk cache on, in a directory of this test; counts the renderings of each product."""
    monkeypatch.setitem(app.config, "WEBMAP_RENDER_CACHE_DIR", str(tmp_path / "renders"))
    monkeypatch.setitem(app.config, "WEBMAP_RENDER_CACHE_MB", 50)
    drawn = {"atlas_pdf": 0, "map_png": 0, "map_pdf": 0}
    for name in drawn:
        real = getattr(print_service, name)

        @functools.wraps(real)
        def counting(*args, _real=real, _name=name, **kwargs):
            drawn[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(print_service, name, counting)
    return tmp_path / "renders", drawn


def test_the_second_atlas_is_served_from_the_disk_cache(client, render_cache):
    directory, drawn = render_cache
    url = "/export/atlas.pdf?table=0"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["X-Render-Cache"] == "miss"
    assert drawn["atlas_pdf"] == 1
    started = time.perf_counter()
    second = client.get(url + "&download=1")  # the same file, saved instead of shown
    elapsed = time.perf_counter() - started
    assert second.headers["X-Render-Cache"] == "hit"
    assert drawn["atlas_pdf"] == 1  # not drawn again
    assert second.data == first.data and second.data.startswith(b"%PDF")
    assert second.headers["Content-Disposition"].startswith("attachment")
    assert elapsed < 1.0, elapsed  # a read of a file (the target, < 100 ms, is measured in scripts/bench_print.py)
    assert len(list(directory.glob("*.render"))) == 1


def test_a_write_or_other_options_draw_the_map_again(client, make, render_cache):
    _directory, drawn = render_cache
    url = "/export/map.png?width=300"
    assert client.get(url).headers["X-Render-Cache"] == "miss"
    assert client.get(url).headers["X-Render-Cache"] == "hit"
    assert client.get(url + "&lang=en").headers["X-Render-Cache"] == "miss"
    assert drawn["map_png"] == 2
    make.service(name="Nouveau centre sur la carte", lat=7.69, lon=-5.03)
    assert client.get(url).headers["X-Render-Cache"] == "miss"
    assert drawn["map_png"] == 3


def test_staff_prints_are_never_kept(client, make, render_cache):
    directory, drawn = render_cache
    sign_in(client, make.user(role="referral"))
    url = "/export/map.png?width=300"
    for _ in range(2):
        response = client.get(url)
        assert response.headers["X-Render-Cache"] == "miss"
        assert "no-store" in response.headers["Cache-Control"] and "ETag" not in response.headers
    assert drawn["map_png"] == 2
    assert not list(directory.glob("*.render"))


def test_a_printed_map_is_public_for_the_public_and_revalidates(client, render_cache):
    url = "/export/map.png?width=300"
    first = client.get(url)
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert render_cache[1]["map_png"] == 1


def test_the_cache_keeps_within_its_cap_dropping_the_least_recently_used(tmp_path):
    cache = RenderCache(tmp_path, max_bytes=2500)
    for key in ("a", "b"):
        cache.put(key, b"x" * 1000)
    old = time.time() - 100
    os.utime(tmp_path / "a.render", (old, old))
    os.utime(tmp_path / "b.render", (old + 10, old + 10))
    assert cache.get("a") is not None  # used: now the most recent
    cache.put("c", b"y" * 1000)  # 3000 bytes > 2500: the least recently used (b) goes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.render", "c.render"]
    cache.put("big", b"z" * 3000)  # larger than the whole cap: not kept
    assert cache.get("big") is None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".partial-")]


def test_a_cache_of_zero_bytes_keeps_nothing(tmp_path):
    cache = RenderCache(tmp_path / "none", max_bytes=0)
    data, hit = cache.get_or_render("k", lambda: b"drawn")
    assert (data, hit) == (b"drawn", False)
    assert cache.get_or_render("k", lambda: b"again") == (b"again", False)
    assert not (tmp_path / "none").exists()


# --- the policy, Flask-free ---------------------------------------------------------------------


def test_every_public_prefix_has_a_policy_and_a_new_endpoint_gets_it():
    assert policy.policy_for("/api/v1/services/clusters") is policy.API  # an endpoint added later
    assert policy.policy_for("/api/v1/nearest") is policy.NEAREST
    assert policy.policy_for("/api/v1/offline") is None  # its own ETag
    assert policy.policy_for("/ogc") is policy.API and policy.policy_for("/ogc/collections") is policy.API
    assert policy.policy_for("/export/atlas.pdf") is policy.FILES
    assert policy.policy_for("/hsds/services") is policy.API
    assert policy.policy_for("/directory/") is None and policy.policy_for("/print") is None


def test_matching_tags():
    assert policy.matched_tag('"abc"', "abc") == "abc"
    assert policy.matched_tag('W/"abc", "x"', "abc") == "abc"
    assert policy.matched_tag('"abc:br"', "abc") == "abc:br"
    assert policy.matched_tag("*", "abc") == "abc"
    assert policy.matched_tag('"abcd"', "abc") is None
    assert policy.matched_tag(None, "abc") is None


def test_max_age_never_runs_past_the_period():
    noon = dt.datetime(2026, 3, 2, 23, 58, 0, tzinfo=dt.UTC)
    assert policy.cache_control(policy.FILES, noon) == "public, max-age=120, stale-while-revalidate=3600"
    assert policy.cache_control(policy.API, noon) == "public, max-age=60, stale-while-revalidate=300"


# --- several instances: the lookups on a read replica ---------------------------------------------


def test_the_lookups_read_the_replica_url_when_one_is_set(database_url):
    """``WEBMAP_LOOKUP_DATABASE_URL``: the nearest search, the place names and the data version
    of the ETags read there. Here the "replica" is the same database under another application
    name, which the lookup connection reports; the other reads stay on ``DATABASE_URL``."""
    from webmap import create_app
    from webmap.config import from_env
    from webmap.extensions import db

    replica = database_url + ("&" if "?" in database_url else "?") + "application_name=webmap-replica-test"
    assert from_env({"WEBMAP_LOOKUP_DATABASE_URL": "postgresql://r@host/db"})["WEBMAP_LOOKUP_DATABASE_URL"] \
        == "postgresql+psycopg://r@host/db"
    app = create_app({"TESTING": True, "SECRET_KEY": "tests-only", "DATABASE_URL": database_url,
                      "WEBMAP_LOOKUP_DATABASE_URL": replica})
    try:
        with app.app_context():
            name = db.lookup(lambda connection: connection.execute("SHOW application_name").fetchone()[0])
            assert name == "webmap-replica-test"
            assert db.session.execute(text("SHOW application_name")).scalar_one() != "webmap-replica-test"
        client = app.test_client()
        first = client.get("/api/v1/places?q=bouake")
        assert first.status_code == 200 and first.get_json()
        assert client.get("/api/v1/places?q=bouake", headers={"If-None-Match": first.headers["ETag"]}).status_code \
            == 304
    finally:
        with app.app_context():
            db.dispose()
