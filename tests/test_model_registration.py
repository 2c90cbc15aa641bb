"""Registration (P9, P9a), DeviceTLInfo from t = 0 (O2a), an IP change in time (A3a, P3c), and
the assumptions a run records and a sweep varies (point 8), on small simulated fleets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from engine_helpers import PUB, SUB, cluster_toml
from sim_helpers import simulate_keeping_model

from sim.fleet.collector import LOCKED, STATES
from sim.fleet.run import RunResult
from sim.output.runfolder import timeseries_rows, write_run
from sim.scenario.scenario import load_scenario
from sim.sweep.spec import load_sweep
from sim.sweep.store import flatten

SIMULATION = """
[simulation]
duration = "{duration}"
seed = 7
resolution = "1min"
"""


def run(tmp_path: Path, body: str, *, version: str = "12.5", mode: str = "non-secure",
        duration: str = "2h", overrides: tuple[str, ...] = ()) -> tuple[RunResult, Any]:
    path = tmp_path / "s.toml"
    path.write_text(scenario_text(version, mode, duration) + body)
    return simulate_keeping_model(load_scenario(path, overrides=overrides))


def scenario_text(version: str, mode: str, duration: str) -> str:
    """A two-node cluster (pub, sub at 10.0.0.10 and .11, 1024-bit keys) and its run."""
    return (SIMULATION.format(duration=duration)
            + cluster_toml(version, (PUB, SUB), security_mode=mode))


def registered_at(result: RunResult, at: float) -> int:
    return int(result.registered_at(np.array([at]))[0].sum())


def event(at: str, action: str, **args: object) -> str:
    values = "".join(f"{k} = {json.dumps(v)}\n" for k, v in args.items())
    return f'\n[[events]]\nat = "{at}"\naction = "{action}"\n{values}'


PHONES = """
[[phones]]
name = "office"
count = 30
tftp = ["sub", "pub"]
cm_group = ["sub", "pub"]
"""


# -- O2a: DeviceTLInfo from t = 0 -------------------------------------------------------------

def test_O2a_pre_change_audit_9x_era_itls_show_mismatch_and_no_bulk_recovery(tmp_path: Path
                                                                             ) -> None:
    """Seed: DeviceTLInfo finds the phones whose ITL lacks the ITLRecovery record before any
    change. Registered phones on firmware 9.4(1)+ have reported at registration; older
    firmware reports nothing."""
    result, _ = run(tmp_path, """
