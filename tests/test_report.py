"""`itlsim report` without a browser: one self-contained, reproducible page from the files.

The page is read from the run folder alone; it references nothing outside itself (no URL a
browser would fetch), is the same bytes every time, carries the work list as an embedded CSV,
and a folder that is not a run folder is one line. The sweep report shows each point's mean and
interval as the store's statistics compute them. What a browser shows is test_report_browser.py.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from pathlib import Path

import pytest
from report_helpers import EXAMPLE, example_report, expected_work
from test_cli_jobs import invoke

from sim.errors import ConfigError
from sim.output.reportdata import read_run
from sim.output.reportjob import write_report
from sim.output.svgtext import inline, renumber_ids
from sim.sweep.stats import point_stats
from sim.sweep.store import SweepStore


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return example_report(tmp_path_factory.mktemp("report"))


def test_the_page_needs_nothing_outside_itself(folder: Path) -> None:
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["'](https?:|//)""", page)
    assert "<link" not in page and "@import" not in page and "url(http" not in page
    assert page.count("<svg") == 1 and "<style>" in page and "<script>" in page


def test_the_same_run_gives_the_same_page(folder: Path, tmp_path: Path) -> None:
    again = write_report(folder, tmp_path / "again.html")
    assert again.read_bytes() == (folder / "report.html").read_bytes()


