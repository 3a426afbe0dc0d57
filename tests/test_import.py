"""Imports: good files of every format, bad files refused with a clear message, all-or-nothing
commits, duplicates, the OpenStreetMap candidates, the CLI and the upload pages."""

from __future__ import annotations

import io
import json
import random
import re
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point, Polygon
from sqlalchemy import func, select

from webmap.cli import main as cli_main
from webmap.models import Location, Organization, Phone, Service, ServiceAtLocation
from webmap.models.transfer import ImportBatch, ImportedService
from webmap.transfer.importer import commit_import, import_file, plan_import
from webmap.transfer.limits import ImportRejected, Limits
from webmap.transfer.readers import read_upload
from webmap.transfer.rows import ImportOptions

from .factories import sign_in

# Towns of Côte d'Ivoire (lon, lat), far from the seed's structures' names.
BOUAKE = (-5.0301, 7.6898)
KORHOGO = (-5.6293, 9.4580)
DALOA = (-6.4503, 6.8774)
MAN = (-7.5538, 7.4125)
SAN_PEDRO = (-6.6363, 4.7485)

HEADER = "nom,categorie,organisation,source,longitude,latitude,telephones,besoins,age_minimum,age_maximum"


@pytest.fixture()
def fr(app):
    """A French request context: messages are rendered as the person would read them."""
    with app.test_request_context("/"):
        yield


def count_services(session) -> int:
    return session.scalar(select(func.count()).select_from(Service))