[[phones]]
name = "current"
count = 27
[[phones]]
name = "legacy"
count = 3
initial_itl = "pre10"
firmware = "9.4(2)SR3"
[[phones]]
name = "old-firmware"
count = 2
initial_itl = "pre10"
firmware = "9.3(4)"
""", version="10.5(2)", duration="10min")
    s = result.summary
    assert s["itl_file_status"] == {"Match": 27, "MisMatch": 3, "Unknown": 2}
    assert s["not_recoverable_by_bulk_reset"] == 5
    assert s["registered_final"] == 32 and s["phone_boots"] == 0
    rows = {row[0]: row for row in result.devicetlinfo}
    legacy = [row for row in rows.values() if row[1] == "legacy"]
    assert {(row[5], row[6], row[8]) for row in legacy} == {("MisMatch", False, True)}


def test_O2a_status_compares_with_the_tftp_server_the_phone_used_last(tmp_path: Path) -> None:
    """Their first TFTP server (sub) is stopped when they reset, so they take pub's ITL; once
    sub serves again, their hash matches pub's, not sub's (each node's ITL differs, T3)."""
    result, model = run(tmp_path, PHONES + event("10min", "stop_service", node="sub",
                                                  service="TFTP")
                        + event("20min", "reset_phones")
                        + event("40min", "start_service", node="sub", service="TFTP"))
    assert {row[2] for row in result.devicetlinfo} == {"pub"}
    assert {phone.tftp_used for phone in model.phones} == {"pub"}
    assert result.summary["itl_file_status"] == {"Match": 30}
    cluster = model.cluster
    assert cluster.itl_hashes["sub"] != cluster.itl_hashes["pub"]


# -- P9: registration --------------------------------------------------------------------------

def test_P9_phones_unregister_when_no_callmanager_of_their_cm_group_is_up(tmp_path: Path
                                                                         ) -> None:
    body = """
[[phones]]
name = "office"
count = 30
tftp = ["pub"]
cm_group = ["sub"]
""" + event("10min", "node_down", node="sub") + event("40min", "node_up", node="sub")
    result, model = run(tmp_path, body)
    assert registered_at(result, 9 * 60) == 30
    assert registered_at(result, 30 * 60) == 0  # trusted, but no CallManager answers
    assert registered_at(result, 50 * 60) == 30  # they retried once sub was back
    s = result.summary
    assert (s["registered_final"], s["unregistered_final"], s["locked_peak"]) == (30, 0, 0)
    # one retry on losing the registration, one when sub is back; no reboot
    assert s["registration_retries"] == 60 and s["phone_boots"] == 0
    rows = list(timeseries_rows(result))  # time_s, state, phones, registered
    assert (1800, "trusted", 30, 0) in rows and (3000, "trusted", 30, 30) in rows


REGEN_BOTH = (event("10min", "regen_cert", node="pub", cert="CallManager", restart_tftp=False)
              + event("16min", "regen_cert", node="pub", cert="TVS", restart_tftp=False)
              + event("22min", "restart_service", node="all", service="TFTP")
              + event("25min", "reset_phones"))
SINGLE = """
[[phones]]
name = "office"
count = 30
tftp = ["pub"]
cm_group = ["pub"]
"""


def test_P9_P9a_locked_phones_do_not_register_and_resets_do_not_reach_them(tmp_path: Path
                                                                          ) -> None:
    """TechNotes 214231, 225746: phones with a bad ITL do not register; a reset travels over
    the registration, so a second reset reboots nobody."""
    result, model = run(tmp_path, SINGLE + REGEN_BOTH + event("50min", "reset_phones"),
                        version="10.5")
    s = result.summary
    assert s["locked_final"] == 30 and s["registered_final"] == 0
    assert s["unregistered_final"] == 30
    # CUCM's resets at 10 and 16 min (A1b) and the 25min reset; the 50min one reaches nobody
    assert s["phone_boots"] == 90
    assert all(not phone.registered for phone in model.phones)


def test_P9_I15_assumption_locked_phones_register_with_their_last_good_config(tmp_path: Path
                                                                             ) -> None:
    result, _ = run(tmp_path, SINGLE + REGEN_BOTH + event("50min", "reset_phones"),
                    version="10.5", overrides=("assumptions.locked_phones_register=true",))
    s = result.summary
    assert s["locked_final"] == 30 and s["registered_final"] == 30
    assert s["phone_boots"] == 120  # registered, so the 50min reset reaches them
    assert s["assumptions"]["locked_phones_register"] is True


def test_P9_locked_unregistered_phones_pick_up_a_bulk_reset_itl_by_themselves(tmp_path: Path
                                                                             ) -> None:
    """TechNote 225746: `utils itl reset localkey` "affects all phones including registered
    phones": the unregistered ones come back through TFTP and take it."""
    result, _ = run(tmp_path, SINGLE + REGEN_BOTH + event("40min", "itl_reset", mode="localkey"),
                    version="10.5")
    s = result.summary
    assert s["locked_peak"] == 30 and s["locked_final"] == 0
    assert s["recovered_bulk"] == 30 and s["registered_final"] == 30
    assert s["phone_boots"] == 90  # nobody reset them after the localkey: they retried


# -- A3a, P3c: an IP address change in time --------------------------------------------------

IP_PHONES = """
[[phones]]
name = "office"
count = 20
tftp = ["sub"]
cm_group = ["sub"]
"""


def test_A3a_after_an_ip_change_phones_need_option_150_and_a_new_config(tmp_path: Path) -> None:
    """"Changing the IP Address and Hostname for CUCM 12.5(1)": the node restarts; phones
    register by the address their config names and fetch files at the address DHCP option 150
    gives them, so they stay unregistered until option 150 is updated."""
    body = (IP_PHONES + event("10min", "change_ip", node="sub", new_ip="10.0.1.11")
            + event("30min", "update_option150"))
    result, model = run(tmp_path, body)
    assert registered_at(result, 9 * 60) == 20
    assert registered_at(result, 25 * 60) == 0
    s = result.summary
    assert (s["registered_final"], s["locked_peak"], s["phone_boots"]) == (20, 0, 0)
    assert {p.config.callmanagers for p in model.phones} == {(("sub", "10.0.1.11"),)}


def test_P3c_a_secure_phone_refuses_a_tftp_address_its_ctl_does_not_list(tmp_path: Path) -> None:
    """Same change in mixed mode without `utils ctl update CTLFile`: the CTL names the old
    address, so the phones refuse the TFTP server at the new one."""
    body = (IP_PHONES + event("10min", "change_ip", node="sub", new_ip="10.0.1.11")
            + event("30min", "update_option150"))
    result, _ = run(tmp_path, body, mode="mixed")
    s = result.summary
    assert s["locked_final"] == 20 and s["lock_reasons"] == {"tftp-not-in-ctl": 20}
    assert s["registered_final"] == 0


def test_P3c_phones_that_still_reach_a_listed_tftp_server_take_the_updated_ctl(tmp_path: Path
                                                                              ) -> None:
    body = PHONES + (event("10min", "change_ip", node="sub", new_ip="10.0.1.11")
                     + event("20min", "update_option150") + event("30min", "ctl_update")
                     + event("50min", "reset_phones"))
    result, model = run(tmp_path, body, mode="mixed")
    assert result.summary["locked_peak"] == 0
    assert {phone.tftp_used for phone in model.phones} == {"sub"}  # listed again


# -- point 8: assumptions are recorded and swept -----------------------------------------------

def test_assumptions_are_recorded_in_summary_and_run_json(tmp_path: Path) -> None:
    result, _ = run(tmp_path, SINGLE, duration="5min",
                    overrides=("assumptions.tvs_capacity=7",))
    recorded = result.summary["assumptions"]
    assert recorded["tvs_capacity"] == 7 and recorded["locked_phones_register"] is False
    assert recorded["tvs_latency"] == {"dist": "uniform", "low": 0.5, "high": 1.7}
    folder = write_run(result, tmp_path / "out", provenance={"seed": 7}).path
    assert json.loads((folder / "run.json").read_text())["assumptions"] == recorded
    # a sweep stores them with the run, not as outcome metrics
    assert "locked_final" in flatten(result.summary)
    assert not any(name.startswith("assumptions") for name in flatten(result.summary))


def test_a_sweep_varies_an_assumption_like_any_other_key(tmp_path: Path) -> None:
    base = tmp_path / "base.toml"
    base.write_text(scenario_text("10.5", "non-secure", "1h") + SINGLE + REGEN_BOTH)
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'[sweep]\nbase = "{base.as_posix()}"\nreplications = 1\n'
                     '[parameters.register]\npath = "assumptions.locked_phones_register"\n'
                     "values = [false, true]\n")
    spec = load_sweep(sweep)
    scenarios = [spec.scenario(point) for point in spec.points]
    assert [s.assumptions["locked_phones_register"] for s in scenarios] == [False, True]
    finals = [simulate_keeping_model(s)[0].summary["registered_final"] for s in scenarios]
    assert finals == [0, 30]


def test_series_keep_one_column_per_state_and_registered_per_state(tmp_path: Path) -> None:
    result, _ = run(tmp_path, SINGLE + REGEN_BOTH, version="10.5", duration="40min")
    assert result.states == STATES
    locked = STATES.index(LOCKED)
    last_counts, last_registered = result.series[-1][1], result.registered_at(np.array([2400.0]))
    assert last_counts[locked] == 30 and last_registered[0][locked] == 0
