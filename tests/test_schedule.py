"""Opening hours and languages (HSDS ``schedule`` and ``language``): the text people type, "open
now" at fixed clock times, the filters of the referral search, the form, the import, the exports."""

from __future__ import annotations

import datetime as dt
import html
import io
import zipfile

import pytest
from sqlalchemy import func, select

from webmap.directory.hours import Opening, format_hours, is_open, parse_hours, status
from webmap.directory.languages import parse_languages
from webmap.directory.query import ServiceFilter
from webmap.directory.records import ServiceInput, save_service
from webmap.directory.schedules import stored_languages, stored_openings
from webmap.directory.validation import InvalidValue
from webmap.models import AuditEntry, Language, Schedule, Service
from webmap.referral.nearest import Criteria, find_nearest
from webmap.referral.origin import Origin
from webmap.transfer.hsds import build_tables, export_hsds, read_package, validate_package
from webmap.transfer.importer import import_file
from webmap.transfer.rows import ImportOptions

from .factories import csrf_token, sign_in

UTC = dt.UTC
MONDAY = dt.date(2026, 12, 7)  # a Monday
WEEKDAYS = "lun-ven 08:00-17:00; sam 08:00-12:00"
# Far from the seed's structures (none of which has recorded hours or languages anyway).
BOUNA = (-3.0, 9.27)


def at(day_offset: int, hour: int, minute: int = 0, tz: dt.tzinfo = UTC) -> dt.datetime:
    """The moment ``day_offset`` days after Monday 7 December 2026 at ``hour:minute`` (``tz``)."""
    return dt.datetime.combine(MONDAY + dt.timedelta(days=day_offset), dt.time(hour, minute), tzinfo=tz)


@pytest.fixture()
def fr(app):
    with app.test_request_context("/"):
        yield


@pytest.fixture()
def clock(app, monkeypatch):
    """The app's clock, frozen: ``clock.set(moment)``."""

    class Frozen:
        moment = at(0, 10)

        def set(self, moment: dt.datetime) -> None:
            self.moment = moment

    frozen = Frozen()
    monkeypatch.setitem(app.config, "WEBMAP_CLOCK", lambda: frozen.moment)
    return frozen


# --- the text -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), [
    (WEEKDAYS, WEEKDAYS),
    ("24h/24", "24h/24"),
    ("24h/24 7j/7", "24h/24"),
    ("tous les jours 24h/24", "24h/24"),
    ("lun, mer 09:00-12:00 14:00-17:00", "lun, mer 09:00-12:00 14:00-17:00"),
    ("Lundi au vendredi 8h-17h", "lun-ven 08:00-17:00"),
    ("lun-vendredi 8h30-12h", "lun-ven 08:30-12:00"),
    ("LUN.-VEN. 08:00 - 17:00 ; Sam. 08:00-12:00", WEEKDAYS),
    ("mon-fri 9:00-17:00", "lun-ven 09:00-17:00"),
    ("du lundi au vendredi de 8h à 16h30", "lun-ven 08:00-16:30"),
    ("sam-dim 24h/24", "sam, dim 24h/24"),
    ("lun-ven 20:00-06:00", "lun-ven 20:00-06:00"),
    ("ven-lun 10:00-14:00", "lun, ven-dim 10:00-14:00"),
    ("tous les jours 07:30-19:00", "lun-dim 07:30-19:00"),
    ("7j/7 08:00-20:00", "lun-dim 08:00-20:00"),
    ("lun 18:00-24:00", "lun 18:00-24:00"),
    ("mar et jeu 08:00-12:00\nsam 09:00-11:00", "mar, jeu 08:00-12:00; sam 09:00-11:00"),
    ("", ""),
])
def test_hours_are_read_and_written_back_in_the_same_syntax(fr, typed, stored):
    assert format_hours(parse_hours(typed)) == stored
    assert parse_hours(format_hours(parse_hours(typed))) == parse_hours(typed)