def rows_csv(rows: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def frame(records: list[dict], crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    geometry = [r.pop("geometry") for r in records]
    return gpd.GeoDataFrame(records, geometry=geometry, crs=crs)


def spatial_bytes(gdf: gpd.GeoDataFrame, fmt: str) -> tuple[bytes, str]:
    """``gdf`` written with pyogrio as GeoJSON, GeoPackage or a zipped Shapefile."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        if fmt == "geojson":
            path = folder / "f.geojson"
            pyogrio.write_dataframe(gdf, path, driver="GeoJSON")
            return path.read_bytes(), "structures.geojson"
        if fmt == "gpkg":
            path = folder / "f.gpkg"
            pyogrio.write_dataframe(gdf, path, driver="GPKG", layer="structures")
            return path.read_bytes(), "structures.gpkg"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL cuts long field names to 10 characters, as in life
            pyogrio.write_dataframe(gdf, folder / "structures.shp", driver="ESRI Shapefile",
                                    layer_options={"ENCODING": "UTF-8"})
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(folder.iterdir()):
                archive.write(part, f"donnees/{part.name}")
        return buffer.getvalue(), "structures.zip"


def good_records() -> list[dict]:
    return [
        {"nom": "Centre social pilote d'import à Bouaké", "categorie": "Centre social",
         "organisation": "ONG Import Test", "source": "Fichier de test", "telephones": "07 01 02 03 04",
         "geometry": Point(*BOUAKE)},
        {"nom": "Cellule juridique d'import à Korhogo", "categorie": "justice",
         "organisation": "ONG Import Test", "source": "Fichier de test", "telephones": None,
         "geometry": Point(*KORHOGO)},
    ]


def stored(session, name: str) -> tuple[Service, Location]:
    return session.execute(
        select(Service, Location)
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(Service.name == name)
    ).one()


# --- good files ---------------------------------------------------------------------------------


def test_csv_dry_run_reports_every_row_and_writes_nothing(db_session, fr):
    before = count_services(db_session)
    data = rows_csv([
        f"Centre d'écoute Alpha,helpline,ONG Alpha,Test,{BOUAKE[0]},{BOUAKE[1]},0701020304,psychosocial,,",
        f"Centre d'écoute Bêta,helpline,ONG Alpha,Test,{DALOA[0]},{DALOA[1]},,,,",
    ])
    report = import_file(db_session, data, "liste.csv", ImportOptions(), dry_run=True)
    assert [row.status for row in report.rows] == ["ok", "warning"]
    assert report.rows[1].messages == ["Ni téléphone ni e-mail\u00a0: contacts à vérifier."]
    assert report.rows[0].number == 2 and report.rows[1].number == 3  # lines of the file
    assert report.can_commit and not report.committed
    assert count_services(db_session) == before


def test_latin1_semicolon_csv_with_decimal_commas_and_labels(db_session, fr):
    text = (
        "Nom;Catégorie;Organisation;Source;Latitude;Longitude;Téléphone;Besoins;Sexe;Âge min;Âge max\n"
        "Foyer d'accueil Œcuménique Séguéla;Centre d'hébergement pour mineurs (CHPM);Œuvre Test;"
        "Liste DPE 2024;7,9611;-6,6731;27 33 91 00 00 / 07 08 09 10 11;Hébergement, Soutien psychosocial;"
        "Filles;6;17\n"
    )
    report = import_file(db_session, text.encode("cp1252"), "liste.csv", ImportOptions(), dry_run=False)
    assert report.committed, [r.messages for r in report.rows]
    assert any("Latin-1" in note and "«\u00a0;\u00a0»" in note for note in report.notes)
    service, location = stored(db_session, "Foyer d'accueil Œcuménique Séguéla")
    assert service.category == "chpm"
    assert service.needs == ["shelter", "psychosocial"]
    assert (service.sexes, service.minimum_age, service.maximum_age) == ("female", 6, 17)
    assert service.verification == "to_verify" and service.assured_date is None
    assert service.organization.name == "Œuvre Test"
    assert sorted(p.number for p in service.phones) == ["+225 07 08 09 10 11", "+225 27 33 91 00 00"]
    assert location.source == "Liste DPE 2024"
    assert db_session.scalar(select(func.ST_X(Location.geom)).where(Location.id == location.id)) == -6.6731


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp"])
def test_spatial_formats_import(db_session, fr, fmt):
    data, filename = spatial_bytes(frame(good_records()), fmt)
    before = count_services(db_session)
    report = import_file(db_session, data, filename, ImportOptions(), dry_run=False)
    assert report.committed, [(r.number, r.messages) for r in report.rows]
    assert count_services(db_session) == before + 2
    service, location = stored(db_session, "Centre social pilote d'import à Bouaké")
    assert service.category == "social_centre"
    x, y = db_session.execute(select(func.ST_X(Location.geom), func.ST_Y(Location.geom))
                              .where(Location.id == location.id)).one()
    assert (round(x, 4), round(y, 4)) == (round(BOUAKE[0], 4), round(BOUAKE[1], 4))
    # both rows name the same organization: created once
    assert db_session.scalar(select(func.count()).select_from(Organization)
                             .where(Organization.name == "ONG Import Test")) == 1
    batch = db_session.get(ImportBatch, report.batch_id)
    assert batch.status == "committed" and batch.content is None and batch.report["created"] == 2
    assert db_session.scalar(select(func.count()).select_from(ImportedService)
                             .where(ImportedService.batch_id == batch.id)) == 2


def test_town_without_coordinates_uses_the_gazetteer(db_session, fr):
    data = b"nom,categorie,source,ville\nPoint focal de Korhogo (test),ngo,Test,Korhogo\n"
    report = import_file(db_session, data, "l.csv", ImportOptions(), dry_run=False)
    assert report.committed
    row = report.rows[0]
    assert "Position\u00a0: centre de la ville de Korhogo (répertoire des localités)." in row.messages
    _service, location = stored(db_session, "Point focal de Korhogo (test)")
    assert location.precision == "town" and location.town == "Korhogo"


def test_user_mapping_and_defaults(db_session, fr):
    data = "Structure X;Remarque;lat;lon\nMaison de l'enfant (test);à revoir;7.69;-5.03\n".encode()
    options = ImportOptions(source="Enquête terrain 2024", category="ngo",
                            mapping={"Structure X": "name", "Remarque": "description"})
    report = import_file(db_session, data, "l.csv", options, dry_run=False)
    assert report.committed, report.rows[0].messages
    service, _location = stored(db_session, "Maison de l'enfant (test)")
    assert (service.category, service.source, service.description) == ("ngo", "Enquête terrain 2024", "à revoir")
    with pytest.raises(ImportRejected, match="pas de colonne Inconnue"):
        import_file(db_session, data, "l.csv", ImportOptions(mapping={"Inconnue": "name"}))
    with pytest.raises(ImportRejected, match="champ inconnu nom_complet"):
        import_file(db_session, data, "l.csv", ImportOptions(mapping={"Structure X": "nom_complet"}))


# --- bad files ----------------------------------------------------------------------------------


def test_metres_declared_as_wgs84_are_refused(db_session, fr):
    gdf = frame(good_records()).to_crs(3857)
    document = json.loads(gdf.to_json())
    document.pop("crs", None)  # GeoJSON without crs member: WGS 84 by definition
    with pytest.raises(ImportRejected) as caught:
        import_file(db_session, json.dumps(document).encode(), "f.geojson", ImportOptions())
    assert "ne sont pas des longitudes/latitudes en degrés" in caught.value.message
    assert "EPSG:3857" in caught.value.message


def test_declared_utm_file_is_reprojected(db_session, fr):
    data, filename = spatial_bytes(frame(good_records()).to_crs(32630), "gpkg")
    table = read_upload(data, filename)
    assert any("reprojetées de EPSG:32630 vers WGS 84" in note for note in table.notes)
    lon, lat = table.rows[0].point
    assert abs(lon - BOUAKE[0]) < 1e-6 and abs(lat - BOUAKE[1]) < 1e-6
    report = plan_import(db_session, table, ImportOptions())
    assert report.can_commit


def test_swapped_latitude_and_longitude_are_refused(db_session, fr):
    data = rows_csv([f"Swap {i},ngo,O,T,{lat},{lon},,,," for i, (lon, lat) in enumerate([BOUAKE, MAN])])
    with pytest.raises(ImportRejected, match="semblent inversées"):
        import_file(db_session, data, "l.csv", ImportOptions())


def test_invalid_geometry_is_a_row_error_and_blocks_the_import(db_session, fr):
    records = good_records()
    bowtie = Polygon([(-5.0, 7.0), (-4.9, 7.1), (-4.9, 7.0), (-5.0, 7.1), (-5.0, 7.0)])
    records.append({"nom": "Géométrie croisée", "categorie": "ngo", "organisation": "O", "source": "T",
                    "telephones": None, "geometry": bowtie})
    data, filename = spatial_bytes(frame(records), "geojson")
    before = count_services(db_session)
    report = import_file(db_session, data, filename, ImportOptions(), dry_run=False)
    bad = report.rows[2]
    assert bad.status == "error" and bad.messages[0].startswith("Géométrie invalide (Self-intersection")
    assert not report.committed and count_services(db_session) == before


def test_missing_required_columns_are_named(db_session, fr):
    data = b"titre,commentaire\nA,B\n"
    with pytest.raises(ImportRejected) as caught:
        import_file(db_session, data, "l.csv", ImportOptions())
    message = caught.value.message
    assert message.startswith("Colonnes obligatoires manquantes\u00a0: Nom, Catégorie, Position")
    assert "Source" in message and "Colonnes trouvées\u00a0: titre, commentaire" in message


@pytest.mark.parametrize("data", [
    "nom,categorie\nA,ngo\n".encode("utf-16"),  # UTF-16 with its BOM
    b"nom,categorie\nA\x01\x02,ngo\n",  # control characters: binary, not text
])
def test_bad_encoding_is_refused(db_session, fr, data):
    with pytest.raises(ImportRejected, match="UTF-8 ou Latin-1"):
        import_file(db_session, data, "l.csv", ImportOptions())


def test_unknown_extension_and_disguised_files_are_refused(fr):
    with pytest.raises(ImportRejected, match="Type de fichier inconnu"):
        read_upload(b"x", "liste.xlsx")
    with pytest.raises(ImportRejected, match="n'est pas une archive zip"):
        read_upload(b"nom\nA\n", "liste.zip")


def test_too_large_and_too_many_rows_are_refused(fr):
    data = rows_csv([f"S{i},ngo,O,T,-5.03,7.69,,,," for i in range(20)])
    with pytest.raises(ImportRejected, match=r"trop gros .* la limite est de 0,5 Mo"):
        read_upload(data + b" " * (600 * 1024), "l.csv", Limits(max_bytes=512 * 1024))
    with pytest.raises(ImportRejected, match="compte 20 lignes\u00a0; 10 au plus"):
        read_upload(data, "l.csv", Limits(max_rows=10))
    gdf = frame([{"nom": f"S{i}", "geometry": Point(*BOUAKE)} for i in range(20)])
    content, filename = spatial_bytes(gdf, "gpkg")
    with pytest.raises(ImportRejected, match="compte 20 lignes"):
        read_upload(content, filename, Limits(max_rows=10))


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_bomb_traversal_and_member_limits(fr):
    bomb = _zip({"a.shp": b"\0" * (5 * 1024 * 1024), "a.shx": b"", "a.dbf": b""})
    with pytest.raises(ImportRejected, match="bombe zip"):
        read_upload(bomb, "a.zip")
    with pytest.raises(ImportRejected, match=r"chemin dangereux\u00a0: \.\./\.\./etc/a\.shp"):
        read_upload(_zip({"../../etc/a.shp": b"x"}), "a.zip")
    with pytest.raises(ImportRejected, match="contient 60 éléments\u00a0; 50 au plus"):
        read_upload(_zip({f"f{i}.txt": b"x" for i in range(60)}), "a.zip")
    big = _zip({"a.shp": random.Random(0).randbytes(1024 * 1024)})  # 1 MiB that does not compress
    with pytest.raises(ImportRejected, match="décompressée pèse 1 Mo\u00a0; la limite est de 0,5 Mo"):
        read_upload(big, "a.zip", Limits(zip_max_total_bytes=512 * 1024))
    with pytest.raises(ImportRejected, match="exactement un Shapefile"):
        read_upload(_zip({"lisezmoi.txt": b"x"}), "a.zip")


def test_two_bad_rows_among_100_write_nothing(db_session, fr):
    lines = []
    for i in range(100):
        lon, lat = (BOUAKE[0] + i * 0.001, BOUAKE[1])
        category = "ngo"
        if i == 40:
            category = "boulangerie"  # not in the taxonomy
        if i == 70:
            lon, lat = (2.35, 48.85)  # Paris
        lines.append(f"Structure de lot {i:03d},{category},ONG Lot,Test,{lon},{lat},,,,")
    data = rows_csv(lines)
    services, phones, orgs = (count_services(db_session),
                              db_session.scalar(select(func.count()).select_from(Phone)),
                              db_session.scalar(select(func.count()).select_from(Organization)))
    report = import_file(db_session, data, "lot.csv", ImportOptions(), dry_run=False)
    assert not report.committed
    assert [r.number for r in report.errors] == [42, 72]
    assert "Catégorie\u00a0: valeur inconnue «\u00a0boulangerie\u00a0»" in report.errors[0].messages[0]
    assert report.errors[1].messages[-1] == "Position\u00a0: Cette position est hors de la Côte d'Ivoire."
    assert count_services(db_session) == services
    assert db_session.scalar(select(func.count()).select_from(Phone)) == phones
    assert db_session.scalar(select(func.count()).select_from(Organization)) == orgs
    assert db_session.scalar(select(func.count()).select_from(ImportBatch)
                             .where(ImportBatch.filename == "lot.csv")) == 0
    # leaving the bad rows out is an explicit choice
    report = import_file(db_session, data, "lot.csv", ImportOptions(skip_invalid=True), dry_run=False)
    assert report.committed and len(report.created) == 98
    assert count_services(db_session) == services + 98


def test_commit_is_all_or_nothing_when_a_write_fails(db_session, fr, monkeypatch):
    """A row that passed the dry run but fails while writing undoes every row before it."""
    from webmap.directory.validation import ValidationFailed
    from webmap.transfer import importer

    data = rows_csv([f"Écriture {i},ngo,O,T,{BOUAKE[0] + i * 0.01},{BOUAKE[1]},,,," for i in range(5)])
    real_save = importer.save_service
    calls = []

    def failing_save(session, entry):
        calls.append(entry.name)
        if len(calls) == 4:
            raise ValidationFailed({"name": "changé entre-temps"})
        return real_save(session, entry)

    monkeypatch.setattr(importer, "save_service", failing_save)
    before = count_services(db_session)
    report = import_file(db_session, data, "l.csv", ImportOptions(), dry_run=False)
    assert not report.committed and len(calls) == 4
    assert count_services(db_session) == before


# --- duplicates ---------------------------------------------------------------------------------


def test_duplicates_against_the_directory_and_within_the_file(db_session, fr, make):
    make.service(name="Centre Social de Bouaké-Test", lon=BOUAKE[0], lat=BOUAKE[1],
                 phones=("+225 07 55 44 33 22",))
    near = (BOUAKE[0] + 0.001, BOUAKE[1])  # about 110 m away
    far = (BOUAKE[0] + 0.01, BOUAKE[1])  # about 1.1 km away
    data = rows_csv([
        f"centre social de bouake test,ngo,O,T,{near[0]},{near[1]},,,,",  # folded name, 110 m
        f"Centre social de Bouaké Test,ngo,O,T,{far[0]},{far[1]},,,,",  # same name, 1.1 km
        f"Autre nom,ngo,O,T,{DALOA[0]},{DALOA[1]},07 55 44 33 22,,,",  # same phone
        f"Nouvelle structure,ngo,O,T,{MAN[0]},{MAN[1]},05 01 01 01 01,,,",
        f"Nouvelle Structure,ngo,O,T,{MAN[0]},{MAN[1] + 0.001},,,,",  # same as the row above
        f"Structure au même numéro,ngo,O,T,{KORHOGO[0]},{KORHOGO[1]},+225 0501010101,,,",
        f"Ligne d'écoute,helpline,O,T,{SAN_PEDRO[0]},{SAN_PEDRO[1]},116,,,",  # short codes are shared
    ])
    report = import_file(db_session, data, "l.csv", ImportOptions())
    statuses = [row.status for row in report.rows]
    assert statuses == ["duplicate", "duplicate", "duplicate", "ok", "duplicate", "duplicate", "ok"]
    messages = [row.messages[0] if row.messages else "" for row in report.rows]
    # the factory's record has no town nor areas: the names are compared within 2 km
    assert re.match(r"Doublon probable de «\u00a0Centre Social de Bouaké-Test\u00a0», déjà dans "
                    r"l'annuaire\u00a0: nom très proche, à 11\d m\.", messages[0])
    assert "nom très proche, à 1,1 km" in messages[1]
    assert messages[2].startswith("Doublon probable de «\u00a0Centre Social de Bouaké-Test\u00a0», déjà dans "
                                  "l'annuaire\u00a0: même numéro de téléphone (+225 07 55 44 33 22).")
    assert messages[4].startswith("Doublon probable de la ligne 5 du fichier («\u00a0Nouvelle structure\u00a0»)"
                                  "\u00a0: même nom, même ville ou sous-préfecture (Man), à 11")
    assert messages[5].startswith("Doublon probable de la ligne 5 du fichier («\u00a0Nouvelle structure\u00a0»)"
                                  "\u00a0: même numéro de téléphone (+225 05 01 01 01 01).")
    before = count_services(db_session)
    report = commit_import(db_session, read_upload(data, "l.csv"), ImportOptions(), "l.csv")
    assert report.committed and count_services(db_session) == before + 2


# --- OpenStreetMap ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def osm_file(app) -> Path:
    from webmap.geodata import layer_path, load_manifest

    return layer_path("osm_social_2019", load_manifest(), app.config["WEBMAP_GEODATA_MIRROR"],
                      app.config["WEBMAP_GEODATA_CACHE"])


def test_osm_extract_imports_as_unverified_candidates(db_session, fr, osm_file):
    data = osm_file.read_bytes()
    report = import_file(db_session, data, osm_file.name, ImportOptions())
    assert report.osm and len(report.rows) == 454
    counts = report.counts
    assert counts["skipped"] == 173  # kindergarten, townhall, community/social centre, childcare, shelter
    assert counts["ok"] + counts["warning"] + counts["duplicate"] == 280
    assert [(r.number, r.messages[-1]) for r in report.errors] == [
        (146, "Position\u00a0: Cette position est hors de la Côte d'Ivoire.")
    ]
    assert not report.can_commit  # one node lies 2 km beyond the border: nothing without a choice
    skipped = next(r for r in report.rows if r.status == "skipped")
    assert skipped.messages == ["amenity=townhall\u00a0: mairie, non importé."]

    before = count_services(db_session)
    report = import_file(db_session, data, osm_file.name, ImportOptions(skip_invalid=True), dry_run=False)
    assert report.committed and count_services(db_session) == before + len(report.created)
    service, location = stored(db_session, "Poste de police (OSM 768587513)")
    assert service.category == "police" and service.verification == "to_verify"
    assert service.source.startswith("© OpenStreetMap contributors, ODbL\u00a0; nœud 768587513")
    assert "https://www.openstreetmap.org/node/768587513" in service.source
    assert "existence, activité, nom et position à vérifier" in service.description
    assert location.precision == "approximate"
    ref = db_session.scalar(select(ImportedService.external_ref).where(ImportedService.service_id == service.id))
    assert ref == "osm:node/768587513"
    named, _location = stored(db_session, "Pouponnière de Yopougon")
    assert named.category == "social_centre"
    # a second import finds every candidate again and writes nothing
    again = import_file(db_session, data, osm_file.name, ImportOptions(skip_invalid=True))
    assert again.counts["duplicate"] == len(report.created) and not again.to_write


# --- command line -------------------------------------------------------------------------------


def test_cli_dry_run_then_import(app, db_session, tmp_path):
    path = tmp_path / "liste.csv"
    path.write_bytes(rows_csv([f"Centre CLI,ngo,ONG CLI,Test CLI,{BOUAKE[0]},{BOUAKE[1]},0701020399,,,"]))
    runner = app.test_cli_runner()
    before = count_services(db_session)
    result = runner.invoke(cli_main, ["import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "essai\u00a0: 1 service(s) seraient créés\u00a0; rien n'a été écrit." in result.output
    assert count_services(db_session) == before
    result = runner.invoke(cli_main, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "import\u00a0: 1 service(s) créé(s)" in result.output
    assert count_services(db_session) == before + 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(rows_csv([f"Centre CLI 2,inconnue,O,T,{BOUAKE[0]},{BOUAKE[1]},,,,"]))
    result = runner.invoke(cli_main, ["import", str(bad)])
    assert result.exit_code == 1 and "rien n'a été importé" in result.output
    result = runner.invoke(cli_main, ["import", str(bad), "--mapping", "nom"])
    assert result.exit_code == 1 and "COLONNE=CHAMP attendu" in result.output


# --- upload pages -------------------------------------------------------------------------------


def csrf_token(client, url: str = "/directory/import") -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_upload_pages_need_an_editor(client, make):
    response = client.get("/directory/import")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    sign_in(client, make.user(role="referral"))
    assert client.get("/directory/import").status_code == 403


def test_upload_dry_run_then_confirm(client, db_session, make):
    org = make.organization(name="ONG de l'éditeur")
    editor = make.user(role="editor", organizations=[org])
    sign_in(client, editor)
    page = client.get("/directory/import")
    assert page.status_code == 200
    assert "Importer des structures" in page.get_data(as_text=True)
    data = rows_csv([
        f"Centre téléversé,ngo,,Test,{BOUAKE[0]},{BOUAKE[1]},0701020377,,,",
        f"Centre téléversé 2,ngo,,Test,{DALOA[0]},{DALOA[1]},,,,",
    ])
    token = csrf_token(client)
    before = count_services(db_session)
    response = client.post("/directory/import", data={
        "csrf_token": token, "file": (io.BytesIO(data), "liste.csv"), "organization_id": str(org.id),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert "Rapport ligne par ligne" in html and "Ni téléphone ni e-mail\u00a0: contacts à vérifier." in html
    assert "Importer 2 structures" in html
    assert count_services(db_session) == before  # the dry run wrote nothing
    response = client.post(preview_url + "/commit", data={"csrf_token": token})
    assert response.status_code == 302
    assert count_services(db_session) == before + 2
    service, _location = stored(db_session, "Centre téléversé")
    assert service.organization_id == org.id  # the editor's organization, not a new one
    html = client.get(preview_url).get_data(as_text=True)
    assert "2 structures importées." in html and "Centre téléversé 2" in html
    # a batch is its owner's only
    sign_in(client, make.user(role="editor", organizations=[org]))
    assert client.get(preview_url).status_code == 404


def test_upload_refusals_are_shown_on_the_page(client, db_session, make, monkeypatch):
    admin = make.user(role="admin")
    sign_in(client, admin)
    token = csrf_token(client)
    response = client.post("/directory/import", data={
        "csrf_token": token, "file": (io.BytesIO(b"titre\nA\n"), "liste.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302  # the file is readable; its columns are discussed next
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Colonnes obligatoires manquantes" in html and 'name="col:titre"' in html
    response = client.post("/directory/import", data={
        "csrf_token": token, "file": (io.BytesIO("é".encode("utf-16")), "liste.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Enregistrez-le en «\u00a0CSV UTF-8\u00a0»" in response.get_data(as_text=True)
    from webmap.transfer import routes

    monkeypatch.setattr(routes, "DEFAULT_LIMITS", Limits(max_bytes=100_000))
    response = client.post("/directory/import", data={
        "csrf_token": token, "file": (io.BytesIO(b"x" * 200_000), "liste.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Le fichier est trop gros (0,2 Mo)\u00a0; la limite est de 0,1 Mo." in response.get_data(as_text=True)
    # a request beyond the app's cap is refused before it is even parsed, with the same message
    monkeypatch.setitem(client.application.config, "MAX_CONTENT_LENGTH", 150_000)
    response = client.post("/directory/import", data={
        "csrf_token": token, "file": (io.BytesIO(b"x" * 200_000), "liste.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Le fichier est trop gros\u00a0; la limite est de" in response.get_data(as_text=True)


def test_upload_without_csrf_token_is_rejected(client, db_session, make):
    sign_in(client, make.user(role="admin"))
    response = client.post("/directory/import", data={"file": (io.BytesIO(b"a"), "l.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert db_session.scalar(select(func.count()).select_from(ImportBatch)
                             .where(ImportBatch.filename == "l.csv")) == 0
