"""Shared by the importer tests: a broken input written to a file, read, and its one error line."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest

from sim.errors import ArtefactError


def error_line(directory: Path, name: str, content: str | bytes,
               read: Callable[[str], object]) -> str:
    """Write ``content`` to ``directory/name``, read it by its bare name from ``directory`` (so
    messages start with ``name``) and return the error, checked to be one line."""
    (directory / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    with contextlib.chdir(directory), pytest.raises(ArtefactError) as caught:
        read(name)
    line = str(caught.value)
    assert "\n" not in line
    return line