def test_the_page_carries_the_work_list_as_csv(folder: Path) -> None:
    """The download link's data: URL (what a browser without script saves) holds the work
    list: the phones a bulk reset cannot recover (A4a, P3b) or a technician fixed."""
    page = (folder / "report.html").read_text(encoding="utf-8")
    (encoded,) = re.findall(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', page)
    rows = list(csv.DictReader(io.StringIO(base64.b64decode(encoded).decode("utf-8-sig"))))
    assert {r["device_name"] for r in rows} == expected_work(folder)
    assert all(r["why"] and r["device_pool"].startswith("DP_") for r in rows)
    assert list(rows[0]) == ["device_name", "device_pool", "model", "description",
                             "directory_number", "owner", "population", "why", "state_at_end",
                             "itl_file_status"]  # one cluster: the columns it always had


def test_the_work_list_groups_by_site_and_model(folder: Path) -> None:
    run = read_run(folder)
    assert sum(n for _, _, _, n in run.sites) == len(run.work) == len(expected_work(folder))
    assert run.sites == sorted(run.sites, key=lambda s: (-s[3], s[0], s[1], s[2]))


def test_a_folder_that_is_not_a_run_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        write_report(tmp_path)
    assert str(caught.value) == (f"{tmp_path}: no summary.json: not a run folder (itlsim run "
                                 "writes summary.json)")
    assert not (tmp_path / "report.html").exists()


def test_inlined_svgs_do_not_share_ids() -> None:
    """Two figures on one page: ids prefixed per figure, references follow, colours stay."""
    svg = ('<?xml version="1.0"?>\n<svg width="10pt" height="5pt" viewBox="0 0 10 5">'
           '<metadata>x</metadata><defs><clipPath id="p0123456789"/></defs>'
           '<path clip-path="url(#p0123456789)" style="fill: #d55e00"/>'
           '<use xlink:href="#DejaVuSans-31"/></svg>')
    shown = inline(renumber_ids(svg), "fig", "a <plot>")
    assert shown.startswith('<svg role="img" viewBox="0 0 10 5"><title>a &lt;plot&gt;</title>')
    assert 'id="fig-p1"' in shown and "url(#fig-p1)" in shown
    assert 'href="#fig-DejaVuSans-31"' in shown and "#d55e00" in shown
    assert "metadata" not in shown and "pt" not in shown.split(">")[0]


SWEEP = """
[sweep]
name = "tiny"
base = "{base}"
replications = 2
root_seed = 5
metrics = ["locked_peak", "outage_p95_s"]

[parameters.register]
path = "assumptions.locked_phones_register"
values = [false, true]
categorical = true
label = "locked phones register"

[parameters.duration]
path = "simulation.duration"
values = ["3h"]
"""


def test_the_sweep_report_shows_each_points_mean_and_interval(tmp_path: Path) -> None:
    sweep = tmp_path / "tiny.toml"
    sweep.write_text(SWEEP.format(base=EXAMPLE / "scenario.toml"))
    result = invoke("sweep", str(sweep), "--out", str(tmp_path / "store"), "--workers", "1",
                    "--quiet")
    assert result.exit_code == 0, result.output
    path = write_report(tmp_path / "store")
    page = path.read_text(encoding="utf-8")
    assert page.count("<svg") == 3  # curves and one plot per metric, with their intervals
    assert 'src="http' not in page
    with SweepStore.open(tmp_path / "store", read_only=True) as store:
        stats = point_stats(store, ["locked_peak", "outage_p95_s"])
    shown = re.findall(r'data-metric="([a-z0-9_]+)" data-mean="([^"]*)"', page)
    expected = [(row.metric, row.mean) for row in stats.sort_values(
        ["point_index", "metric"]).itertuples()]
    assert sorted((m, float(v)) for m, v in shown) == sorted(expected)
    assert "assumptions.locked_phones_register" in page


def test_the_command_line_report(folder: Path, tmp_path: Path) -> None:
    written = invoke("report", str(folder), "--out", str(tmp_path / "page.html"))
    assert written.exit_code == 0 and written.output == f"wrote {tmp_path / 'page.html'}\n"
    missing = invoke("report", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and missing.output.count("\n") == 1
    assert "no such run folder" in missing.output


def test_a_parquet_event_log_gives_the_same_page_and_none_is_one_line(folder: Path,
                                                                      tmp_path: Path) -> None:
    """The report reads either event log (sim.output.eventlog); without one it cannot say
    what was done and says so."""
    from sim.output.runjob import run_scenario

    pages = {}
    for log in ("parquet", "none"):
        published = run_scenario(str(EXAMPLE / "scenario.toml"), out=str(tmp_path / log),
                                 progress=False, event_log=log).published.path
        if log == "none":
            with pytest.raises(ConfigError) as caught:
                write_report(published)
            assert "no event log (the run used --event-log none)" in str(caught.value)
        else:
            pages[log] = write_report(published).read_text(encoding="utf-8")
    assert pages["parquet"] == (folder / "report.html").read_text(encoding="utf-8")


NO_LOCK_EVENT = """
[[events]]
at = "30min"
action = "regen_cert"
node = "pub"
cert = "CallManager"
"""


def test_a_null_recovery_time_says_none_locked_in_the_sweep_report_i64(tmp_path: Path) -> None:
    """A CallManager regeneration on the only TFTP node locks no phone (A1, P5: TVS vouches for
    the new signer), so the 99 % recovery time is null at every point: the sweep page says
    "none locked" there, not "n/a" (and never a 0 s that reads as an instant recovery)."""
    from plan_helpers import base_text

    (tmp_path / "base.toml").write_text(base_text(events=NO_LOCK_EVENT))
    sweep = tmp_path / "tiny.toml"
    sweep.write_text(SWEEP.format(base=tmp_path / "base.toml").replace(
        '"outage_p95_s"', '"outage_p95_s", "time_to_99pct_locked_recovered_s"'))
    result = invoke("sweep", str(sweep), "--out", str(tmp_path / "store"), "--workers", "1",
                    "--quiet")
    assert result.exit_code == 0, result.output
    page = write_report(tmp_path / "store").read_text(encoding="utf-8")
    cells = re.findall(r'data-metric="time_to_99pct_locked_recovered_s" data-mean="null">'
                       r'([^<]*)<', page)
    assert cells == ["none locked", "none locked"]


def test_a_null_recovery_time_says_none_locked_in_the_run_report_i64(tmp_path: Path) -> None:
    """The same regeneration as one run: its card and its row of the metrics table say "none
    locked" for the 99 % recovery time (null: no phone locked), and a run whose locked phones
    do not come back says "not within the run" (``metricdefs.null_text``)."""
    from plan_helpers import base_text

    from sim.output.metricdefs import null_text
    from sim.output.runjob import run_scenario_file

    (tmp_path / "base.toml").write_text(base_text(events=NO_LOCK_EVENT))
    _, folder = run_scenario_file(str(tmp_path / "base.toml"), out=str(tmp_path / "runs"),
                                  progress=False)
    run = read_run(folder)
    assert run.summary["ever_locked"] == 0 and run.summary["change_start_s"] is not None
    page = write_report(folder).read_text(encoding="utf-8")
    card = re.search(r'data-metric="time_to_99pct_locked_recovered_s" data-value="null">\s*'
                     r'<div class="label">[^<]*</div>\s*<div class="value">([^<]*)<', page)
    assert card is not None and card[1] == "none locked"
    assert "<code>time_to_99pct_locked_recovered_s</code>" in page
    assert "n/a" not in page
    locked = {**run.summary, "ever_locked": 3}
    assert null_text("time_to_99pct_locked_recovered_s", locked) == "not within the run"


def test_the_sweep_report_is_the_same_bytes_from_two_checkouts(tmp_path: Path) -> None:
    """The same sweep in two folders, run by absolute paths: the page names the sweep file by
    its name and the base as the sweep file names it, so it is the same bytes (the store keeps
    the full paths it needs to resume)."""
    from plan_helpers import base_text

    pages = []
    for folder in (tmp_path / "a", tmp_path / "b" / "deep"):
        (folder / "base").mkdir(parents=True)
        (folder / "base" / "tiny.toml").write_text(base_text(events=NO_LOCK_EVENT))
        (folder / "tiny.toml").write_text(SWEEP.format(base="base/tiny.toml"))
        result = invoke("sweep", str(folder / "tiny.toml"), "--out", str(folder / "store"),
                        "--workers", "1", "--quiet")
        assert result.exit_code == 0, result.output
        pages.append(write_report(folder / "store").read_bytes())
    assert pages[0] == pages[1]
    assert str(tmp_path).encode() not in pages[0]
    assert b"<dd>base/tiny.toml</dd>" in pages[0] and b"<dd>tiny.toml</dd>" in pages[0]
