"""The directory import in headless Chromium: an editor signs in, finds the import page from the
directory, uploads a CSV made from the published template (one good row, one bad one), reads the
dry-run report in French, cancels; then uploads the corrected file, confirms, and the public finds
the new structures in the directory.

The live server sees committed data only: the fixture commits the editor and their NGO, and
deletes everything the test created (services, locations, phones, imports, history entries,
sign-in attempts) afterwards, whether the test passed or not.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, or_, select
from sqlalchemy.orm import Session

from webmap.auth.service import create_user
from webmap.models import (
    Organization,
    Service,
)
from webmap.models.transfer import ImportBatch, ImportedService

from .conftest import PASSWORD, purge, screenshot, sign_in

pytestmark = pytest.mark.e2e

TEMPLATE = Path(__file__).resolve().parents[2] / "data" / "templates" / "services_template.csv"
EDITOR_EMAIL = "e2e-import@example.org"
NGO = "ONG e2e Import Solidarité"
MARK = "e2e import"  # in every imported name, so a stray record is found and removed too

GOOD = {
    "nom": f"Centre social {MARK} de Bouaké", "categorie": "Centre social",
    "longitude": "-5,0301", "latitude": "7,6898", "ville": "Bouaké",  # decimal commas, as French Excel writes
    "telephones": "07 07 98 76 54", "besoins": "psychosocial, family_tracing",
    "age_minimum": "0", "age_maximum": "17", "sexe": "Filles et garçons",
}
BAD = {
    "nom": f"Foyer {MARK} d'Abengourou", "categorie": "orphelinat",  # not a category of the directory
    "longitude": "-3,4964", "latitude": "6,7297", "ville": "Abengourou", "email": "foyer-e2e@example.org",
}
FIXED = {**BAD, "categorie": "reception_transit"}


def template_csv(path: Path, rows: list[dict]) -> Path:
    """``rows`` under the header of the published template, in its form (UTF-8 with BOM, ``;``)."""
    header = next(csv.reader(io.StringIO(TEMPLATE.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert {"nom", "categorie", "source", "longitude", "latitude", "ville"} <= set(header)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return path


@pytest.fixture()
def editor(database_url):
    engine = create_engine(database_url)
    with Session(engine) as session:
        ngo = Organization(name=NGO, source="tests-e2e")
        session.add(ngo)
        session.flush()
        user = create_user(session, EDITOR_EMAIL, "Mariam Traoré (e2e)", "editor", PASSWORD, [ngo.id])
        session.commit()
        ids = {"ngo": ngo.id, "user": user.id}
    try:
        yield ids
    finally:
        _clean(engine, ids)
        engine.dispose()


def _services(session: Session, ngo_id) -> list:
    return list(session.scalars(select(Service.id).where(
        or_(Service.organization_id == ngo_id, Service.name.contains(MARK)))))


def _clean(engine, ids: dict) -> None:
    with Session(engine) as session:
        services = _services(session, ids["ngo"])
        # The NGO, and any organization an import run astray may have given our services.
        owners = session.scalars(select(Service.organization_id).where(Service.id.in_(services)))
        purge(
            session,
            services=services,
            organizations={ids["ngo"], *owners},
            users=[ids["user"]],
            emails=[EDITOR_EMAIL],
        )
        session.commit()


def _stored(database_url, ids: dict) -> tuple[list[Service], list[ImportBatch]]:
    """What the database holds now: the NGO's services (and any named like ours), the editor's imports."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            services = list(session.scalars(select(Service).where(Service.id.in_(_services(session, ids["ngo"])))
                                            .order_by(Service.name)))
            batches = list(session.scalars(select(ImportBatch).where(ImportBatch.created_by == str(ids["user"]))
                                           .order_by(ImportBatch.created_at)))
            for batch in batches:
                batch.created = session.scalar(select(func.count()).select_from(ImportedService)
                                               .where(ImportedService.batch_id == batch.id))
            session.expunge_all()
            return services, batches
    finally:
        engine.dispose()


def _upload(page, path: Path) -> None:
    """Fill the upload form as a person would and send it; wait for the dry-run report."""
    assert page.locator("h1").inner_text() == "Importer des structures"
    page.get_by_label("Fichier", exact=True).set_input_files(path)
    page.get_by_label("Source des informations", exact=True).fill("Liste des structures partenaires (e2e)")
    organization = page.get_by_label("Organisation", exact=True)
    assert organization.locator("option:checked").inner_text() == NGO  # the editor's only organization
    page.get_by_role("button", name="Vérifier le fichier").click()
    page.wait_for_url(re.compile(r"/directory/import/[0-9a-f-]{36}$"))
    assert page.locator("h1").inner_text() == "Import\u00a0: vérifiez avant de confirmer"


