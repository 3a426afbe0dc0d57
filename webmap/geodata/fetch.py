"""Find each reference file (mirror, then cache, then upstream download) and verify its SHA-256.

Order for a :class:`~.manifest.FileSource`:

1. ``<mirror>/<path>`` when a mirror is configured and holds the file. A wrong checksum there is an
   error (the mirror is supposed to be exact; we do not paper over it with a download).
2. ``<cache>/<path>`` when an earlier run downloaded it (a cached file with a wrong checksum is
   discarded and downloaded again).
3. The upstream ``url``, downloaded with :mod:`urllib` into ``<cache>/<path>`` (through a
   ``.part`` file renamed only once the checksum matches).

When none of these works the :class:`~.errors.SourceUnavailable` message lists what was tried.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from .errors import ChecksumError, SourceUnavailable
from .manifest import FileSource, Manifest, PackageSource

DOWNLOAD_TIMEOUT = 60.0  # seconds, per network operation
USER_AGENT = "webmap-geodata/1 (urllib)"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Verified:
    """A verified input: where it was read from and its checksum."""

    name: str
    path: Path
    sha256: str
    origin: str  # "mirror", "cache", "download" or "package"


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_file(
    src: FileSource,
    mirror: str | Path | None,
    cache: str | Path | None,
    *,
    timeout: float = DOWNLOAD_TIMEOUT,
) -> Verified:
    """Return the verified local copy of ``src`` (see the module docstring for the order)."""
    tried: list[str] = []
    if mirror:
        candidate = Path(mirror) / src.path
        if candidate.is_file():
            _verify(src.name, candidate, src.sha256)
            return Verified(src.name, candidate, src.sha256, "mirror")
        tried.append(f"not in the mirror ({candidate})")
    else:
        tried.append("no mirror configured (WEBMAP_GEODATA_MIRROR)")

    cached = Path(cache) / src.path if cache else None
    if cached is not None and cached.is_file():
        if sha256_file(cached) == src.sha256:
            return Verified(src.name, cached, src.sha256, "cache")
        cached.unlink()  # ours, stale or truncated: fetch it again
        tried.append(f"cached copy {cached} had a wrong SHA-256 and was removed")

    if not src.url:
        tried.append("no upstream URL in the manifest (the file exists only in the mirror)")
        raise SourceUnavailable(_unavailable(src, tried))
    if cached is None:
        tried.append("no cache directory configured (WEBMAP_GEODATA_CACHE) to download into")
        raise SourceUnavailable(_unavailable(src, tried))
    try:
        _download(src.url, cached, src.sha256, src.name, timeout)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        tried.append(f"download of {src.url} failed: {reason}")
        raise SourceUnavailable(_unavailable(src, tried)) from exc
    return Verified(src.name, cached, src.sha256, "download")


def verify_package(src: PackageSource) -> Verified:
    """Check the installed package version and the SHA-256 of the data file it ships."""
    try:
        installed = metadata.version(src.package)
    except metadata.PackageNotFoundError:
        raise SourceUnavailable(
            f"{src.name}: Python package {src.package}=={src.version} is not installed "
            f"(pip install -r requirements.txt)"
        ) from None
    if installed != src.version:
        raise ChecksumError(
            f"{src.name}: {src.package} {installed} is installed but the manifest pins "
            f"{src.version} (pip install -r requirements.txt)"
        )
    path = Path(str(resources.files(src.package).joinpath(src.data_file)))
    if not path.is_file():
        raise SourceUnavailable(f"{src.name}: {src.package} has no data file {src.data_file}")
    _verify(src.name, path, src.sha256)
    return Verified(src.name, path, src.sha256, "package")


def layer_path(
    name: str, manifest: Manifest, mirror: str | Path | None, cache: str | Path | None
) -> Path:
    """Verified local path of one manifest file, for code that reads a layer directly."""
    return resolve_file(manifest.file(name), mirror, cache).path


def verify_all(
    manifest: Manifest, mirror: str | Path | None, cache: str | Path | None
) -> list[Verified]:
    """Fetch and verify every file and package of the manifest (``webmap geodata --check``)."""
    out = [resolve_file(src, mirror, cache) for src in manifest.files.values()]
    out += [verify_package(src) for src in manifest.packages.values()]
    return out


def _verify(name: str, path: Path, expected: str) -> None:
    actual = sha256_file(path)
    if actual != expected:
        raise ChecksumError(
            f"{name}: SHA-256 mismatch for {path}: found {actual}, the manifest "
            f"(data/geo/manifest.toml) expects {expected}. The file differs from the verified "
            f"reference data; nothing was loaded."
        )


def _download(url: str, dest: Path, expected: str, name: str, timeout: float) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, open(part, "wb") as out:
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected:
            raise ChecksumError(
                f"{name}: SHA-256 mismatch for the download of {url}: found {digest.hexdigest()}, "
                f"the manifest expects {expected}. Upstream changed or the download was "
                f"altered; nothing was loaded."
            )
        os.replace(part, dest)
    finally:
        part.unlink(missing_ok=True)


def _unavailable(src: FileSource, tried: list[str]) -> str:
    return (
        f"{src.name} ({src.path}) is unavailable: " + "; ".join(tried) + ". Point "
        "WEBMAP_GEODATA_MIRROR at a copy of the reference mirror, or run where the upstream URL "
        "is reachable."
    )
