"""Result files any tool can read (issue 9, point 5): CSV by the csv module, valid JSON lines,
exact times, booleans, permissions from the umask, Parquet event logs, make-itl's output path.

Each test reproduces a failure seen before the fix: a comma or quote in a population name
shifted CSV columns and made 14,400 event-log lines invalid JSON; ``%g`` wrote 1,000,007 s as
``1.00001e+06``, so the documented pivot of ``timeseries.csv`` failed on duplicate rows; result
folders were 0700 and make-itl files 0600.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pandas as pd
import pytest
from cli_helpers import SMALL_RUN
from click.testing import CliRunner

from sim.cli import EVENT_LOG_FORMATS, main
from sim.output.eventlog import FORMATS
from sim.output.runfolder import timeseries_rows, write_csv

NASTY = 'lobby, "east" wing \\ 2'  # a comma, quotes and a backslash


def run(tmp_path: Path, *extra: str, text: str = SMALL_RUN) -> Path:
    tmp_path.mkdir(exist_ok=True)
    scenario = tmp_path / "small.toml"
    scenario.write_text(text)
    result = CliRunner().invoke(main, ["run", str(scenario), "--out", str(tmp_path / "out"),
                                       "--quiet", *extra])
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "out" / "small").iterdir()
    return folder


@pytest.fixture()
def nasty(tmp_path: Path) -> Path:
    return run(tmp_path, text=SMALL_RUN.replace('name = "office"', f"name = '{NASTY}'"))


def test_a_comma_or_quote_in_a_name_keeps_csv_columns(nasty: Path) -> None:
    report = pd.read_csv(nasty / "devicetlinfo.csv")
    assert report.shape == (60, 9)
    assert set(report.population) == {NASTY}
    for flag in ("recoverable_by_bulk_reset", "registered"):  # true/false, read as booleans
        assert report[flag].dtype == bool and report[flag].all()


def test_every_event_line_is_valid_json_with_the_name_intact(nasty: Path) -> None:
    lines = (nasty / "events.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    phones = [r for r in records if r["kind"] == "phone"]
    assert len(phones) > 100 and {r["population"] for r in phones} == {NASTY}


def test_times_are_exact_and_the_documented_pivot_works() -> None:
    """%g gave 1e+06 for both 1,000,000 and 1,000,003 s: the pivot raised on duplicates."""
    series = [(999_999.0, (1, 0)), (1_000_000.0, (1, 0)), (1_000_003.0, (0, 1)),
              (0.1 + 0.2, (1, 1))]
    result = SimpleNamespace(detailed_series=series, detailed_registered=[(1, 0)] * len(series),
                             states=("trusted", "locked"))
    rows = list(timeseries_rows(result))  # type: ignore[arg-type]
    assert [row[0] for row in rows[::2]] == [999_999, 1_000_000, 1_000_003, 0.30000000000000004]


def test_timeseries_csv_round_trips_times(tmp_path: Path) -> None:
    path = tmp_path / "timeseries.csv"
    series = [(t, (1, 0)) for t in (0.0, 0.1, 0.2, 0.1 + 0.2, 1_000_000.0, 1_000_007.0)]
    write_csv(path, ("time_s", "state", "phones", "registered"),
              timeseries_rows(SimpleNamespace(  # type: ignore[arg-type]
                  detailed_series=series, detailed_registered=[(1, 0)] * len(series),
                  states=("trusted", "locked"))))
    exact = {"float_precision": "round_trip"} if pd.__version__ < "3" else {}  # 3: the default
    wide = pd.read_csv(path, **exact).pivot(index="time_s", columns="state", values="phones")
    assert list(wide.index) == [t for t, _ in series]
    assert "1000007,trusted,1" in path.read_text() and "e+" not in path.read_text()


def test_a_run_at_sub_second_resolution_pivots(tmp_path: Path) -> None:
    folder = run(tmp_path, "--set", "simulation.resolution=0.7s")
    tidy = pd.read_csv(folder / "timeseries.csv")
    wide = tidy.pivot(index="time_s", columns="state", values="phones")
    assert len(wide) == len(tidy) // 5 > 10_000 and (wide.sum(axis=1) == 60).all()
    assert wide.index.dtype == float and wide.index.is_monotonic_increasing


@pytest.fixture()
def umask_027() -> Iterator[None]:
    previous = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(previous)


def test_result_folders_and_files_follow_the_umask(tmp_path: Path, umask_027: None) -> None:
    folder = run(tmp_path)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750  # was 0700 from mkdtemp
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o640}


def test_make_itl_follows_the_umask_refuses_its_input_and_creates_no_folders(
        tmp_path: Path, umask_027: None) -> None:
    cluster = Path(__file__).resolve().parents[1] / "scenarios" / "seed-cluster.toml"
    copy = tmp_path / "cluster.toml"
    copy.write_bytes(cluster.read_bytes())
    out = tmp_path / "ITLFile.tlv"
    made = CliRunner().invoke(main, ["make-itl", str(copy), "--node", "test10pub", "--out",
                                     str(out)])
    assert made.exit_code == 0 and stat.S_IMODE(out.stat().st_mode) == 0o640  # was 0600
    own = CliRunner().invoke(main, ["make-itl", str(copy), "--node", "test10pub", "--out",
                                    str(copy)])
    assert (own.exit_code, own.stderr) == (2, f"itlsim: {copy} [--out]: is the cluster file "
                                              f"itself; writing the ITL there would destroy it "
                                              f"(choose another --out, e.g. ITLFile.tlv)\n")
    assert copy.read_bytes() == cluster.read_bytes()
    deep = tmp_path / "typo" / "nested" / "ITLFile.tlv"
    missing = CliRunner().invoke(main, ["make-itl", str(copy), "--node", "test10pub", "--out",
                                        str(deep)])
    assert missing.exit_code == 2
    assert missing.stderr == (f"itlsim: {deep} [--out]: the folder '{deep.parent}' does not "
                              f"exist; create it first (make-itl creates no folders)\n")
    assert not (tmp_path / "typo").exists()


def test_parquet_event_log_holds_the_json_lines_records(tmp_path: Path) -> None:
    jsonl = run(tmp_path / "a")
    parquet = run(tmp_path / "b", "--event-log", "parquet")
    again = run(tmp_path / "c", "--event-log", "parquet")
    assert (parquet / "events.parquet").read_bytes() == (again / "events.parquet").read_bytes()
    assert not (parquet / "events.jsonl").exists()
    table = duckdb.sql(f"FROM '{parquet / 'events.parquet'}'").df()  # no pyarrow needed
    lines = [json.loads(line) for line in (jsonl / "events.jsonl").read_text().splitlines()]
    assert len(table) == len(lines)
    as_rows = [{k: (json.loads(v) if k == "args" else v) for k, v in row.items()
                if not pd.isna(v)} for row in table.to_dict("records")]
    assert as_rows == lines
    none = run(tmp_path / "d", "--event-log", "none")
    assert not any(p.name.startswith("events.") for p in none.iterdir())
    assert json.loads((none / "run.json").read_text())["event_log"] == "none"


def test_the_cli_offers_every_event_log_format() -> None:
    assert EVENT_LOG_FORMATS == FORMATS
