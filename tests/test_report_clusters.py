"""`itlsim report` of a run with several clusters (issue 12): the page names each cluster where
it matters (the facts, the question, the plan's operations, the alerts, the phones by cluster
at the end, I54) and lists the between-cluster assumptions, which a one-cluster page leaves out
as its summary does.

The run is scenarios/migration-rollback.toml scaled down as in tests/test_scenarios.py.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from cli_helpers import SMALL_RUN

from sim.output.reportjob import write_report
from sim.output.runjob import run_scenario

ROOT = Path(__file__).resolve().parents[1]
ROLLBACK = ROOT / "scenarios" / "migration-rollback.toml"
SCALED = ("phones.0.count=80", "phones.1.count=40", "events.2.batch_size=20",
          "events.3.batch_size=20", "tftp.max_serving_count=50")


def _run(out: Path, event_log: str = "jsonl", path: Path = ROLLBACK,
         overrides: tuple[str, ...] = SCALED) -> Path:
    return run_scenario(str(path), overrides=overrides, out=str(out), progress=False,
                        event_log=event_log).published.path


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    published = _run(tmp_path_factory.mktemp("migration"))
    write_report(published)
    return published


def _page(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


def _cells(row: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_the_facts_and_the_question_name_both_clusters(folder: Path) -> None:
    page = _page(folder)
    assert ("<div><dt>Cluster old</dt><dd>CUCM 10.5 non-secure: old-pub, old-sub1, old-sub2"
            "</dd></div>") in page
    assert ("<div><dt>Cluster new</dt><dd>CUCM 14.0 non-secure: new-pub, new-sub1, new-sub2"
            "</dd></div>") in page
    assert "What happens to the 120 phones of clusters old and new\n" in page


def test_the_plan_names_the_cluster_each_operation_acted_on(folder: Path) -> None:
    """The event log names the cluster of an operation on one (device records on new, the
    rollback parameter on old); a move names its destination."""
    page = _page(folder)
    plan = page[page.index('<table class="plan">'):]
    plan = plan[:plan.index("</table>")]
    assert "<th>Operation</th><th>Cluster</th><th>Node</th>" in plan
    rows = [_cells(r) for r in re.findall(r'<tr class="done".*?</tr>', plan, re.S)]
    assert [(r[2], r[3]) for r in rows] == [
        ("Bulk Administration > Phones > Insert Phones", "new"),
        ("Prepare Cluster for Rollback to pre-8.0 = True", "old"),
        ("move phones", "to new"), ("move phones", "to new")]


def test_the_alerts_say_which_cluster_raised_them(folder: Path) -> None:
    """Both clusters raise the daily RTMT alert (A7): one entry each, not one merged."""
    page = _page(folder)
    assert "CUCM also raised 2 alerts\nby itself" in page
    assert "(on old: 1d (Sat 18:00), 2d (Sun 18:00), 3d (Mon 18:00))" in page
    assert "(on new: 1d (Sat 18:00), 2d (Sun 18:00), 3d (Mon 18:00))" in page


def test_the_phones_by_cluster_are_the_summarys(folder: Path) -> None:
    """I54: every moved phone points at new; the weekend phones that locked were fixed, so all
    are registered there at the end; old keeps none."""
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    shown = {key: int(text.replace(",", "")) for key, text in re.findall(
        r'data-metric="(clusters\.[^"]+)">([\d,]+)<', _page(folder))}
    expected = {}
    for name in ("old", "new"):
        c = summary["clusters"][name]
        expected |= {f"clusters.{name}.phones": c["phones"],
                     f"clusters.{name}.final_states.locked": c["final_states"]["locked"],
                     f"clusters.{name}.registered_final": c["registered_final"],
                     f"clusters.{name}.moved_in": c["moved_in"]}
    assert shown == expected
    assert (shown["clusters.new.phones"], shown["clusters.new.registered_final"],
            shown["clusters.old.phones"]) == (120, 120, 0)
    page = _page(folder)
    assert page.index("clusters.old.phones") < page.index("clusters.new.phones")  # file order


def test_between_cluster_assumptions_only_on_a_page_with_several_clusters(
        folder: Path, tmp_path: Path) -> None:
    """A one-cluster summary does not record ``bulk_import_restarts_tvs`` (it decides nothing
    there): its page neither lists it nor calls it changed."""
    assert "<td><code>bulk_import_restarts_tvs</code></td>" in _page(folder)
    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL_RUN)
    single = write_report(_run(tmp_path, path=scenario, overrides=())).read_text(
        encoding="utf-8")
    assert "bulk_import_restarts_tvs" not in single and "badge changed" not in single
    assert "<th>Cluster</th>" not in single and "Phones by cluster" not in single


def test_a_parquet_event_log_gives_the_same_page(folder: Path, tmp_path: Path) -> None:
    """Parquet keeps ``args`` as JSON text and ``cluster`` as a column: the same plan."""
    assert write_report(_run(tmp_path, "parquet")).read_text(encoding="utf-8") == _page(folder)


def test_the_work_list_names_each_phones_cluster(folder: Path) -> None:
    """With several clusters the work list's CSV has a cluster column (device pool names are
    per cluster): each phone's is the cluster of the TFTP server it asks at the end
    (devicetlinfo.csv), where a technician finds its device record; the page groups the sites
    by cluster. A one-cluster list keeps its columns (tests/test_report.py)."""
    import csv
    import io

    from sim.output.reportdata import read_run

    run = read_run(folder)
    rows = list(csv.DictReader(io.StringIO(run.work_csv())))
    assert run.work_csv().splitlines()[0] == (
        "device_name,cluster,device_pool,model,description,directory_number,owner,population,"
        "why,state_at_end,itl_file_status")
    with open(folder / "devicetlinfo.csv", encoding="utf-8", newline="") as handle:
        tftp = {r["phone"]: r["tftp_server"] for r in csv.DictReader(handle)}
    assert rows and {r["cluster"] for r in rows} <= {"old", "new"}
    assert all(r["cluster"] == tftp[r["device_name"]].split("-")[0] for r in rows)
    page = _page(folder)
    assert "<th>Cluster</th><th>Site (device pool)</th><th>Model</th>" in page
    first = run.sites[0]
    assert (f"<tr><td>{first[0]}</td><td>{first[1]}</td><td>{first[2]}</td>"
            f"<td class=\"num\">{first[3]}</td></tr>") in page