@pytest.mark.parametrize(("typed", "message"), [
    ("lun-vendredy 08:00-17:00",
     "horaires\u00a0: «\u00a0lun-vendredy\u00a0» n'est pas un jour reconnu (jours\u00a0: lun, mar, mer"),
    ("lundy 08:00-12:00", "horaires\u00a0: «\u00a0lundy\u00a0» n'est pas un jour reconnu"),
    ("08:00-17:00", "horaires\u00a0: «\u00a008:00-17:00\u00a0»\u00a0: indiquez les jours avant les heures"),
    ("lun-ven", "horaires\u00a0: «\u00a0lun-ven\u00a0»\u00a0: heures attendues, par exemple 08:00-17:00"),
    ("lun-ven 25:00-26:00", "horaires\u00a0: «\u00a025:00-26:00\u00a0» n'est pas une heure valable"),
    ("lun-ven 08:61-17:00", "horaires\u00a0: «\u00a008:61-17:00\u00a0» n'est pas une heure valable"),
    ("lun-ven 08:00-08:00", "horaires\u00a0: «\u00a008:00-08:00\u00a0» ouvre et ferme à la même heure"),
    ("lun-ven 08:00-17:00 sauf jours fériés", "heures attendues"),
    ("lun-ven 8-", "heures attendues"),
    ("le matin", "heures attendues"),
])
def test_bad_hours_get_a_clear_french_message(fr, typed, message):
    with pytest.raises(InvalidValue) as caught:
        parse_hours(typed)
    assert message in str(caught.value)


def test_languages_by_code_or_name_stored_by_french_name(fr):
    found = parse_languages("Français, DIOULA; bci / Senoufo et english, fra")
    assert [(language.name, language.code) for language in found] == [
        ("français", "fra"), ("dioula", "dyu"), ("baoulé", "bci"), ("sénoufo", None), ("anglais", "eng")]
    assert [language.code for language in parse_languages("bété de Gagnoa, cebaara")] == ["btg", "sef"]
    with pytest.raises(InvalidValue) as caught:
        parse_languages("français, klingon")
    assert "langues\u00a0: «\u00a0klingon\u00a0» n'est pas une langue connue" in str(caught.value)


# --- open now? ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("moment", "code", "label"), [
    (at(0, 7, 59), "closed", "Fermé — ouvre lundi à 08:00"),
    (at(0, 8, 0), "open", "Ouvert maintenant — ferme à 17:00"),
    (at(0, 16, 59), "open", "Ouvert maintenant — ferme à 17:00"),
    (at(0, 17, 0), "closed", "Fermé — ouvre mardi à 08:00"),
    (at(5, 11, 0), "open", "Ouvert maintenant — ferme à 12:00"),
    (at(5, 12, 30), "closed", "Fermé — ouvre lundi à 08:00"),
    (at(6, 10, 0), "closed", "Fermé — ouvre lundi à 08:00"),
    # 09:30 in Paris (UTC+1) is 08:30 in Abidjan
    (at(0, 9, 30, tz=dt.timezone(dt.timedelta(hours=1))), "open", "Ouvert maintenant — ferme à 17:00"),
])
def test_status_at_fixed_clock_times(fr, moment, code, label):
    state = status(parse_hours(WEEKDAYS), moment)
    assert (state.code, state.label) == (code, label)


def test_overnight_ranges_close_the_next_morning(fr):
    nights = parse_hours("lun-ven 20:00-06:00")
    assert status(nights, at(0, 21)).label == "Ouvert maintenant — ferme mardi à 06:00"
    assert status(nights, at(1, 5, 59)).code == "open"  # Monday night, Tuesday morning
    assert status(nights, at(5, 5)).code == "open"  # Friday night
    assert status(nights, at(0, 5)).label == "Fermé — ouvre lundi à 20:00"  # Sunday night: closed
    assert status(nights, at(5, 7)).label == "Fermé — ouvre lundi à 20:00"


