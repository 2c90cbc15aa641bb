"""An imported cluster as the source of a migration (issue 12 on top of issue 13): a
``[[clusters]]`` entry names its real certificates as ``[cluster]`` does, the inventory's real
device names follow the phones to the destination, and ``run.json`` says which cluster each
imported certificate belongs to.

The source is ``scenarios/imported-cluster`` (``itlsim import``'s example) with its ``[cluster]``
turned into the first ``[[clusters]]`` entry; the destination a small non-secure 12.5 cluster.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from engine_helpers import cluster_toml
from migration_helpers import NEW, event

from sim.output.runjob import run_scenario
from sim.scenario.scenario import load_scenario

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "imported-cluster"


def _migration(folder: Path) -> Path:
    """The example with its cluster as ``[[clusters]]`` "acme" (the plan's events on it), a
    second cluster "new", device records for every population on new and a move of them all at
    2h."""
    for name in ("certificates.toml", "inventory.csv"):
        shutil.copyfile(EXAMPLE / name, folder / name)
    text = (EXAMPLE / "scenario.toml").read_text(encoding="utf-8")
    text = (text.replace("[cluster]\n", "[[clusters]]\n")
            .replace("[cluster.organisation]", "[clusters.organisation]")
            .replace("[[cluster.nodes]]", "[[clusters.nodes]]")
            .replace("\naction = ", '\ncluster = "acme"\naction = '))  # the plan's events
    populations = [p.name for p in load_scenario(EXAMPLE / "scenario.toml").populations]
    text += "\n" + cluster_toml("12.5(1)", NEW, name="new", domain="new.example",
                                subnet="10.2.0", table="clusters") + "\n"
    text += event("add_device_records", "0s", cluster="new", population="all")
    text += "".join(event("move_phones", "2h", population=p, to="new") for p in populations)
    path = folder / "migration.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("imported-migration")
    return run_scenario(str(_migration(folder)), out=str(folder / "results"),
                        progress=False).published.path


def test_a_clusters_entry_reads_its_certificates_file_as_cluster_does(tmp_path: Path) -> None:
    alone = load_scenario(EXAMPLE / "scenario.toml")
    both = load_scenario(_migration(tmp_path))
    assert [c.name for c in both.clusters] == ["acme", "new"]
    assert both.clusters[0].nodes == alone.cluster.nodes  # the imported certificates included
    assert any(node.certificates for node in both.clusters[0].nodes)
    assert not any(node.certificates for node in both.clusters[1].nodes)
    assert both.inventory and alone.inventory
    assert (both.inventory.names, both.inventory.sha256) == (alone.inventory.names,
                                                             alone.inventory.sha256)


def test_real_device_names_follow_the_phones_to_the_destination(run_folder: Path) -> None:
    with open(EXAMPLE / "inventory.csv", encoding="utf-8-sig", newline="") as handle:
        inventory = {row["device_name"]: row["population"] for row in csv.DictReader(handle)}
    with open(run_folder / "devicetlinfo.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["phone"]: row["population"] for row in rows} == inventory
    assert {row["tftp_server"] for row in rows} <= {"new-pub", "new-sub"}  # all moved
    summary = json.loads((run_folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["clusters"]["new"]["moved_in"] == len(inventory) == 208


def test_run_json_names_the_cluster_of_each_imported_certificate(run_folder: Path) -> None:
    """Only acme imports certificates; new's are simulated, and every row says whose it is."""
    rows = json.loads((run_folder / "run.json").read_text(encoding="utf-8"))["certificates"]
    assert {row["cluster"] for row in rows} == {"acme", "new"}
    assert {row["how"] for row in rows if row["cluster"] == "new"} == {"simulated"}
    acme = [row for row in rows if row["cluster"] == "acme"]
    assert {row["node"] for row in acme} == {"cucm-pub", "cucm-sub1", "cucm-sub2"}
    assert {row["how"] for row in acme} == {"real record kept",
                                            "re-keyed twin (simulation-only key)"}
