"""The outcome metrics (sim.fleet.metrics, README "Outcome metrics") on cases whose answer is
known: change logs built by hand, and a scenario with every duration fixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.fleet.collector import BOOTING, LOCKED, OFFLINE, STATE_INDEX, TRUSTED, Collector
from sim.fleet.metrics import (
    ChangeLog,
    change_start,
    lock_reason_phones,
    outcome_metrics,
    percentiles,
    share_needed,
    time_back_to,
    time_to_recover,
)
from sim.fleet.run import simulate
from sim.scenario.events import ACTIONS, DISRUPTIVE_ACTIONS
from sim.scenario.scenario import load_scenario

FIXED = Path(__file__).parent / "data" / "scenarios" / "fixed_times.toml"
LOCK = "itl-signer-unknown,tvs-untrusted"


def fleet(*states: str) -> Collector:
    collector = Collector()
    for phone, state in enumerate(states):
        collector.place(phone, state)
    return collector


def test_disruptive_actions_are_actions() -> None:
    assert DISRUPTIVE_ACTIONS.issubset(ACTIONS)
    assert {"reset_phones", "restart_service", "node_down", "backup_itlrecovery",
            "set_phone_interaction"}.isdisjoint(DISRUPTIVE_ACTIONS)


def test_change_starts_at_the_first_disruptive_operation_cucm_carried_out() -> None:
    ops = [(60.0, {"action": "reset_phones", "status": "done"}),
           (120.0, {"action": "regen_cert", "status": "refused", "command": "set cert regen TVS"}),
           (300.0, {"action": "change_hostname", "status": "done",
                    "command": "set network hostname b"})]
    assert change_start(ops, DISRUPTIVE_ACTIONS, None) == (300.0, "set network hostname b")
    assert change_start(ops, DISRUPTIVE_ACTIONS, 200.0) == (200.0, "first lock")
    assert change_start(ops, DISRUPTIVE_ACTIONS, 400.0) == (300.0, "set network hostname b")
    assert change_start(ops[:2], DISRUPTIVE_ACTIONS, None) == (None, None)


def test_99_percent_rounds_up_and_counts_the_last_recovery_of_each_phone() -> None:
    assert [share_needed(n) for n in (1, 10, 50, 100, 101, 3000)] == [1, 10, 50, 99, 100, 2970]
    assert time_to_recover(np.arange(1.0, 101.0), start=0.5) == 98.5  # 99th of 100
    assert time_to_recover(np.r_[np.arange(1.0, 100.0), np.inf], start=0.0) == 99.0
    assert time_to_recover(np.r_[np.arange(1.0, 99.0), np.inf, np.inf], start=0.0) is None
    assert time_to_recover(np.zeros(0), start=0.0) is None


def test_recovery_is_the_first_working_state_after_the_last_lock() -> None:
    """Phone 0 locks twice and works again at 50; phone 1 recovers at 20 and a planned reboot
    at 30 does not undo it; phone 2 never locks; phone 3 never recovers."""
    log = ChangeLog.build(
        phone=np.array([0, 1, 0, 1, 0, 1, 0, 1, 3]),
        time=np.array([5.0, 5.0, 10.0, 20.0, 30.0, 30.0, 40.0, 35.0, 8.0]),
        new=np.array([STATE_INDEX[s] for s in (LOCKED, LOCKED, TRUSTED, TRUSTED, LOCKED,
                                               BOOTING, TRUSTED, TRUSTED, LOCKED)]),
        initial=np.full(4, STATE_INDEX[TRUSTED]), end=60.0)
    assert log.recovered_at().tolist() == [40.0, 20.0, np.inf]


def test_time_in_states_is_exact_and_clipped_to_the_change() -> None:
    log = ChangeLog.build(phone=np.array([0, 0, 1]), time=np.array([10.0, 25.0, 40.0]),
                          new=np.array([STATE_INDEX[BOOTING], STATE_INDEX[TRUSTED],
                                        STATE_INDEX[OFFLINE]]),
                          initial=np.array([STATE_INDEX[TRUSTED], STATE_INDEX[BOOTING]]),
                          end=100.0)
    booting = np.array([STATE_INDEX[BOOTING]])
    assert log.time_in(booting).tolist() == [15.0, 40.0]
    assert log.time_in(booting, since=20.0).tolist() == [5.0, 20.0]


def test_back_to_the_pre_change_count_must_hold_to_the_end() -> None:
    times = np.array([10.0, 20.0, 30.0, 40.0])
    assert time_back_to(times, np.array([5, 10, 8, 10]), 10, start=5.0, target=10) == 35.0
    assert time_back_to(times, np.array([5, 10, 8, 9]), 10, start=5.0, target=10) is None
    assert time_back_to(times, np.array([10, 10, 10, 10]), 10, start=5.0, target=10) == 0.0
    assert time_back_to(times, np.array([5, 10, 10, 10]), 10, start=25.0, target=10) == 0.0


def test_percentiles_interpolate_linearly_between_ranks() -> None:
    assert percentiles([10.0, 20.0, 30.0, 40.0]) == (25.0, 38.5)
    assert percentiles([]) == (None, None)


def test_outcome_metrics_of_a_hand_built_run() -> None:
    """Three phones; the change (a regeneration) at 100 s. Phone 0 reboots (40 s); phone 1 locks
    at 150 and works again at 400; phone 2 is switched off at 50 s and never returns."""
    collector = fleet(TRUSTED, TRUSTED, TRUSTED)
    collector.change(50.0, 2, TRUSTED, OFFLINE, "powered-off")
    collector.operation(100.0, {"action": "regen_cert", "status": "done",
                                "command": "set cert regen CallManager"})
    for phone in (0, 1):
        collector.change(130.0, phone, TRUSTED, BOOTING, "auto-reset")
    collector.change(150.0, 1, BOOTING, LOCKED, LOCK)
    collector.change(170.0, 0, BOOTING, TRUSTED, "itl:tvs,config:tvs")
    collector.change(360.0, 1, LOCKED, BOOTING, "admin-reset")
    collector.change(400.0, 1, BOOTING, TRUSTED, "itl:sast,config:itl")
    metrics = outcome_metrics(collector, 1000.0, DISRUPTIVE_ACTIONS)
    assert metrics == {
        "change_start_s": 100.0, "change_started_by": "set cert regen CallManager",
        "locked_phone_hours": round(210.0 / 3600, 3),
        "time_to_99pct_locked_recovered_s": 300.0,  # 400 - 100
        "pre_change_working": 2,  # phone 2 was off before the change
        "time_to_pre_change_working_s": 300.0,
        "down_peak": 2,  # phones 0 and 1 from 130 s to 170 s
        "outage_phones": 2, "outage_median_s": 155.0,  # 40 s and 270 s (booting+locked)
        "outage_p95_s": 258.5,
    }
    assert lock_reason_phones(collector) == {LOCK: 1}


def test_down_peak_counts_booting_locked_and_unregistered_phones_after_the_change() -> None:
    """Phone 1 reboots before the change (not counted); after the change at 100 s phone 2 is
    switched off (not down), phone 0 boots and settles unregistered (still down, P9) while
    phone 1 boots: two down at once from 130 s to 140 s."""
    collector = fleet(TRUSTED, TRUSTED, TRUSTED)
    collector.change(50.0, 1, TRUSTED, BOOTING, "admin-reset")
    collector.change(60.0, 1, BOOTING, TRUSTED, "itl:itl,config:itl")
    collector.operation(100.0, {"action": "regen_cert", "status": "done"})
    collector.change(105.0, 2, TRUSTED, OFFLINE, "powered-off")
    collector.change(110.0, 0, TRUSTED, BOOTING, "auto-reset")
    collector.change(120.0, 0, BOOTING, TRUSTED, "itl:itl,config:itl")
    collector.unregister(120.0, None, TRUSTED)
    collector.change(130.0, 1, TRUSTED, BOOTING, "auto-reset")
    collector.change(140.0, 1, BOOTING, TRUSTED, "itl:itl,config:itl")
    assert outcome_metrics(collector, 600.0, DISRUPTIVE_ACTIONS)["down_peak"] == 2


def test_no_change_means_no_outcome_metrics() -> None:
    """baseline.toml's case: resets and a TFTP restart change nothing served."""
    collector = fleet(TRUSTED, TRUSTED)
    collector.operation(60.0, {"action": "reset_phones", "status": "done"})
    collector.change(60.0, 0, TRUSTED, BOOTING, "admin-reset")
    collector.change(120.0, 0, BOOTING, TRUSTED, "itl:itl,config:itl")
    metrics = outcome_metrics(collector, 600.0, DISRUPTIVE_ACTIONS)
    assert metrics["change_start_s"] is None and metrics["locked_phone_hours"] == 0.0
    assert all(metrics[key] is None for key in (
        "time_to_99pct_locked_recovered_s", "time_to_pre_change_working_s", "down_peak",
        "outage_phones",
        "outage_median_s", "outage_p95_s"))


