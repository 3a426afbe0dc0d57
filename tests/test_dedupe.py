"""Duplicates (import and form), merging two records, and the friendlier import: synonyms,
every fault of a row in one pass, the template's example row and values, the left-out rows."""

from __future__ import annotations

import csv
import io
import re

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from webmap.directory.records import ServiceInput, save_service
from webmap.models import AuditEntry, Location, Place, Service, ServiceAtLocation
from webmap.models.transfer import ImportBatch
from webmap.text import fold
from webmap.transfer.importer import import_file
from webmap.transfer.rows import ImportOptions

from .factories import csrf_token, sign_in

BOUAKE = (-5.0301, 7.6898)
KORHOGO = (-5.6293, 9.4580)
MAN = (-7.5538, 7.4125)
KM_LON = 1 / 110.5  # one kilometre of longitude near 7° N, in degrees


@pytest.fixture()
def fr(app):
    with app.test_request_context("/"):
        yield


def _csv(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def _record(session, name: str, lon: float, lat: float, **fields) -> Service:
    """A record written through the directory's one write path (areas and town filled in)."""
    data = ServiceInput(name=name, category=fields.pop("category", "ngo"), organization_name="ONG Doublons",
                        source="Test", lon=lon, lat=lat, **fields)
    return save_service(session, data)


def _town(session, name: str) -> Place:
    return session.scalars(select(Place).where(Place.name_key == fold(name))
                           .order_by(Place.population.desc().nulls_last())).first()


# --- duplicates through the import ------------------------------------------------------------


def test_acceptance_the_daloa_chpm_again_2_4_km_from_its_town_is_a_duplicate(db_session, fr):
    daloa = to_shape(_town(db_session, "Daloa").geom)
    seeded = db_session.scalar(select(Service).where(Service.name_key == fold(
        "Centre d'hébergement pour mineurs (CHPM) de Daloa")))
    assert seeded is not None  # the seed directory
    lon = daloa.x + 2.4 * KM_LON
    data = _csv("nom,categorie,source,longitude,latitude,ville,confidentiel",
                [f"Centre d'hébergement pour mineurs (CHPM) de Daloa,CHPM,Liste 2026,{lon},{daloa.y},Daloa,oui"])
    report = import_file(db_session, data, "chpm.csv", ImportOptions(organization="MFFE"))
    row = report.rows[0]
    assert row.status == "duplicate", row.messages
    assert re.match(r"Doublon probable de «\u00a0Centre d'hébergement pour mineurs \(CHPM\) de Daloa\u00a0», déjà dans "
                    r"l'annuaire\u00a0: même nom, même ville ou sous-préfecture \(Daloa\), à 2,4 km\.", row.messages[0])
    assert [d.service_id for d in row.duplicates] == [seeded.id]
    assert not report.to_write


def test_import_duplicate_rules(db_session, fr):
    _record(db_session, "Centre Social de Bouaké-Test", *BOUAKE, phones=["+225 07 55 44 33 22"])
    _record(db_session, "Commissariat du 10e arrondissement de Korhogo", *KORHOGO, category="police")
    header = "nom,categorie,organisation,source,longitude,latitude,telephones,doublon_confirme"
    far_same_town = (BOUAKE[0] + 3 * KM_LON, BOUAKE[1])  # 3 km, still Bouaké
    data = _csv(header, [
        f"centre social de bouake test,ngo,O,T,{far_same_town[0]},{far_same_town[1]},,",  # 1 same name, same town
        f"Autre nom,ngo,O,T,{MAN[0]},{MAN[1]},07 55 44 33 22,",  # 2 same phone, far away
        # 3 similar, near; 4 another number
        f"Commissariat 10e arrondissement Korhogo,police,O,T,{KORHOGO[0] + 0.5 * KM_LON},{KORHOGO[1]},,",
        f"Commissariat du 11e arrondissement de Korhogo,police,O,T,{KORHOGO[0] + KM_LON},{KORHOGO[1]},,",
        f"Commissariat 10e arrondissement Korhogo,police,O,T,{MAN[0]},{MAN[1] + 0.01},,",  # 5 similar but far
        f"Centre Social de Bouaké Test,ngo,O,T,{BOUAKE[0]},{BOUAKE[1] + 0.001},,oui",  # 6 confirmed second record
        "Nouvelle structure de Man,ngo,O,T,-7.5538,7.4125,05 01 01 01 01,",  # 7
        "Nouvelle structure de Man,ngo,O,T,-7.5338,7.4125,,",  # 8 repeats row 7 (same name, same town)
    ])
    report = import_file(db_session, data, "d.csv", ImportOptions())
    statuses = [row.status for row in report.rows]
    assert statuses == ["duplicate", "duplicate", "duplicate", "warning", "warning", "warning", "ok", "duplicate"], \
        [(r.number, r.messages) for r in report.rows]
    first, phone, similar, _other, _far, confirmed, _new, repeat = report.rows
    assert "même nom, même ville ou sous-préfecture (Bouaké), à 3 km" in first.messages[0]
    assert "même numéro de téléphone (+225 07 55 44 33 22)" in phone.messages[0]
    assert re.search(r"nom très proche, à 49\d m", similar.messages[0])
    assert "Importée quand même" in confirmed.messages[-1] and confirmed.duplicates
    assert "la ligne 8 du fichier" in repeat.messages[0]
    assert "écrivez «\u00a0oui\u00a0» dans une colonne «\u00a0Doublon confirmé\u00a0»" in first.messages[0]


def test_a_row_in_error_is_told_about_its_duplicate_in_the_same_pass(db_session, fr):
    _record(db_session, "Centre d'écoute Gamma", *BOUAKE)
    data = _csv("nom,categorie,source,longitude,latitude,telephones",
                [f"Centre d'écoute Gamma,boulangerie,T,{BOUAKE[0]},{BOUAKE[1]},12"])
    row = import_file(db_session, data, "e.csv", ImportOptions(organization="O")).rows[0]
    assert row.status == "error"
    text = " ".join(row.messages)
    assert "valeur inconnue «\u00a0boulangerie\u00a0»" in text and "Numéros de téléphone\u00a0: 12" in text
    assert "Doublon probable de «\u00a0Centre d'écoute Gamma\u00a0»" in text


# --- duplicates through the form --------------------------------------------------------------


def test_the_form_flags_a_duplicate_and_accepts_a_confirmed_second_record(client, db_session, make):
    organization = make.organization("ONG Formulaire")
    existing = _record(db_session, "Centre d'écoute Delta", *BOUAKE, phones=["07 11 22 33 44"])
    editor = make.user(role="editor", organizations=[organization])
    sign_in(client, editor)
    form = {"csrf_token": csrf_token(client, "/directory/services/new"), "name": "Autre centre",
            "category": "helpline", "organization_id": str(organization.id), "status": "active",
            "source": "Visite", "lat": str(KORHOGO[1]), "lon": str(KORHOGO[0]), "precision": "exact",
            "phones": "+225 0711223344"}
    response = client.post("/directory/services/new", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Doublon possible" in page and f"/directory/services/{existing.id}" in page
    assert "même numéro de téléphone (+225 07 11 22 33 44)" in page
    assert db_session.scalar(select(func.count()).select_from(Service).where(Service.name == "Autre centre")) == 0
    response = client.post("/directory/services/new", data={**form, "confirm_distinct": "y"})
    assert response.status_code == 302
    assert db_session.scalar(select(func.count()).select_from(Service).where(Service.name == "Autre centre")) == 1


def test_the_form_far_similar_name_in_another_town_is_not_a_duplicate(client, db_session, make):
    organization = make.organization("ONG Formulaire 2")
    _record(db_session, "Centre d'écoute Epsilon", *BOUAKE)
    sign_in(client, make.user(role="editor", organizations=[organization]))
    response = client.post("/directory/services/new", data={
        "csrf_token": csrf_token(client, "/directory/services/new"), "name": "Centre d'écoute Epsilon",
        "category": "helpline", "organization_id": str(organization.id), "status": "active",
        "source": "Visite", "lat": str(KORHOGO[1]), "lon": str(KORHOGO[0]), "precision": "exact"})
    assert response.status_code == 302, response.get_data(as_text=True)


# --- merge --------------------------------------------------------------------------------------


def _merge(client, keep, drop, **choices):
    data = {"csrf_token": csrf_token(client, f"/directory/merge?keep={keep.id}&drop={drop.id}"),
            "keep": str(keep.id), "drop": str(drop.id)}
    data.update({f"choice:{k}": v for k, v in choices.items()})
    return client.post("/directory/merge", data=data)


def test_merge_keeps_both_histories_and_redirects_the_old_record(client, db_session, make):
    keep = _record(db_session, "Centre social Zêta", *BOUAKE, phones=["07 01 01 01 01"])
    drop = _record(db_session, "Centre social Zeta (doublon)", BOUAKE[0] + 0.002, BOUAKE[1],
                   phones=["05 02 02 02 02"], email="zeta@example.org")
    drop_location = db_session.scalar(select(ServiceAtLocation.location_id).where(
        ServiceAtLocation.service_id == drop.id))
    admin = make.user(role="admin")
    sign_in(client, admin)
    page = client.get(f"/directory/merge?keep={keep.id}&drop={drop.id}").get_data(as_text=True)
    assert "zeta@example.org" in page and 'name="choice:phones" value="both"' in page
    response = _merge(client, keep, drop, email="drop", phones="both")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/directory/services/{keep.id}")
    db_session.expire_all()
    assert keep.email == "zeta@example.org" and keep.name == "Centre social Zêta"
    assert sorted(p.number for p in keep.phones) == ["+225 05 02 02 02 02", "+225 07 01 01 01 01"]
    assert drop.merged_into == keep.id and drop.status == "inactive"
    assert db_session.get(Location, drop_location) is not None  # kept, unlinked
    # the old record: its page and the API answer 301 to the remaining record
    response = client.get(f"/directory/services/{drop.id}")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/directory/services/{keep.id}")
    response = client.get(f"/api/v1/services/{drop.id}")
    assert response.status_code == 301 and response.get_json()["merged_into"] == str(keep.id)
    assert response.headers["Location"].endswith(f"/api/v1/services/{keep.id}")
    response = client.get(f"/hsds/services/{drop.id}")
    assert response.status_code == 301 and response.get_json()["merged_into"] == str(keep.id)
    assert response.headers["Location"].endswith(f"/hsds/services/{keep.id}")
    assert client.get(response.headers["Location"]).get_json()["id"] == str(keep.id)
    # both histories: the merge on the remaining record, the old record's own story below it
    page = client.get(f"/directory/services/{keep.id}").get_data(as_text=True)
    assert "Fusionnée" in page and "Fusion\u00a0: «\u00a0Centre social Zeta (doublon)\u00a0»" in page
    assert "Historique de la fiche «\u00a0Centre social Zeta (doublon)\u00a0», fusionnée dans celle-ci" in page
    merge_entries = db_session.scalars(select(AuditEntry).where(AuditEntry.last_action_type == "merge")).all()
    assert {(e.resource_id, e.field_name) for e in merge_entries} >= {
        (str(drop.id), "merged_into"), (str(keep.id), "email")}
    # gone from the lists, the search and the exports
    for url in ("/api/v1/services?q=zeta", "/directory/?q=zeta", "/export/services.csv?q=zeta"):
        text = client.get(url).get_data(as_text=True)
        assert "(doublon)" not in text and "Zêta" in text, url


def test_merge_is_all_or_nothing_and_keeps_a_confidential_place_at_its_named_town(client, db_session, make):
    keep = _record(db_session, "Refuge Êta", *BOUAKE)
    drop = _record(db_session, "Refuge Eta", BOUAKE[0] + 0.01, BOUAKE[1] + 0.01, category="chpm",
                   confidential=True, town="Bouaké", address="Derrière le marché")
    sign_in(client, make.user(role="admin"))
    response = _merge(client, keep, drop, place="drop", category="drop")
    assert response.status_code == 302
    db_session.expire_all()
    location = db_session.scalar(
        select(Location).join(ServiceAtLocation).where(ServiceAtLocation.service_id == keep.id))
    assert location.confidential and location.place_id == _town(db_session, "Bouaké").id
    feature = client.get(f"/api/v1/services/{keep.id}").get_json()  # signed in: staff
    assert feature["properties"]["confidential"] is True
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    public = client.get(f"/api/v1/services/{keep.id}").get_json()
    assert public["properties"]["masked"] and public["properties"]["address"] is None
    # a refused merge writes nothing: too many phone numbers once joined
    sign_in(client, make.user(role="admin"))
    many = _record(db_session, "Ligne Thêta", *MAN, phones=[f"07 00 00 00 {i:02d}" for i in range(6)])
    other = _record(db_session, "Ligne Theta", *MAN, phones=[f"05 00 00 00 {i:02d}" for i in range(6)])
    before = db_session.scalar(select(func.count()).select_from(AuditEntry))
    response = _merge(client, many, other, phones="both")
    assert response.status_code == 422 and "10 numéros" in response.get_data(as_text=True)
    db_session.expire_all()
    assert other.merged_into is None and db_session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_only_admins_merge(client, db_session, make):
    keep = _record(db_session, "Structure Iota", *BOUAKE)
    _record(db_session, "Structure Iota bis", *BOUAKE)
    sign_in(client, make.user(role="editor"))
    assert client.get(f"/directory/merge?keep={keep.id}").status_code == 403


# --- the friendlier import ------------------------------------------------------------------


def test_french_labels_and_usual_words(db_session, fr):
    header = "nom,categorie,source,ville,besoins,sexe,statut,precision"
    data = _csv(header, [
        "ONG Kappa de Man,ONG,T,Man,Hébergement; Soutien psychosocial,Filles,Actif,Ville",
        "Centre social Kappa de Korhogo,Centre social,T,Korhogo,hebergement,Garçons,fonctionnel,ville",
        "Commissariat Kappa de Bouaké,Police,T,Bouaké,Signalement,Tous,Prévu,commune",
    ])
    report = import_file(db_session, data, "fr.csv", ImportOptions(organization="O"))
    assert [r.status for r in report.rows] == ["warning"] * 3, [r.messages for r in report.rows]
    values = [(r.data.category, r.data.needs, r.data.sexes, r.data.status) for r in report.rows]
    assert values == [("ngo", ["shelter", "psychosocial"], "female", "active"),
                      ("social_centre", ["shelter"], "male", "active"),
                      ("police", ["reporting"], "all", "planned")]


def test_cli_dry_run_with_ong_and_centre_social(app, db_session, tmp_path):
    from webmap.cli import main as cli_main

    path = tmp_path / "ong.csv"
    path.write_bytes(_csv("nom,categorie,organisation,source,ville", [
        "ONG Lambda de Man,ONG,ONG Lambda,Test CLI,Man",
        "Centre social Lambda de Korhogo,Centre social,MFFE,Test CLI,Korhogo"]))
    result = app.test_cli_runner().invoke(cli_main, ["import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "essai\u00a0: 2 service(s) seraient créés" in result.output


def test_every_fault_of_a_row_in_one_pass_and_french_labels_listed(db_session, fr):
    header = "nom,categorie,source,longitude,latitude,telephones,sexe,statut,age_minimum,email"
    data = _csv(header, [
        f"Structure Mu,orphelinat privé,T,{BOUAKE[0]},{BOUAKE[1]},12345,Adultes,ouverte?,douze,pas-un-mail"])
    row = import_file(db_session, data, "f.csv", ImportOptions(organization="O")).rows[0]
    assert row.status == "error"
    fields = [m.split("\u00a0:")[0] for m in row.messages]
    assert set(fields) >= {"Catégorie", "Enfants accueillis", "Statut", "Âge minimum", "Numéros de téléphone",
                           "E-mail"}, row.messages
    category = next(m for m in row.messages if m.startswith("Catégorie"))
    assert "Centre social\u00a0; Centre d'accueil et de transit" in category and "social_centre" not in category


def test_template_has_an_example_row_never_imported_and_a_values_file(client, db_session, make, fr):
    sign_in(client, make.user(role="editor", organizations=[make.organization("ONG Modèle")]))
    template = client.get("/directory/import/template.csv")
    assert template.status_code == 200
    rows = list(csv.reader(io.StringIO(template.get_data().decode("utf-8-sig")), delimiter=";"))
    assert rows[1][0].startswith("EXEMPLE — ")
    report = import_file(db_session, template.get_data(), "modele.csv", ImportOptions())
    assert [r.status for r in report.rows] == ["skipped"]
    assert report.rows[0].messages == ["Ligne d'exemple du modèle\u00a0: non importée."]
    # the example, once its name is real, passes the dry run
    filled = template.get_data().decode("utf-8-sig").replace("EXEMPLE — Centre social", "Centre social", 1)
    report = import_file(db_session, filled.encode(), "modele.csv", ImportOptions())
    assert [r.status for r in report.rows] == ["warning"], report.rows[0].messages
    values = client.get("/directory/import/values.csv")
    assert values.status_code == 200
    table = list(csv.reader(io.StringIO(values.get_data().decode("utf-8-sig")), delimiter=";"))
    assert table[0] == ["colonne", "champ", "valeur à écrire", "code", "autres mots acceptés"]
    assert ["categorie", "Catégorie", "ONG / organisation de la société civile", "ngo"] == table[
        [r[3] for r in table].index("ngo")][:4]
    assert any(r[0] == "sexe" and "Tous" in r[4] for r in table)


def test_partial_import_lists_the_rows_left_out_as_a_csv_to_reimport(client, db_session, make):
    organization = make.organization("ONG Reste")
    sign_in(client, make.user(role="editor", organizations=[organization]))
    header = "nom,categorie,source,longitude,latitude"
    data = _csv(header, [
        f"Structure Nu,ngo,T,{BOUAKE[0]},{BOUAKE[1]}",
        f"Structure Xi,boulangerie,T,{KORHOGO[0]},{KORHOGO[1]}",
        "Structure Omicron,ngo,T,2.35,48.85",
    ])
    token = csrf_token(client, "/directory/import")
    response = client.post("/directory/import", data={"csrf_token": token, "file": (io.BytesIO(data), "l.csv"),
                                                      "organization_id": str(organization.id)},
                           content_type="multipart/form-data")
    preview = response.headers["Location"]
    assert client.post(preview + "/commit", data={"csrf_token": token}).status_code == 302
    # all or nothing by default
    assert db_session.scalar(select(ImportBatch.status).where(ImportBatch.filename == "l.csv")) == "pending"
    assert client.post(preview + "/commit", data={"csrf_token": token, "skip_invalid": "1"}).status_code == 302
    page = client.get(preview).get_data(as_text=True)
    assert "2 lignes laissées de côté" in page and "Lignes du fichier\u00a0: 3, 4." in page
    left = client.get(preview + "/left-out.csv")
    assert left.status_code == 200 and left.headers["Cache-Control"].startswith("private")
    rows = list(csv.reader(io.StringIO(left.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["nom", "categorie", "source", "longitude", "latitude", "ligne_du_fichier", "a_corriger"]
    assert [r[0] for r in rows[1:]] == ["Structure Xi", "Structure Omicron"] and rows[1][5] == "3"
    assert "boulangerie" in rows[1][6]
    # fixed and imported again
    fixed = left.get_data().decode("utf-8-sig").replace("boulangerie", "ONG").replace("2.35,48.85", "-5.6,9.45")
    with client.application.test_request_context("/"):
        report = import_file(db_session, fixed.encode(), "fixed.csv", ImportOptions(organization_id=organization.id))
    assert [r.status for r in report.rows] == ["warning", "warning"], [r.messages for r in report.rows]
    assert all(r.messages == ["Ni téléphone ni e-mail\u00a0: contacts à vérifier."] for r in report.rows)


def test_the_synonym_table_is_unambiguous(app):
    from flask_babel import force_locale

    from webmap.synonyms import SYNONYMS, VOCABULARIES, words_for

    with app.test_request_context("/"):
        for vocabulary, values in VOCABULARIES.items():
            meanings: dict[str, set[str]] = {}
            for code, label in values.items():
                meanings.setdefault(fold(code), set()).add(code)
                for lang in ("fr", "en"):
                    with force_locale(lang):
                        meanings.setdefault(fold(str(label)), set()).add(code)
            for code, words in words_for(vocabulary).items():
                assert code in values, (vocabulary, code)
                for word in words:
                    meanings.setdefault(fold(word), set()).add(code)
            ambiguous = {word: codes for word, codes in meanings.items() if len(codes) > 1}
            assert not ambiguous, (vocabulary, ambiguous)
    assert all(group.why for group in SYNONYMS)