def _counts(page) -> list[str]:
    """The report's summary, as shown: "1 ligne correcte", "0 doublon"..."""
    return page.get_by_label("Bilan", exact=True).locator(".wt-count").all_inner_texts()


def test_editor_imports_a_csv_after_a_dry_run_that_names_the_bad_row(live_server, page, editor, database_url,
                                                                    tmp_path):
    sign_in(page, live_server, EDITOR_EMAIL)
    page.get_by_role("link", name="Importer un fichier").click()
    page.wait_for_url(re.compile(r"/directory/import$"))

    # 1. One good row, one bad one: the dry run names the bad row, in French, and writes nothing.
    _upload(page, template_csv(tmp_path / "structures-partenaires.csv", [GOOD, BAD]))
    assert page.locator(".wt-file").inner_text() == "structures-partenaires.csv — CSV, 2 lignes"
    assert _counts(page) == ["1 ligne correcte", "0 avertissement", "0 doublon", "0 laissée de côté", "1 erreur"]
    bad = page.locator("tr.wt-row-error")
    assert bad.count() == 1
    cells = bad.locator("td").all_inner_texts()
    assert cells[:3] == ["3", "Erreur", BAD["nom"]]  # line 3 of the file (the header is line 1)
    assert cells[5].startswith("Catégorie\u00a0: valeur inconnue «\u00a0orphelinat\u00a0» "
                               "(valeurs acceptées\u00a0: Centre social\u00a0; ")
    assert page.locator("tr.wt-row-ok").count() == 0  # only the rows with remarks, by default
    leave_out = page.get_by_role(
        "button", name="Importer les lignes valides (1) et laisser de côté les lignes en erreur (1)"
    )
    assert leave_out.is_visible()  # leaving the bad row out is offered, never done silently
    screenshot(page, "import-dry-run-error.png")
    services, batches = _stored(database_url, editor)
    assert services == []
    assert [(b.status, b.created) for b in batches] == [("pending", 0)]

    # Cancelled: the pending file is dropped and still nothing is written.
    page.get_by_role("button", name="Annuler").click()
    page.wait_for_url(re.compile(r"/directory/import$"))
    assert page.locator(".wd-flash-info").inner_text() == "Import annulé\u00a0: rien n'a été écrit."
    services, batches = _stored(database_url, editor)
    assert services == []
    assert [(b.status, b.content) for b in batches] == [("cancelled", None)]

    # 2. The corrected file: no remark; confirmed, both structures are written, "to be verified".
    _upload(page, template_csv(tmp_path / "structures-partenaires-corrige.csv", [GOOD, FIXED]))
    assert _counts(page) == ["2 lignes correctes", "0 avertissement", "0 doublon", "0 laissée de côté", "0 erreur"]
    assert page.locator("tbody").last.inner_text() == "Aucune remarque\u00a0: toutes les lignes peuvent être importées."
    with page.expect_navigation():  # back to the same address, now the import's result
        page.get_by_role("button", name="Importer 2 structures").click()
    assert page.locator(".wd-flash-success").inner_text() == (
        "2 structures importées, toutes marquées «\u00a0à vérifier\u00a0».")
    assert "2 structures importées." in page.locator(".wt-done").inner_text()
    assert page.locator("table.wt-rows tbody tr").all_inner_texts() == [
        f"2\t{GOOD['nom']}", f"3\t{FIXED['nom']}",
    ]
    screenshot(page, "import-done.png")
    services, batches = _stored(database_url, editor)
    assert [s.name for s in services] == sorted([GOOD["nom"], FIXED["nom"]])
    assert {s.organization_id for s in services} == {editor["ngo"]}
    assert {s.verification for s in services} == {"to_verify"}
    assert [(b.status, b.created) for b in batches] == [("cancelled", 0), ("committed", 2)]

    # The editor opens one from the report: its page shows what the file said, and where it came from.
    page.get_by_role("link", name=GOOD["nom"]).click()
    page.wait_for_url(re.compile(r"/directory/services/[0-9a-f-]{36}$"))
    assert page.locator("h1").inner_text() == GOOD["nom"]
    assert page.locator('dd[data-field="town"]').inner_text() == "Bouaké"
    assert page.locator('dd[data-field="phones"]').inner_text() == "+225 07 07 98 76 54"
    assert "Jamais vérifié" in page.locator(".wd-freshness").inner_text()
    assert "import: structures-partenaires-corrige.csv" in page.locator(".wd-history").inner_text()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))  # the map itself, after sign-out

    # 3. The public finds both in the directory list.
    page.goto(live_server + "/directory/")
    page.get_by_label("Rechercher (nom, organisation, ville)", exact=True).fill(MARK)
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(r"q=e2e"))
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    listed = "\n".join(rows.all_inner_texts())
    assert GOOD["nom"] in listed and FIXED["nom"] in listed
    assert [url for url in page.requests if not url.startswith(live_server + "/")] == []
