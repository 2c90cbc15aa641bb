"""Regenerate scenarios/imported-cluster/ from the import samples in tests/data/import.

    python tools/import_example.py

Runs ``itlsim import`` with ``ARGS`` (the command the README's walkthrough shows, run from the
project root): both TFTP nodes' ITL files, the CTL, the BAT export, the device-pool map, the ITL
status file and the plan ``scenarios/imported-cluster/plan.toml``. tests/test_imported_example.py
checks that the shipped scenario.toml, inventory.csv and certificates.toml are what this
writes now.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from sim.cli import main as itlsim

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "scenarios/imported-cluster"
DATA = "tests/data/import"
ARGS = ("import", "--itl", f"{DATA}/ITLFile-cucm-pub.tlv", "--itl", f"{DATA}/ITLFile-cucm-sub1.tlv",
        "--ctl", f"{DATA}/CTLFile.tlv", "--phones", f"{DATA}/phones-all-details.csv",
        "--device-pools", f"{DATA}/devicepools.toml", "--itl-status", f"{DATA}/itl-status.csv",
        "--plan", f"{EXAMPLE}/plan.toml", "--out", EXAMPLE)


def command() -> str:
    """``ARGS`` as the shell line the README shows."""
    return "itlsim " + " ".join(ARGS)


def main(out: str = EXAMPLE) -> None:
    """Run the import from the project root into ``out`` (default: the shipped example)."""
    args = [*ARGS[:-1], out]
    with contextlib.chdir(ROOT):
        itlsim(args, standalone_mode=False)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else EXAMPLE)
