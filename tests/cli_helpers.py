"""Shared helpers of the command-line tests: a small scenario and the real CLI in a process.

``itlsim`` runs the installed command line in a subprocess, as a user's shell would, with a
timeout (a regression that hangs fails instead of blocking the suite) and optionally an
address-space limit (``RLIMIT_AS``), so a runaway input cannot take the machine's memory.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL_RUN = """
[simulation]
duration = "2h"
seed = 3
resolution = "5min"

[cluster]
version = "10.5(2)"
domain = "example.lab"
[cluster.organisation]
ou = "uc"
o = "example"
l = "rtp"
st = "nc"
c = "US"
[[cluster.nodes]]
name = "cucm1"
role = "publisher"
services = ["CallManager", "TFTP", "TVS", "CAPF"]
key_bits = { CallManager = 1024, TVS = 1024, CAPF = 1024, ITLRecovery = 1024 }

[[phones]]
name = "office"
count = 60

[[events]]
at = "10min"
action = "change_hostname"
node = "cucm1"
new_name = "cucm1b"

[[events]]
at = "40min"
action = "itl_reset"
mode = "localkey"

[[events]]
at = "45min"
action = "reset_phones"
"""


def limit_memory(limit: int) -> Callable[[], None]:
    """A ``preexec_fn`` that caps the child's address space at ``limit`` bytes."""
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def itlsim(*args: str, timeout: float = 60, memory: int | None = None, cwd: Path | None = None,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m sim ARGS`` in a new process; stdout and stderr as text."""
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env={**os.environ, **(env or {})},
                          preexec_fn=limit_memory(memory) if memory else None, check=False)
