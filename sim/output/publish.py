"""Publishing a results folder: all files or none, safe when several processes publish at once.

A job writes its files into a hidden staging folder beside the destination
(``.<name>.staging-<pid>-<random>``) and then publishes it while holding an exclusive lock on
the parent folder (``fcntl.flock`` on the folder's own descriptor, so no lock file is left):

- nothing there yet: the staging folder is renamed onto the destination (atomic);
- a folder with the same results (every file byte-equal except the ``volatile`` ones, such as
  ``run.json`` with its wall time): it is kept and the staging folder dropped. Two runs of one
  scenario and seed land in one folder by design (the run id is a hash), so two concurrent
  runs end here: before the lock, the second rename failed with "Directory not empty";
- a folder with other results (other code made it): it is moved aside, the staging folder
  renamed in, and the old one removed.

A run killed while writing (SIGKILL, a power cut) leaves its staging folder behind; the next
publish into the same parent removes staging folders whose process is gone (the pid in the name,
checked on this host) or that are older than ``STALE_SECONDS`` (a writer on another host).
Folders get the permissions the umask allows (``tempfile.mkdtemp`` makes them 0700, which kept
colleagues on a shared server out); files are created through ``open`` and follow it already.
"""

from __future__ import annotations

import fcntl
import filecmp
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sim.errors import ConfigError

STALE_SECONDS = 3600.0
_LEFTOVER = re.compile(r"^\..+\.(staging|old)-(\d+)-[^.]+$")


@dataclass(frozen=True)
class Published:
    """Where the results are, and whether an identical result was already there."""

    path: Path
    identical: bool


def umask() -> int:
    """The process's umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def publish_folder(out: Path, write: Callable[[Path], None], *,
                   volatile: frozenset[str] = frozenset()) -> Published:
    """Run ``write(staging)`` into a staging folder, then publish it as ``out``.

    Any error or interrupt while writing removes the staging folder: ``out`` is either the
    complete old result, the complete new one, or absent. File-system errors (no space left,
    no permission) are one-line ``ConfigError``s naming ``out``.
    """
    with _staging(out) as staging:
        try:
            write(staging)
        except OSError as error:
            raise ConfigError(f"cannot write the results: {error.strerror or error}",
                              path=str(out), key="--out") from None
        with _locked(out.parent):
            return _publish(staging, out, volatile)


@contextmanager
def _staging(out: Path) -> Iterator[Path]:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(out.parent)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-{os.getpid()}-",
                                        dir=out.parent))
        staging.chmod(0o777 & ~umask())
    except OSError as error:
        raise ConfigError(f"cannot create the results folder: {error.strerror}",
                          path=str(out), key="--out") from None
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already once published


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``folder`` itself (released when its descriptor closes)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _publish(staging: Path, out: Path, volatile: frozenset[str]) -> Published:
    if not out.exists():
        os.rename(staging, out)
        return Published(out, identical=False)
    if not out.is_dir():
        raise ConfigError("exists and is not a folder", path=str(out), key="--out")
    if same_results(staging, out, volatile):
        return Published(out, identical=True)
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=out.parent))
    os.rename(out, aside / out.name)
    os.rename(staging, out)
    shutil.rmtree(aside, ignore_errors=True)
    return Published(out, identical=False)


def same_results(a: Path, b: Path, volatile: frozenset[str] = frozenset()) -> bool:
    """Do folders ``a`` and ``b`` hold the same files with the same bytes (``volatile`` files
    need only exist in both)?"""
    names = {p.name for p in a.iterdir()}
    if names != {p.name for p in b.iterdir()}:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, sorted(names - volatile), shallow=False)
    return not mismatch and not errors


def remove_stale(folder: Path, now: float | None = None) -> list[Path]:
    """Remove leftovers of killed writers in ``folder``: staging (and moved-aside) folders whose
    process is gone, or older than ``STALE_SECONDS``. Returns what was removed."""
    now = time.time() if now is None else now
    removed = []
    for path in folder.iterdir():
        match = _LEFTOVER.match(path.name)
        if match is None or not path.is_dir():
            continue
        try:
            age = now - path.stat().st_mtime
        except FileNotFoundError:  # its owner just published or removed it
            continue
        if not _alive(int(match.group(2))) or age > STALE_SECONDS:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (signal 0 checks without signalling)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
