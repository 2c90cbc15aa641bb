"""The DeviceTLInfo report kept per kind of phone (``sim.fleet.devicetlinfo``) and written per
line (``sim.output.runfolder.write_devicetlinfo``): the same rows and bytes as a row per phone."""

from __future__ import annotations

from array import array
from collections import Counter
from pathlib import Path

import pytest

from sim.fleet.devicetlinfo import DeviceTLInfo
from sim.fleet.run import simulate
from sim.output.runfolder import DEVICETLINFO_HEADER, write_csv, write_devicetlinfo
from sim.scenario.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["SEP000000000001", "a,b", 'say "hi"', "line\nbreak", "cr\rhere", " lead", "é"]


def test_written_lines_are_the_csv_modules(tmp_path: Path):
    """Names the csv module quotes (delimiter, quote, line breaks) and ones it does not give
    the bytes ``write_csv`` gives for the full rows."""
    kinds = [("pop,1", "tftp", "ab" * 20, "", "Match", True, "trusted", True),
             ("pop", "tftp", "", "cd" * 20, 'Mis"match', False, "locked", False)]
    report = DeviceTLInfo(NAMES, kinds, array("i", [0, 1, 0, 1, 0, 1, 0]))
    write_devicetlinfo(tmp_path / "fast.csv", report)
    write_csv(tmp_path / "rows.csv", DEVICETLINFO_HEADER, list(report))
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "rows.csv").read_bytes()
    assert len(report) == 7 and report.phones_per_kind() == [4, 3]
    assert report.statuses() == {"Match": 4, 'Mis"match': 3}
    assert report.not_recoverable() == 3


@pytest.mark.parametrize("scenario", ["hostname-change-localkey", "migration-mixed-mode"])
def test_rows_are_each_phones(scenario: str):
    """Iterating gives a row per phone in phone order, its name first; phones of one kind
    share everything but the name, and the summary counts the rows' statuses (O2)."""
    result = simulate(load_scenario(ROOT / "scenarios" / f"{scenario}.toml",
                                   overrides=["phones.0.count=40"]))
    rows = list(result.devicetlinfo)
    assert [row[0] for row in rows] == result.phone_names
    assert len(result.devicetlinfo.kinds) < len(rows)
    assert {row[1:] for row in rows} == set(result.devicetlinfo.kinds)
    summary = result.summary
    assert summary["not_recoverable_by_bulk_reset"] == sum(row[6] is False for row in rows)
    assert summary["registered_final"] == sum(row[8] is True for row in rows)
    assert summary["locked_final"] == sum(row[7] == "locked" for row in rows)
    assert summary["itl_file_status"] == dict(sorted(Counter(str(row[5]) for row in rows).items()))