def test_always_open_unknown_hours_and_ranges_that_follow_each_other(fr):
    assert status(parse_hours("24h/24"), at(3, 3)).label == "Ouvert 24h/24"
    assert status([], at(3, 3)) is None  # never a guess
    split = parse_hours("lun 08:00-12:00 12:00-17:00")
    assert status(split, at(0, 9)).label == "Ouvert maintenant — ferme à 17:00"


def test_hours_in_english_on_request(app):
    with app.test_request_context("/?lang=en", headers={"Accept-Language": "en"}):
        from flask_babel import force_locale

        with force_locale("en"):
            assert status(parse_hours(WEEKDAYS), at(5, 12, 30)).label == "Closed — opens Monday at 08:00"


# --- the search filters -----------------------------------------------------------------------------


def _saved(session, name: str, hours: str, languages: str = "", lon: float = BOUNA[0]) -> Service:
    return save_service(session, ServiceInput(
        name=name, category="social_centre", organization_name="ONG Horaires", source="tests", lon=lon,
        lat=BOUNA[1], hours=hours, languages=languages))


@pytest.fixture()
def timetabled(db_session):
    return {
        "office": _saved(db_session, "Bureau horaires de bureau", WEEKDAYS, "français, dioula"),
        "night": _saved(db_session, "Permanence de nuit", "lun-ven 20:00-06:00", "baoulé", lon=-3.01),
        "always": _saved(db_session, "Écoute 24h/24", "24h/24", "sénoufo cebaara, français", lon=-3.02),
        "unknown": _saved(db_session, "Structure sans horaires", "", "", lon=-3.03),
    }


def test_the_sql_open_now_filter_agrees_with_the_status_at_every_hour_of_a_week(db_session, timetabled):
    origin = Origin(kind="point", lat=BOUNA[1], lon=BOUNA[0])
    openings = {key: stored_openings(db_session, service.id) for key, service in timetabled.items()}
    mine = {service.id: key for key, service in timetabled.items()}
    for hour in range(0, 7 * 24, 1):
        for minute in (0, 59):
            moment = at(0, 0) + dt.timedelta(hours=hour, minutes=minute)
            found = find_nearest(db_session, origin, Criteria(open_now=True, limit=50, moment=moment))
            keys = {mine[uuid] for r in found.results if (uuid := _uuid(r["id"])) in mine}
            assert keys == {key for key, o in openings.items() if is_open(o, moment)}, moment


def _uuid(value: str):
    import uuid

    return uuid.UUID(value)


