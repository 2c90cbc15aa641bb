"""Moving phones between clusters in simulated time: which TVS a moved phone asks, the CTL of
another cluster (P3d), registration, resets per cluster (I54), batches and phones that were
off (I53), and what the outputs say per cluster."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from migration_helpers import BULK, MOVE, event, scenario_toml
from sim_helpers import simulate_keeping_model

from sim.fleet.run import simulate
from sim.scenario.scenario import load_scenario

HOUR = 3600.0


def run(tmp_path: Path, text: str, *overrides: str):
    path = tmp_path / "migration.toml"
    path.write_text(text)
    return simulate_keeping_model(load_scenario(path, overrides=overrides))


def lines(result, kind: str) -> list[dict]:
    return [e for e in map(json.loads, result.event_lines) if e["kind"] == kind]


def reasons(result, to: str, after: float = 0.0) -> Counter[str]:
    return Counter(e["reason"] for e in lines(result, "phone") if e["to"] == to
                   and e["t"] > after)


def test_P5_a_moved_phone_asks_the_source_tvs_then_holds_the_destination_config(tmp_path):
    """TN 215539, non-secure: ITL through the source TVS, config through the new ITL; from
    then on the phone's TVS and CallManager are the destination's."""
    result, model = run(tmp_path, scenario_toml(BULK + MOVE))
    assert reasons(result, "trusted", after=HOUR) == {"itl:tvs,config:itl": 40}
    assert model.tvs["old-sub"].peak_in_use > 0 and model.tvs["new-sub"].peak_in_use == 0
    for phone in model.phones:
        assert model.config_cluster(phone).name == "new"
        assert model.registration.callmanager(phone).name == "new-sub"
    assert result.summary["clusters"]["new"]["registered_final"] == 40


def test_P5_without_preparation_every_moved_phone_locks_and_keeps_its_source_config(tmp_path):
    result, model = run(tmp_path, scenario_toml(MOVE))
    s = result.summary
    assert s["lock_reasons"] == {"itl-signer-unknown,tvs-unknown-cert": 40}
    assert (s["locked_final"], s["registered_final"]) == (40, 0)
    assert {model.config_cluster(p).name for p in model.phones} == {"old"}
    assert s["clusters"]["new"]["phones"] == 40 and s["clusters"]["new"]["final_states"][
        "locked"] == 40


def test_P9_a_locked_moved_phone_that_registers_registers_to_the_source(tmp_path):
    """Cisco Community (I15): it registers with its last good config, the source's."""
    result, _ = run(tmp_path, scenario_toml(MOVE), "assumptions.locked_phones_register=true")
    clusters = result.summary["clusters"]
    assert clusters["old"]["registered_final"] == 40 and clusters["new"]["phones"] == 40
    assert clusters["new"]["registered_final"] == 0


def test_P3d_a_secure_phone_takes_the_destination_ctl_from_a_server_its_ctl_does_not_list(
        tmp_path):
    """TN 213407 "Verify": the CTL through the source TVS, the ITL through the new CTL."""
    result, model = run(tmp_path, scenario_toml(BULK + MOVE, mode="mixed"))
    assert reasons(result, "trusted", after=HOUR) == {"ctl:tvs,itl:ctl,config:itl": 40}
    new_ctl = model.estate.clusters["new"].ctl_bytes
    assert all(p.trust.ctl.raw == new_ctl for p in model.phones)


def test_P3d_P6a_rollback_on_a_secure_source_locks_every_moved_phone(tmp_path):
    events = BULK + event("set_rollback", "30min", cluster="old", enabled=True) + MOVE
    result, _ = run(tmp_path, scenario_toml(events, mode="mixed"))
    assert result.summary["lock_reasons"] == {"ctl-signer-unknown,tvs-untrusted": 40}


def test_P3b_phones_without_security_by_default_cannot_take_the_destination_ctl(tmp_path):
    extra = 'itl_support = false\nmodel = "CP-7960"\nfirmware = "8.1(2)"\n'
    result, _ = run(tmp_path, scenario_toml(BULK + MOVE, mode="mixed", extra=extra))
    assert result.summary["lock_reasons"] == {"ctl-signer-unknown,no-security-by-default": 40}


def test_I53_phones_move_in_batches_and_phones_that_were_off_boot_into_the_destination(
        tmp_path):
    extra = ('[phones.availability]\noffline_share = 0.25\noffline_from = "0s"\n'
             'returns = "2h"\n')
    move = event("move_phones", "1h", population="office", to="new", batch_size=10,
                 batch_pause="5min")
    result, model = run(tmp_path, scenario_toml(BULK + move, extra=extra))
    moved = sorted({e["t"] for e in lines(result, "phone") if e["reason"] == "moved"})
    assert moved == [HOUR, HOUR + 300, HOUR + 600, HOUR + 900]  # 40 phones, 10 a batch
    back = [e for e in lines(result, "phone") if e["reason"] == "powered-on"]
    assert len(back) == 10 and {e["cluster"] for e in back} == {"new"}
    assert result.summary["clusters"]["new"]["moved_in"] == 40  # off or on, all moved
    assert result.summary["ever_locked"] == 0


def test_I53_a_share_moves_the_first_phones_not_moved_yet(tmp_path):
    moves = (event("move_phones", "1h", population="office", to="new", share=0.25)
             + event("move_phones", "2h", population="office", to="new", count=10))
    result, model = run(tmp_path, scenario_toml(BULK + moves))
    on_new = [p.index for p in model.phones if p.group.cluster == 1]
    assert on_new == list(range(20))
    assert result.summary["clusters"]["old"]["phones"] == 20


def test_I54_an_operation_on_one_cluster_resets_only_the_phones_registered_to_it(tmp_path):
    regen = event("regen_cert", "2h", node="new-sub", cert="CallManager")
    moves = event("move_phones", "1h", population="office", to="new", count=15)
    result, model = run(tmp_path, scenario_toml(BULK + moves + regen))
    auto = [e for e in lines(result, "phone") if e["reason"] == "auto-reset" and e["t"] > HOUR]
    assert len(auto) == 15 and {e["cluster"] for e in auto} == {"new"}
    assert result.summary["ever_locked"] == 0  # the moved phones took the new ITL via TVS


def test_the_event_log_names_the_cluster_of_operations_and_phones(tmp_path):
    result, _ = run(tmp_path, scenario_toml(BULK + MOVE))
    ops = {(e["action"], e.get("cluster")) for e in lines(result, "operation")}
    assert ("bulk_cert_consolidate", "old") in ops and ("move_phones", None) in ops
    assert {e["cluster"] for e in lines(result, "phone") if e["t"] < HOUR} == {"old"}


def test_a_run_with_one_cluster_logs_no_cluster(tmp_path):
    path = Path(__file__).parents[1] / "scenarios" / "baseline.toml"
    result = simulate(load_scenario(path, overrides=("phones.0.count=20", "phones.1.count=5")))
    assert all("cluster" not in e for e in map(json.loads, result.event_lines))
    assert "clusters" not in result.summary
