"""Reading an input file without trusting the path: a regular file, no larger than a cap.

A path a user gives may name a FIFO (a plain read blocks forever), a character device
(``/dev/zero`` never ends, ``/dev/stdin`` waits for a terminal) or a file far larger than any
input of its kind, which a plain ``read_bytes`` would swallow whole. ``read_regular`` opens the
path without blocking (``O_NONBLOCK``: opening a FIFO returns at once), checks the *open* file
with ``fstat`` (so nothing can swap the file between the check and the read), refuses anything
but a regular file, and reads at most ``limit + 1`` bytes, so a file that grows while it is
read is refused too. ITL/CTL files (``sim.trust.trustlist.read``) and TOML files
(``sim.scenario.tomlsource``) are read through it; each caller turns ``FileProblem`` into its
own one-line error with what a valid input would be.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

_KINDS = ((stat.S_ISDIR, "is a directory"),
          (stat.S_ISFIFO, "is a FIFO (named pipe), not a regular file"),
          (stat.S_ISCHR, "is a character device, not a regular file"),
          (stat.S_ISBLK, "is a block device, not a regular file"),
          (stat.S_ISSOCK, "is a socket, not a regular file"))


class FileProblem(Exception):
    """Why a path cannot be read as an input file: one line without the path; ``too_large``
    tells the caller to add why the limit is what it is."""

    def __init__(self, message: str, *, too_large: bool = False):
        super().__init__(message)
        self.too_large = too_large


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file ``path`` if it holds at most ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise FileProblem("no such file") from None
    except IsADirectoryError:
        raise FileProblem("is a directory") from None
    except OSError as error:
        raise FileProblem(f"cannot open it: {error.strerror or error}") from None
    try:
        _check(os.fstat(fd), limit)
        with os.fdopen(os.dup(fd), "rb", buffering=0) as handle:
            data = _read_at_most(handle, limit + 1)
    except OSError as error:
        raise FileProblem(f"cannot read it: {error.strerror or error}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise FileProblem(_too_large(len(data), limit), too_large=True)
    return data


def _check(info: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem(next((text for test, text in _KINDS if test(info.st_mode)),
                               "is not a regular file"))
    if info.st_size > limit:
        raise FileProblem(_too_large(info.st_size, limit), too_large=True)


def _too_large(size: int, limit: int) -> str:
    """``"72,000 bytes is more than the 65,536 allowed"`` (callers add why that is the cap)."""
    return f"{size:,} bytes is more than the {limit:,} allowed"


def _read_at_most(handle: BinaryIO, count: int) -> bytes:
    parts: list[bytes] = []
    left = count
    while left > 0:
        chunk = handle.read(min(left, 1 << 20))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)
