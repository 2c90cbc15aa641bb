"""scenarios/imported-cluster: the shipped example is what `itlsim import` writes now, and its
outcome follows the rules.

The example is the import samples (tests/data/import) plus plan.toml: the publisher's
CallManager and TVS certificates renewed on CUCM 12.5(1) in mixed mode, TVS first typed within
the hold timer (A1: refused), then the CTL updated (TN 214231). Devices without Security by
Default (7960s, Jabber: P8) that get their config from the publisher check it against their CTL
only and lock until the CTL update (P3b); on 12.x the CTL is signed by ITLRecovery, which
their CTL lists, so the update recovers them without a technician (T7).
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest
from report_helpers import EXAMPLE, ROOT

from sim.fleet.run import simulate
from sim.output.runfolder import run_id
from sim.scenario.scenario import load_scenario, scenario_hash

OUTPUTS = ("scenario.toml", "inventory.csv", "certificates.toml")


def tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("import_example",
                                                  ROOT / "tools" / "import_example.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_shipped_example_is_what_the_import_writes_now(tmp_path: Path) -> None:
    """Run `python tools/import_example.py` when this fails after a change to the importer."""
    tool().main(str(tmp_path / "fresh"))
    for name in OUTPUTS:
        assert (tmp_path / "fresh" / name).read_bytes() == (EXAMPLE / name).read_bytes(), name


def test_the_readme_shows_the_import_command_and_the_runs_folder() -> None:
    """The walkthrough's commands are the tool's and its run id is the example's."""
    readme = " ".join((ROOT / "README.md").read_text().replace("\\\n", " ").split())
    assert tool().command() in readme
    scenario = load_scenario(EXAMPLE / "scenario.toml")
    folder = f"results/{scenario.name}/{run_id(scenario.seed, scenario_hash(scenario))}"
    assert f"itlsim report {folder}" in readme


@pytest.fixture(scope="module")
def devices() -> dict[str, dict[str, str]]:
    with open(EXAMPLE / "inventory.csv", encoding="utf-8", newline="") as handle:
        return {row["device_name"]: row for row in csv.DictReader(handle)}


def test_devices_without_security_by_default_lock_until_the_ctl_update(
        devices: dict[str, dict[str, str]]) -> None:
    """P3b, T7: exactly the devices without ITL support whose first TFTP server is the
    publisher lock; the CTL update recovers every one of them."""
    scenario = load_scenario(EXAMPLE / "scenario.toml")
    result = simulate(scenario)
    s = result.summary
    first_tftp = {p.name: p.tftp[0] for p in scenario.populations}
    expected = {name for name, row in devices.items()
                if row["itl_support"] == "false" and first_tftp[row["population"]] == "cucm-pub"}
    locked = {line.split('"phone": "')[1].split('"')[0] for line in result.event_lines
              if '"to": "locked"' in line}
    assert locked == expected and s["ever_locked"] == len(expected) > 0
    assert s["lock_reasons"] == {"config-signer-unknown,no-security-by-default": len(expected)}
    assert (s["recovered_bulk"], s["recovered_manual"], s["locked_final"]) == (len(expected),
                                                                              0, 0)
    assert s["operations"] == {"done": 3, "refused": 1}  # A1: the hold timer
    assert s["registered_final"] == len(devices)
