"""Errors of the reference geodata pipeline; each message says what to do about it."""

from __future__ import annotations


class GeodataError(Exception):
    """The reference geodata cannot be fetched, verified or built; nothing was loaded."""


class ChecksumError(GeodataError):
    """A file (or package data file) does not have the SHA-256 recorded in the manifest."""


class SourceUnavailable(GeodataError):
    """A file is neither in the mirror nor in the cache, and cannot be downloaded."""