def test_a_phone_locked_twice_is_two_lock_events_and_one_phone() -> None:
    collector = fleet(TRUSTED, TRUSTED)
    for t, phone in ((10.0, 0), (10.0, 1)):
        collector.change(t, phone, TRUSTED, LOCKED, LOCK)
    collector.change(20.0, 0, LOCKED, BOOTING, "admin-reset")
    collector.change(30.0, 0, BOOTING, LOCKED, LOCK)
    assert collector.reasons == {LOCK: 3}
    assert lock_reason_phones(collector) == {LOCK: 2}


@pytest.fixture(scope="module")
def fixed() -> dict:
    return simulate(load_scenario(FIXED)).summary


def test_fixed_durations_give_the_metrics_worked_out_by_hand(fixed: dict) -> None:
    """tests/data/scenarios/fixed_times.toml, every duration fixed (A3, A1b, A4, A11).

    The rename at 600 s restarts TFTP (30 s); CUCM resets the phones at 630 s (A1b). A boot
    that locks: hardware 60 + CTL "file not found" 0.2 + ITL 0.5 + TVS 1 (ITL) + config 3 +
    TVS 1 (config) + register 4 = 69.7 s: locked at 699.7 s. The localkey reset at 30 min,
    then resets of 5 phones at 1,860 s and 2,160 s; a boot that accepts the reset ITL through
    its ITLRecovery SAST needs no TVS: 60 + 0.7 + 3 + 4 = 67.7 s, working at 1,927.7 s and
    2,227.7 s.
    """
    assert fixed["change_start_s"] == 600.0
    assert fixed["ever_locked"] == fixed["lock_events"] == 10
    # 99 % of 10 is all 10: the last works again at 2,227.7 s
    assert fixed["time_to_99pct_locked_recovered_s"] == pytest.approx(2227.7 - 600)
    assert fixed["time_to_pre_change_working_s"] == pytest.approx(2227.7 - 600)
    assert fixed["pre_change_working"] == 10
    locked_seconds = 5 * (1860 - 699.7) + 5 * (2160 - 699.7)
    assert fixed["locked_phone_hours"] == round(locked_seconds / 3600, 3)
    first, second = 69.7 + (1860 - 699.7) + 67.7, 69.7 + (2160 - 699.7) + 67.7
    assert fixed["outage_phones"] == 10
    assert fixed["outage_median_s"] == pytest.approx((first + second) / 2)
    assert fixed["outage_p95_s"] == pytest.approx(second)