def _nearest(client, **params) -> dict:
    query = {"lat": BOUNA[1], "lon": BOUNA[0], "limit": 50, **params}
    response = client.get("/api/v1/nearest", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _names(answer: dict) -> set[str]:
    return {r["name"] for r in answer["results"]}


def test_api_open_now_at_the_app_clock(client, timetabled, clock):
    clock.set(at(0, 7, 59))  # Monday 07:59: the night service has no Sunday night
    assert _names(_nearest(client, open_now=1)) == {"Écoute 24h/24"}
    nothing = _nearest(client, open_now=1, language="baoulé")
    assert nothing["results"] == [] and "sans «\u00a0Ouvert maintenant\u00a0»" in nothing["hint"]["message"]
    clock.set(at(0, 8))
    answer = _nearest(client, open_now=1)
    assert _names(answer) == {"Écoute 24h/24", "Bureau horaires de bureau"}
    assert answer["criteria"]["open_now"] is True and answer["criteria"]["at"] == "2026-12-07T08:00:00+00:00"
    clock.set(at(1, 5))  # Tuesday 05:00: Monday night's service still open
    assert _names(_nearest(client, open_now="true")) == {"Écoute 24h/24", "Permanence de nuit"}
    clock.set(at(5, 12, 30))
    everything = {r["name"]: r for r in _nearest(client)["results"]}
    office = everything["Bureau horaires de bureau"]["hours"]
    assert office["status"]["code"] == "closed" and office["status"]["label"] == "Fermé — ouvre lundi à 08:00"
    assert office["status"]["opens_at"] == "2026-12-14T08:00:00+00:00"
    assert office["text"] == WEEKDAYS
    assert office["words"] == "lundi au vendredi\u00a0: 08:00–17:00\u00a0; samedi\u00a0: 08:00–12:00"
    unknown = everything["Structure sans horaires"]
    assert unknown["hours"]["status"] is None and unknown["hours"]["words"] == "Horaires non renseignés"
    assert unknown["languages"] == []
    assert everything["Écoute 24h/24"]["hours"]["status"]["label"] == "Ouvert 24h/24"
    assert everything["Écoute 24h/24"]["languages"] == [
        {"name": "sénoufo cebaara", "code": "sef"}, {"name": "français", "code": "fra"}]


@pytest.mark.parametrize(("language", "expected"), [
    ("dyu", {"Bureau horaires de bureau"}),
    ("Dioula", {"Bureau horaires de bureau"}),
    ("fra", {"Bureau horaires de bureau", "Écoute 24h/24"}),
    ("baoulé", {"Permanence de nuit"}),
    ("sénoufo", {"Écoute 24h/24"}),  # the group finds its languages
    ("sef", {"Écoute 24h/24"}),
    ("anglais", set()),
])
def test_api_language_filter(client, timetabled, language, expected):
    answer = _nearest(client, language=language)
    assert _names(answer) == expected
    if not expected:
        assert "sans la langue" in answer["hint"]["message"]


def test_both_filters_together_and_bad_values(client, timetabled, clock):
    clock.set(at(0, 10))
    assert _names(_nearest(client, open_now=1, language="fra")) == {"Bureau horaires de bureau", "Écoute 24h/24"}
    bad = client.get("/api/v1/nearest", query_string={"lat": BOUNA[1], "lon": BOUNA[0], "language": "klingon"})
    assert bad.status_code == 400 and bad.get_json()["detail"]["parameter"] == "language"
    bad = client.get("/api/v1/nearest", query_string={"lat": BOUNA[1], "lon": BOUNA[0], "open_now": "peut-être"})
    assert bad.status_code == 400 and bad.get_json()["detail"]["parameter"] == "open_now"


def test_referral_page_sheet_and_detail_show_hours_and_languages(client, timetabled, clock):
    clock.set(at(5, 12, 30))
    page = html.unescape(client.get("/referral", query_string={
        "coords": f"{BOUNA[1]}, {BOUNA[0]}", "limit": 20, "open_now": "1", "language": "fra"}).get_data(as_text=True))
    assert "Ouvert 24h/24" in page and "Langues\u00a0: sénoufo cebaara, français" in page
    assert "Permanence de nuit" not in page  # closed and not in French
    assert 'name="open_now" value="1" id="rf-open-now" checked' in page
    assert '<option value="français" selected>' in page
    sheet = html.unescape(client.get("/referral/sheet", query_string={
        "coords": f"{BOUNA[1]}, {BOUNA[0]}", "language": "dioula"}).get_data(as_text=True))
    assert "Fermé — ouvre lundi à 08:00" in sheet and "lundi au vendredi\u00a0: 08:00–17:00" in sheet
    sheet = html.unescape(client.get("/referral/sheet", query_string={
        "coords": f"{BOUNA[1]}, {BOUNA[0]}", "open_now": "1"}).get_data(as_text=True))
    assert "le samedi 12 décembre 2026, 12:30 (heure d'Abidjan)" in sheet and "Écoute 24h/24" in sheet
    assert "Bureau horaires de bureau" not in sheet
    detail = html.unescape(client.get(f"/directory/services/{timetabled['office'].id}").get_data(as_text=True))
    assert "Fermé — ouvre lundi à 08:00" in detail and "français, dioula" in detail
    unknown = html.unescape(client.get(f"/directory/services/{timetabled['unknown'].id}").get_data(as_text=True))
    assert "Horaires non renseignés" in unknown and "Ouvert" not in unknown


# --- the form -------------------------------------------------------------------------------------------


@pytest.fixture()
def editor(make):
    org = make.organization("ONG Horaires du formulaire")
    return make.user(role="editor", organizations=[org])


def _form(org, **overrides) -> dict:
    data = {
        "name": "Centre aux horaires", "category": "ngo", "organization_id": str(org.id), "status": "active",
        "source": "Appel téléphonique, décembre 2026", "lat": "7.69", "lon": "-5.03", "precision": "exact",
        "hours": "Lundi au vendredi 8h-17h ; sam. 8h-12h", "languages": "Français, baoule",
    }
    data.update(overrides)
    return data


def test_form_round_trip_and_history(client, db_session, editor):
    org = editor.organizations[0]
    sign_in(client, editor)
    response = client.post("/directory/services/new", data={**_form(org), "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    service = db_session.scalars(select(Service).where(Service.name == "Centre aux horaires")).one()
    assert format_hours(stored_openings(db_session, service.id)) == WEEKDAYS
    assert stored_languages(db_session, service.id) == ["français", "baoulé"]
    form = html.unescape(client.get(f"/directory/services/{service.id}/edit").get_data(as_text=True))
    assert f"\n{WEEKDAYS}</textarea>" in form  # shown back in the same syntax
    assert 'value="français, baoulé"' in form
    # Change one range and a language: the history records it under the service.
    response = client.post(f"/directory/services/{service.id}/edit", data={
        **_form(org, hours="lun-ven 08:00-17:00", languages="dioula, français"), "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert format_hours(stored_openings(db_session, service.id)) == "lun-ven 08:00-17:00"
    assert stored_languages(db_session, service.id) == ["dioula", "français"]
    entries = db_session.scalars(select(AuditEntry).where(AuditEntry.parent_id == str(service.id))).all()
    kinds = {(e.resource_type, e.last_action_type) for e in entries}
    assert {("schedule", "create"), ("schedule", "delete"), ("language", "create"), ("language", "delete")} <= kinds
    page = html.unescape(client.get(f"/directory/services/{service.id}").get_data(as_text=True))
    assert "Horaires" in page


def test_bad_hours_in_the_form_are_explained_and_nothing_is_written(client, db_session, editor):
    sign_in(client, editor)
    before = db_session.scalar(select(func.count()).select_from(Schedule))
    response = client.post("/directory/services/new", data={
        **_form(editor.organizations[0], hours="lun-vendredy 08:00-17:00", languages="klingon"),
        "csrf_token": csrf_token(client)})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code in (200, 422)
    assert "horaires\u00a0: «\u00a0lun-vendredy\u00a0» n'est pas un jour reconnu" in page
    assert "langues\u00a0: «\u00a0klingon\u00a0» n'est pas une langue connue" in page
    assert db_session.scalar(select(func.count()).select_from(Schedule)) == before
    named = select(func.count()).select_from(Service).where(Service.name == "Centre aux horaires")
    assert db_session.scalar(named) == 0


# --- the import ---------------------------------------------------------------------------------------------


HEADER = "nom,categorie,organisation,source,longitude,latitude,horaires,langues"


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def test_import_reads_horaires_and_langues(db_session, fr):
    data = _csv(
        '"Centre importé A",ngo,ONG Import Horaires,Test,-5.03,7.69,"lun-ven 08:00-17:00; sam 08:00-12:00",'
        '"français, dioula"',
        # Far apart: names this close within 2 km would be flagged as duplicates of each other.
        '"Centre importé B",ngo,ONG Import Horaires,Test,-5.34,7.69,24h/24,bci',
        '"Centre importé C",ngo,ONG Import Horaires,Test,-5.65,7.69,,',
    )
    report = import_file(db_session, data, "horaires.csv", ImportOptions(), dry_run=False)
    assert report.committed, [(r.number, r.messages) for r in report.rows]
    by_name = {s.name: s for s in db_session.scalars(select(Service).where(Service.name.like("Centre importé%")))}
    assert format_hours(stored_openings(db_session, by_name["Centre importé A"].id)) == WEEKDAYS
    assert stored_languages(db_session, by_name["Centre importé A"].id) == ["français", "dioula"]
    assert format_hours(stored_openings(db_session, by_name["Centre importé B"].id)) == "24h/24"
    assert stored_languages(db_session, by_name["Centre importé B"].id) == ["baoulé"]
    assert stored_openings(db_session, by_name["Centre importé C"].id) == []


def test_a_bad_horaires_row_blocks_the_whole_import(db_session, fr):
    services = db_session.scalar(select(func.count()).select_from(Service))
    data = _csv(
        '"Centre importé D",ngo,ONG Import Horaires,Test,-5.03,7.69,"lun-ven 08:00-17:00",français',
        '"Centre importé E",ngo,ONG Import Horaires,Test,-5.34,7.69,"lun-vendredy 08:00-17:00",français',
        '"Centre importé F",ngo,ONG Import Horaires,Test,-5.65,7.69,"lun 09:00-12:00","français, klingon"',
    )
    report = import_file(db_session, data, "horaires.csv", ImportOptions(), dry_run=False)
    assert not report.committed
    assert [r.number for r in report.errors] == [3, 4]
    assert report.errors[0].messages[-1] == (
        "Horaires\u00a0: «\u00a0lun-vendredy\u00a0» n'est pas un jour reconnu "
        "(jours\u00a0: lun, mar, mer, jeu, ven, sam, dim).")
    assert report.errors[1].messages[-1].startswith("Langues\u00a0: «\u00a0klingon\u00a0» n'est pas une langue connue")
    assert db_session.scalar(select(func.count()).select_from(Service)) == services
    assert db_session.scalar(select(func.count()).select_from(Language)
                             .join(Service).where(Service.name.like("Centre importé%"))) == 0


# --- the HSDS package ---------------------------------------------------------------------------------------


def test_hsds_schedules_and_languages_csv(db_session, fr, timetabled):
    export = export_hsds(db_session, ServiceFilter(q="horaires de bureau"))
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        schedules_csv = archive.read("schedules.csv").decode("utf-8").splitlines()
        languages_csv = archive.read("languages.csv").decode("utf-8").splitlines()
    assert schedules_csv[0] == "id,service_id,location_id,description,opens_at,closes_at,byday,freq,timezone"
    assert languages_csv[0] == "id,service_id,name,code,note"
    tables = read_package(export.content)
    office = str(timetabled["office"].id)
    rows = sorted((r["byday"], r["opens_at"], r["closes_at"], r["freq"], r["timezone"], r["service_id"])
                  for r in tables["schedule"])
    assert rows == [("MO,TU,WE,TH,FR", "08:00:00", "17:00:00", "WEEKLY", 0, office),
                    ("SA", "08:00:00", "12:00:00", "WEEKLY", 0, office)]
    assert {r["description"] for r in tables["schedule"]} == {
        "lundi au vendredi\u00a0: 08:00–17:00", "samedi\u00a0: 08:00–12:00"}
    assert [(r["name"], r.get("code"), r["service_id"]) for r in tables["language"]] == [
        ("français", "fra", office), ("dioula", "dyu", office)]
    assert validate_package(export.content) == []


def test_hsds_group_language_has_no_code_and_the_package_validates(db_session, fr, timetabled):
    _saved(db_session, "Centre sénoufo horaires", "lun 08:00-12:00", "sénoufo, bété")
    tables = build_tables(db_session, ServiceFilter(q="horaires"))
    names = {(r["name"], r["code"]) for r in tables["language"]}
    assert {("sénoufo", None), ("bété", None), ("sénoufo cebaara", "sef")} <= names
    metadata_types = {r["resource_type"] for r in tables["metadata"]}
    assert {"schedule", "language"} <= metadata_types
    export = export_hsds(db_session, ServiceFilter(q="horaires"))
    assert validate_package(export.content) == []


def test_opening_dataclass_duration():
    assert Opening((0,), dt.time(20), dt.time(6)).seconds == 10 * 3600
    assert Opening((0,), dt.time(0), dt.time(0)).seconds == 24 * 3600
