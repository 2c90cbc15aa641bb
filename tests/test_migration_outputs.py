"""What a run with several clusters writes and prints: ``clusters.csv``, the per-cluster lines
of the summary, the plot's panel of phones by cluster, and ``make-itl --cluster``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from migration_helpers import BULK, MOVE, scenario_toml
from sim_helpers import simulate_keeping_model

from sim.cli import main
from sim.fleet.run import simulate
from sim.output.runfolder import text_summary, write_run
from sim.scenario.scenario import load_scenario
from sim.trust import trustlist


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    path = tmp_path_factory.mktemp("migration") / "migration.toml"
    path.write_text(scenario_toml(BULK + MOVE))
    return simulate(load_scenario(path))


def test_clusters_csv_counts_option150_and_registrations_per_cluster(result, tmp_path):
    folder = write_run(result, tmp_path / "run", provenance={}).path
    rows = list(csv.DictReader((folder / "clusters.csv").open()))
    at = {(row["time_s"], row["cluster"]): (int(row["option150"]), int(row["registered"]))
          for row in rows}
    assert at[("0", "old")] == (40, 40) and at[("0", "new")] == (0, 0)
    last = rows[-1]["time_s"]
    assert at[(last, "new")] == (40, 40) and at[(last, "old")] == (0, 0)
    assert (folder / "recovery.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_one_cluster_run_writes_no_clusters_csv(tmp_path):
    path = Path(__file__).parents[1] / "scenarios" / "baseline.toml"
    run = simulate(load_scenario(path, overrides=("phones.0.count=10", "phones.1.count=5")))
    folder = write_run(run, tmp_path / "run", provenance={}).path
    assert not (folder / "clusters.csv").exists()


def test_the_parquet_event_log_names_the_cluster_of_phones_and_operations(result, tmp_path):
    import duckdb

    folder = write_run(result, tmp_path / "run", provenance={}, event_log="parquet").path
    rows = duckdb.sql(f"SELECT kind, action, cluster, count(*) AS n FROM "
                      f"'{folder / 'events.parquet'}' GROUP BY ALL").fetchall()
    counts = {(kind, action, cluster): n for kind, action, cluster, n in rows}
    assert counts[("operation", "bulk_cert_consolidate", "old")] == 1
    assert counts[("operation", "move_phones", None)] == 1
    jsonl = [line for line in result.event_lines if '"kind": "phone"' in line]
    for name in ("old", "new"):
        phones = sum(n for (kind, _, cluster), n in counts.items()
                     if kind == "phone" and cluster == name)
        assert phones == sum(f'"cluster": "{name}"' in line for line in jsonl) > 0


def test_the_printed_summary_has_a_line_per_cluster(result):
    lines = [line for line in text_summary(result).splitlines() if "cluster " in line]
    assert lines == [
        "  cluster old: 0 phones pointed here by option 150 (0 locked), 0 registered here, "
        "0 moved in",
        "  cluster new: 40 phones pointed here by option 150 (0 locked), 40 registered here, "
        "40 moved in"]


def write_clusters(tmp_path: Path) -> Path:
    path = tmp_path / "clusters.toml"
    path.write_text(scenario_toml())
    return path


def test_make_itl_writes_a_node_of_the_cluster_named_with_the_keys_of_a_run(tmp_path):
    """The scenario's seed is 7: the ITL is the one its run serves at t = 0."""
    out = tmp_path / "new-sub.tlv"
    done = CliRunner().invoke(main, ["make-itl", str(write_clusters(tmp_path)), "--cluster",
                                     "new", "--node", "new-sub", "--seed", "7", "--out", str(out)])
    assert done.exit_code == 0, done.output
    written = trustlist.parse(out.read_bytes())
    _, model = simulate_keeping_model(load_scenario(write_clusters(tmp_path)))
    assert written.raw == model.estate.clusters["new"].served["new-sub"].itl.raw
    assert written.signer_name.startswith("CN=new-sub.new.example")  # 11.5: CallManager signs


@pytest.mark.parametrize(("args", "message"), [
    ((), "[--cluster]: the file describes several clusters (old, new): choose one with "
         "--cluster"),
    (("--cluster", "nwe"), "[--cluster]: no cluster called 'nwe'; did you mean 'new'? "
                           "(clusters: old, new)"),
    (("--cluster", "new", "--node", "old-sub"),
     "[--node]: node 'old-sub' is a node of cluster 'old', not of 'new' (nodes of cluster "
     "'new': new-pub, new-sub)"),
])
def test_make_itl_with_several_clusters_explains_a_missing_or_wrong_cluster(tmp_path, args,
                                                                            message):
    node = () if "--node" in args else ("--node", "new-sub")
    done = CliRunner().invoke(main, ["make-itl", str(write_clusters(tmp_path)), *node, *args,
                                     "--out", str(tmp_path / "x.tlv")])
    assert done.exit_code != 0
    assert done.output.strip().endswith(message)
    assert len(done.output.strip().splitlines()) == 1
