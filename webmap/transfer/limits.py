"""Limits on uploaded files, checked before anything is parsed: size, rows, zip archives.

Every refusal raises :class:`ImportRejected` with a message meant for the person who uploaded the
file (French by default, through Flask-Babel).
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask_babel import gettext as _

from ..errors import WebmapError

MIB = 1024 * 1024


class ImportRejected(WebmapError):
    """The whole file is refused (too large, unreadable, unsafe, wrong columns...)."""

    status = 422

    def __init__(self, message: str) -> None:
        super().__init__("import rejected", {"message": message})
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Limits:
    """What an upload may hold. Tests pass smaller values; the defaults are documented."""

    max_bytes: int = 10 * MIB  # the uploaded file itself
    max_rows: int = 5_000  # records (lines of a CSV, features of a layer)
    zip_max_members: int = 50
    zip_max_total_bytes: int = 50 * MIB  # everything extracted from an archive
    zip_max_ratio: int = 100  # uncompressed / compressed size of one member


DEFAULT_LIMITS = Limits()


def _megabytes(size: int) -> str:
    return f"{size / MIB:.1f}".replace(".", ",") if size % MIB else str(size // MIB)


def check_size(size: int, limits: Limits = DEFAULT_LIMITS) -> None:
    if size == 0:
        raise ImportRejected(_("The file is empty."))
    if size > limits.max_bytes:
        raise ImportRejected(
            _(
                "The file is too large (%(size)s MB); the limit is %(limit)s MB. "
                "Split it into several files.",
                size=_megabytes(size),
                limit=_megabytes(limits.max_bytes),
            )
        )


def check_rows(count: int, limits: Limits = DEFAULT_LIMITS) -> None:
    if count > limits.max_rows:
        raise ImportRejected(
            _(
                "The file has %(count)d rows; at most %(limit)d can be imported at once. "
                "Split it into several files.",
                count=count,
                limit=limits.max_rows,
            )
        )


def _unsafe_name(name: str) -> bool:
    """Absolute paths, drive letters, backslashes and ``..`` may escape the extraction folder."""
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return True
    if len(name) > 1 and name[1] == ":":
        return True
    return any(part == ".." for part in PurePosixPath(name).parts)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def inspect_zip(archive: zipfile.ZipFile, limits: Limits = DEFAULT_LIMITS) -> list[zipfile.ZipInfo]:
    """The archive's file members, once every safety rule has passed."""
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(archive.infolist()) > limits.zip_max_members:
        raise ImportRejected(
            _(
                "The zip archive holds %(count)d entries; at most %(limit)d are accepted.",
                count=len(archive.infolist()),
                limit=limits.zip_max_members,
            )
        )
    total = 0
    for info in archive.infolist():
        if _unsafe_name(info.filename):
            raise ImportRejected(
                _("The zip archive contains an unsafe path: %(name)s.", name=info.filename)
            )
        if _is_symlink(info):
            raise ImportRejected(
                _("The zip archive contains a symbolic link: %(name)s.", name=info.filename)
            )
        if info.flag_bits & 0x1:
            raise ImportRejected(_("The zip archive is encrypted: %(name)s.", name=info.filename))
        total += info.file_size
        if info.file_size > 0 and info.file_size > limits.zip_max_ratio * max(info.compress_size, 1):
            raise ImportRejected(
                _(
                    "%(name)s expands %(ratio)d times when unzipped; at most %(limit)d times is "
                    "accepted (possible zip bomb).",
                    name=info.filename,
                    ratio=info.file_size // max(info.compress_size, 1),
                    limit=limits.zip_max_ratio,
                )
            )
    if total > limits.zip_max_total_bytes:
        raise ImportRejected(
            _(
                "The zip archive expands to %(size)s MB; the limit is %(limit)s MB.",
                size=_megabytes(total),
                limit=_megabytes(limits.zip_max_total_bytes),
            )
        )
    return members


def extract_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: list[int]
) -> Path:
    """Copy one checked member to ``target`` (a flat name chosen by the caller), counting the bytes
    really written against ``budget[0]`` — the sizes declared in an archive can lie."""
    written = 0
    with archive.open(info) as source, target.open("wb") as sink:
        while chunk := source.read(1 << 16):
            written += len(chunk)
            budget[0] -= len(chunk)
            if budget[0] < 0 or written > info.file_size:
                raise ImportRejected(
                    _("The zip archive expands beyond its declared size: %(name)s.", name=info.filename)
                )
            sink.write(chunk)
    return target
