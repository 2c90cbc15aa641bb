"""Which code made a result: itlsim version, source revision and a digest of the source files.

A sweep store refuses to mix results of different code (``sim.sweep.runner``), so every run records
the ``Provenance`` of the process that simulated it. The git revision is read from the source
tree's ``.git`` folder (no ``git`` executable needed; ``None`` outside a checkout), and because a
revision does not see uncommitted edits, ``code`` is a SHA-256 over every file of the ``sim``
package (sources and the shipped key pools): two processes with equal ``code`` simulate alike.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sim import __version__

PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Provenance:
    """The identity of the simulating code."""

    version: str
    revision: str | None
    code: str

    def same_code(self, other: Provenance) -> bool:
        """Same version and same source bytes: results can be mixed. The revision is kept for
        the record only (a commit that touches no file of ``sim`` changes nothing)."""
        return (self.version, self.code) == (other.version, other.code)

    def describe(self) -> str:
        """Short human text, e.g. ``itlsim 0.1.0 (revision 1a2b3c4d, code 5e6f7a8b)``."""
        revision = self.revision[:8] if self.revision else "unknown"
        return f"itlsim {self.version} (revision {revision}, code {self.code[:8]})"


@cache
def current() -> Provenance:
    """The provenance of the code this process runs (computed once per process)."""
    return Provenance(__version__, git_revision(PACKAGE.parent), code_digest(PACKAGE))


def code_digest(package: Path) -> str:
    """SHA-256 over the relative paths and bytes of every file under ``package`` (no caches)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file()
                       and "__pycache__" not in p.parts):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def git_revision(tree: Path) -> str | None:
    """The commit ``HEAD`` points to in ``tree/.git``, or ``None`` when there is none."""
    git = tree / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head or None
        ref = head.removeprefix("ref: ")
        loose = git / ref
        if loose.is_file():
            return loose.read_text().strip() or None
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    except OSError:
        return None
    return None
