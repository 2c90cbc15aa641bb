"""Scenario files with several clusters: ``[[clusters]]``, populations and events on a cluster,
the actions between clusters, and the mistakes ``itlsim validate`` explains in one line (I49,
I53)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from migration_helpers import BULK, MOVE, SFTP, clusters_toml, event, scenario_toml

from sim.errors import ConfigError
from sim.scenario.migration import MIGRATION_ACTIONS
from sim.scenario.scenario import (
    Scenario,
    describe,
    load_scenario,
    resolved_dict,
    scenario_from_dict,
    scenario_hash,
)

MIGRATION_SAMPLES: dict[str, dict[str, object]] = {
    "add_device_records": {"cluster": "new", "population": "office"},
    "move_phones": {"population": "office", "to": "new"},
    "import_certificates": {"from": "new", "to": "old"},
    "bulk_cert_export": {"cluster": "new", "sftp_host": SFTP.host},
    "bulk_cert_consolidate": {"cluster": "old"},
    "bulk_cert_import": {"cluster": "new"},
}


def load(tmp_path: Path, text: str, *overrides: str) -> Scenario:
    path = tmp_path / "s.toml"
    path.write_text(text)
    return load_scenario(path, overrides=overrides)


def fails(tmp_path: Path, text: str, *overrides: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text, *overrides)
    return info.value


def test_every_migration_action_has_a_sample():
    assert set(MIGRATION_SAMPLES) == set(MIGRATION_ACTIONS)


@pytest.mark.parametrize("action", sorted(MIGRATION_SAMPLES))
def test_every_migration_action_validates_and_fills_its_arguments(tmp_path, action):
    scenario = load(tmp_path, scenario_toml(event(action, **MIGRATION_SAMPLES[action])))
    (e,) = [e for e in scenario.events if e.index == 1]  # after the base's device records
    assert set(e.args) == set(MIGRATION_ACTIONS[action].args)
    assert e.cluster == (MIGRATION_SAMPLES[action].get("cluster") or "")


def test_defaults_of_a_move_come_from_the_destination_and_its_device_records(tmp_path):
    scenario = load(tmp_path, scenario_toml(MOVE))
    move = scenario.events[-1]
    assert move.args["tftp"] == ["new-pub", "new-sub"]  # every TFTP node of the destination
    assert move.args["cm_group"] == ["new-sub", "new-pub"]  # the device records' CM group
    records = scenario.events[0]
    assert (records.action, records.cluster) == ("add_device_records", "new")


def test_a_two_cluster_scenario_is_described_and_reads_back_with_the_same_identity(tmp_path):
    scenario = load(tmp_path, scenario_toml(BULK + MOVE))
    assert describe(scenario).startswith(
        "scenario 's': 2 clusters (old: 2-node 10.5 non-secure, new: 2-node 11.5 non-secure), "
        "1 population / 40 phones, 7 events")
    plain = json.loads(json.dumps(resolved_dict(scenario)))
    assert [c["name"] for c in plain["clusters"]] == ["old", "new"] and "cluster" not in plain
    assert plain["phones"][0]["cluster"] == "old"
    assert plain["assumptions"]["bulk_import_restarts_tvs"] is True
    again = scenario_from_dict(plain)
    assert scenario_hash(again) == scenario_hash(scenario)


def test_a_one_cluster_scenario_records_no_cluster_keys_nor_between_cluster_assumptions():
    path = Path(__file__).parents[1] / "scenarios" / "baseline.toml"
    plain = resolved_dict(load_scenario(path))
    assert "clusters" not in plain and "cluster" not in plain["phones"][0]
    assert "bulk_import_restarts_tvs" not in plain["assumptions"]
    assert all("cluster" not in e for e in plain["events"])


def test_a_skipped_event_is_left_out_before_any_check(tmp_path):
    skipped = event("move_phones", "1h", population="office", to="new", skip=True,
                    cm_group=["nowhere"])
    scenario = load(tmp_path, scenario_toml(skipped))
    assert [e.action for e in scenario.events] == ["add_device_records"]


ERRORS = [
    # (events or text, overrides, key, reason)
    (event("move_phones", "1h", population="office", to="new"), ("events.0.skip=true",),
     "events.1.to",
     "move_phones at 1 h moves population 'office' to cluster 'new', which has no device "
     "records for it yet: an add_device_records event for 'office' with cluster = 'new' must "
     "come at or before the move (the phones need device records on the destination, "
     "TN 215539)"),
    (event("regen_cert", node="old-sub", cert="TVS", cluster="new"), (), "events.1.node",
     "node 'old-sub' is a node of cluster 'old', not of 'new', the cluster this event names"),
    (event("set_rollback", enabled=True), (), "events.1.cluster",
     "set_rollback acts on one cluster and this scenario has several: set cluster = one of "
     "old, new"),
    (event("set_rollback", enabled=True, cluster="nwe"), (), "events.1.cluster",
     "no cluster called 'nwe'; did you mean 'new'? (clusters: old, new)"),
    (event("reset_phones", cluster="new"), (), "events.1.cluster",
     "reset_phones acts on phones or the network, not on one cluster: leave 'cluster' out"),
    (event("move_phones", population="office", to="new", tftp=["old-sub"]), (), "events.1.tftp",
     "node 'old-sub' is a node of cluster 'old', not of 'new' (nodes of cluster 'new' running "
     "TFTP: new-pub, new-sub)"),
    (event("move_phones", population="office", to="new", share=0.5, count=3), (),
     "events.1.count", "give share or count, not both"),
    (event("move_phones", population="office", to="new", count=41), (), "events.1.count",
     "count 41 is more than the 40 phones of population 'office'"),
    (event("import_certificates", **{"from": "new", "to": "new"}), (), "events.1.to",
     "from and to are the same cluster 'new'"),
    (event("add_device_records", population="office", cluster="new", cm_group=["old-pub"]),
     (), "events.1.cm_group",
     "node 'old-pub' is a node of cluster 'old', not of 'new' (nodes of cluster 'new' running "
     "CallManager: new-pub, new-sub)"),
    ("", ('phones.0.cluster="nwe"',), "phones.0.cluster",
     "no cluster called 'nwe'; did you mean 'new'? (clusters: old, new)"),
    ("", ('phones.0.tftp=["new-sub"]',), "phones.0.tftp.0",
     "node 'new-sub' is a node of cluster 'new', not of 'old' (nodes of cluster 'old' running "
     "TFTP: old-pub, old-sub)"),
]


@pytest.mark.parametrize(("events", "overrides", "key", "reason"), ERRORS,
                         ids=[case[3][:48] for case in ERRORS])
def test_validate_explains_mistakes_between_clusters_in_one_line(tmp_path, events, overrides,
                                                                 key, reason):
    err = fails(tmp_path, scenario_toml(events), *overrides)
    assert (err.key, err.reason) == (key, reason)


def test_node_names_are_unique_across_clusters(tmp_path):
    text = scenario_toml().replace('name = "new-sub"', 'name = "old-sub"')
    err = fails(tmp_path, text)
    assert (err.key, err.reason) == ("clusters.1.nodes.1.name", (
        "node name 'old-sub' is also a node of cluster 'old': node names are unique across "
        "clusters (TFTP lists, CM groups and events name nodes without their cluster)"))


def test_cluster_and_clusters_are_exclusive_and_clusters_means_several(tmp_path):
    both = scenario_toml() + '[cluster]\nname = "third"\n'
    err = fails(tmp_path, both)
    assert (err.key, err.reason) == ("clusters", "give either [cluster] (one cluster) or "
                                                 "[[clusters]] (several), not both")
    first = clusters_toml().split('[[clusters]]\nname = "new"')[0]
    one = f'[simulation]\nduration = "1h"\n{first}[[phones]]\nname = "office"\ncount = 1\n'
    err = fails(tmp_path, one)
    assert (err.key, err.reason) == ("clusters", "needs at least 2 entries, got 1")


def test_refusals_the_bulk_steps_will_meet_are_warnings(tmp_path):
    early = event("bulk_cert_consolidate", "5min", cluster="old")
    scenario = load(tmp_path, scenario_toml(early + BULK))
    (warning,) = scenario.warnings
    assert warning.endswith(
        "[events.1.action]: CUCM 10.5 (cluster 'old') refuses bulk_cert_consolidate at 5 min: "
        "Bulk Certificate Management has no SFTP server on this cluster before its first export "
        "(TN 215539); the run simulates the refusal (nothing changes)")
    alone = load(tmp_path, scenario_toml(BULK), "events.1.skip=true")
    assert [w.split("refuses ")[1].split(" at")[0] for w in alone.warnings] == [
        "bulk_cert_consolidate", "bulk_cert_import", "bulk_cert_import"]
