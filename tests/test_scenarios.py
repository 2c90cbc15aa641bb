"""The scenario library (``scenarios/*.toml``): every file validates, and every scenario shows,
scaled down, the outcome its header claims, in the summary's numbers.

Each scenario has one entry in ``CHECKS``: the overrides that scale it down (phone counts, TFTP
serving count and reset batch sizes divided by about 10, so shares and the storm's shape stay
what the file describes) and the assertions. A scenario file without an entry fails
``test_scenario_outcome``; a cluster-only file (``[cluster]`` without ``[simulation]``, for
``make-itl``) is checked as a cluster file instead. Runs are cached per override set, so the
determinism test costs one extra run per scenario.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sim_helpers import simulate_keeping_model

from sim.cluster.cluster import Cluster
from sim.cluster.phone import sast_records
from sim.fleet.collector import STATES
from sim.fleet.run import RunResult
from sim.scenario.clusterfile import load_cluster_file
from sim.scenario.scenario import load_scenario, validate_file
from sim.trust.certificates import Role

SCENARIOS = Path(__file__).parents[1] / "scenarios"
FILES = sorted(SCENARIOS.glob("*.toml"))
HOUR = 3600.0
DAY = 24 * HOUR


def is_scenario(path: Path) -> bool:
    """A scenario file has a [simulation] table; a cluster file (make-itl) has none."""
    return "simulation" in tomllib.loads(path.read_text())


# -- running ---------------------------------------------------------------------------------

@dataclass
class Run:
    """A finished run and the model behind it (captured for checks the summary cannot make)."""

    result: RunResult
    model: Any

    @property
    def summary(self) -> dict[str, Any]:
        return self.result.summary

    @property
    def total(self) -> int:
        return self.summary["phones_total"]

    def count_at(self, state: str, at: float) -> int:
        """Phones in ``state`` at the last time-series sample at or before ``at``."""
        index = STATES.index(state)
        return [counts for t, counts in self.result.series if t <= at][-1][index]

    def phone_changes(self) -> list[dict[str, Any]]:
        return [e for e in map(json.loads, self.result.event_lines) if e["kind"] == "phone"]

    def operations(self) -> list[dict[str, Any]]:
        return [e for e in map(json.loads, self.result.event_lines) if e["kind"] == "operation"]

    def reasons(self, to: str, after: float = 0.0) -> Counter[str]:
        """Why phones moved to ``to`` after ``after`` seconds (e.g. "itl:tvs,config:itl")."""
        return Counter(e["reason"] for e in self.phone_changes()
                       if e["to"] == to and e["t"] > after)


def run(path: Path, overrides: tuple[str, ...]) -> Run:
    """Simulate ``path`` with ``overrides``, keeping the model that ``summarise`` saw."""
    return Run(*simulate_keeping_model(load_scenario(path, overrides=overrides)))


@cache
def cached_run(name: str, overrides: tuple[str, ...]) -> Run:
    return run(SCENARIOS / f"{name}.toml", overrides)


def counts(*values: int) -> tuple[str, ...]:
    """``phones.N.count`` overrides, one per population in file order."""
    return tuple(f"phones.{i}.count={n}" for i, n in enumerate(values))


def batches(size: int, *events: int) -> tuple[str, ...]:
    return tuple(f"events.{i}.batch_size={size}" for i in events)


# -- the claims, scenario by scenario ----------------------------------------------------------

@dataclass(frozen=True)
class Check:
    overrides: tuple[str, ...]
    verify: Callable[[Run], None]
    contrasts: tuple[tuple[tuple[str, ...], Callable[[Run], None]], ...] = field(default=())
    """Variants the header mentions ("without the parameter ..."): extra overrides, claim."""


def nothing_locks(r: Run) -> None:
    s = r.summary
    assert (s["locked_peak"], s["locked_final"], s["ever_locked"]) == (0, 0, 0)
    assert s["lock_reasons"] == {}


def all_match(r: Run, unknown: int = 0) -> None:
    expected = {"Match": r.total - unknown} | ({"Unknown": unknown} if unknown else {})
    assert r.summary["itl_file_status"] == expected


def bulk_recovered_everything(r: Run, locked: int) -> None:
    s = r.summary
    assert s["ever_locked"] == locked
    assert (s["recovered_bulk"], s["recovered_manual"], s["not_recovered"]) == (locked, 0, 0)
    assert (s["locked_final"], s["manual_visits"], s["remote_fixes"]) == (0, 0, 0)
    assert s["final_states"]["trusted"] == r.total


def check_baseline(r: Run) -> None:
    s = r.summary
    nothing_locks(r)
    assert s["final_states"]["trusted"] == r.total == 600
    all_match(r, unknown=40)  # Jabber sends no DeviceTLInfo (P8, O2)
    assert s["tftp_peak_queue"] == 0 and 0 < s["tftp_peak_in_use"] <= 50
    assert s["phone_boots"] == r.total  # one reset each; the TFTP restart resets nobody
    assert s["operations"] == {"done": 2, "refused": 0}


def check_safe_callmanager_regen(r: Run) -> None:
    nothing_locks(r)
    assert r.reasons("trusted", after=30 * 60) == {"itl:tvs,config:itl": r.total}
    assert r.summary["tvs_peak_in_use"] > 0
    all_match(r)


def check_callmanager_and_tvs_regen(r: Run) -> None:
    s = r.summary
    locked = s["locked_peak"]
    assert 0.3 * r.total < locked < 0.7 * r.total  # those still queued at TFTP at 22:06
    assert s["lock_reasons"] == {"itl-signer-unknown,tvs-untrusted": locked}
    assert s["tftp_peak_queue"] > r.total / 2 and s["tftp_peak_in_use"] == 10
    assert r.count_at("locked", 1.5 * HOUR) == locked  # locked until the localkey reset
    bulk_recovered_everything(r, locked)
    all_match(r)


def check_tvs_after_the_storm(r: Run) -> None:
    """Contrast: the same storm, TVS regenerated once every phone has the intermediate ITL."""
    nothing_locks(r)


def check_hold_timer_refusal(r: Run) -> None:
    nothing_locks(r)
    assert r.summary["operations"] == {"done": 2, "refused": 1}
    refused = [op for op in r.operations() if op["status"] == "refused"]
    assert refused[0]["t"] == 32 * 60
    assert refused[0]["message"] == ("CallManager certificate was modified in the last 5 "
                                     "minutes. Please re-try regenerating TVS certificate at a "
                                     "later time")
    assert r.summary["phone_boots"] == 2 * r.total  # the refused attempt reset nobody
    all_match(r)


def check_hostname_change_localkey(r: Run) -> None:
    s = r.summary
    assert s["locked_peak"] == r.total == 300
    assert s["lock_reasons"] == {"itl-signer-unknown,tvs-untrusted": r.total}
    bulk_recovered_everything(r, r.total)
    assert s["recovered_tvs"] == 0  # the reset ITL's signer, ITLRecovery, is a SAST they hold
    all_match(r)


REBUILD_LOCK = "itl-signer-unknown,tvs-untrusted"


def check_publisher_rebuild_remotekey(r: Run) -> None:
    s = r.summary
    assert s["locked_peak"] == r.total == 140
    assert s["lock_reasons"] == {REBUILD_LOCK: r.total}
    assert s["operations"]["refused"] == 1
    refused = next(op for op in r.operations() if op["status"] == "refused")
    assert "SFTP authentication failed" in refused["message"]
    assert "No changes were made" in refused["message"]
    bulk_recovered_everything(r, r.total)
    # the rebuilt publisher's ITLRecovery was replaced by the saved key (A5)
    original = Cluster.from_spec(r.result.scenario.cluster, r.result.scenario.seed)
    assert r.model.cluster.itl_recovery.identity == original.itl_recovery.identity


def check_remotekey_bad_password_twice(r: Run) -> None:
    """Contrast: both attempts mistyped: refused twice, nothing changed, all still locked."""
    s = r.summary
    assert s["operations"]["refused"] == 2
    assert s["locked_final"] == r.total and s["recovered_bulk"] == 0
    original = Cluster.from_spec(r.result.scenario.cluster, r.result.scenario.seed)
    assert r.model.cluster.itl_recovery.identity != original.itl_recovery.identity


def check_publisher_rebuild_no_backup(r: Run) -> None:
    s = r.summary
    assert s["locked_peak"] == r.total == 140
    # locked once each: unregistered (P9), the resets after localkey do not reach them
    assert s["lock_reasons"] == {REBUILD_LOCK: r.total}
    assert r.count_at("locked", DAY + 8 * HOUR) == r.total  # localkey did not help
    assert s["registered_final"] == r.total and s["unregistered_final"] == 0
    assert (s["recovered_bulk"], s["recovered_manual"], s["not_recovered"]) == (0, r.total, 0)
    assert (s["manual_visits"], s["remote_fixes"]) == (100 + 15, 25)
    assert s["locked_final"] == 0
    # technicians fix phones only in working hours (08:00-17:00 plus the last job's length)
    series = r.result.series
    locked = STATES.index("locked")
    for (_, before), (t, after) in zip(series, series[1:], strict=False):
        if after[locked] < before[locked] and t > DAY:
            assert 8 * HOUR < t % DAY <= 17 * HOUR + 40 * 60, t


def check_pre10_fleet_technicians(r: Run) -> None:
    s = r.summary
    assert s["locked_peak"] == r.total == 400
    assert r.count_at("locked", DAY + 7 * HOUR) == 20  # the 5% 9.x-era phones
    assert (s["recovered_bulk"], s["recovered_manual"], s["not_recovered"]) == (380, 20, 0)
    assert (s["remote_fixes"], s["manual_visits"]) == (12, 8)
    # remote resets 20 s each, menu visits uniform 10-20 min (the [recovery] defaults)
    assert (12 * 20 + 8 * 600) / 3600 <= s["technician_hours"] <= (12 * 20 + 8 * 1200) / 3600
    assert s["locked_final"] == 0
    # each phone locks once: the 9.x-era phones stay unregistered, so the later resets do not
    # reach them (P9a); their retries fail the same way without a new lock
    assert s["lock_reasons"] == {"itl-signer-unknown,tvs-untrusted": 380 + 20}


def check_rollback_migration(r: Run) -> None:
    nothing_locks(r)
    assert r.count_at("unsecured", 89 * 60) == r.total  # empty ITL before the domain change
    assert r.count_at("unsecured", 119 * 60) == r.total  # still, after it (P6)
    assert r.summary["final_states"]["trusted"] == r.total
    all_match(r)


def check_rollback_without_parameter(r: Run) -> None:
    s = r.summary
    assert s["locked_peak"] == s["locked_final"] == r.total
    # locked at the domain change; unregistered, so the 20:00 parameter change's reset (A9)
    # does not reach them (P9a) and their retries fail the same way
    assert s["lock_reasons"] == {"itl-signer-unknown,tvs-untrusted": r.total}
    assert s["unregistered_final"] == r.total


def check_itlrecovery_regen(r: Run) -> None:
    nothing_locks(r)
    assert r.reasons("trusted", after=50 * 60) == {"itl:tvs,config:tvs": r.total,
                                                   "itl:sast,config:itl": r.total}
    all_match(r)
    cluster = r.model.cluster
    original = Cluster.from_spec(r.result.scenario.cluster, r.result.scenario.seed)
    new = cluster.itl_recovery.identity
    assert new != original.itl_recovery.identity
    for phone in r.model.phones:
        itl = phone.trust.itl
        assert new in sast_records(itl)  # the new ITLRecovery, as SAST
        assert (itl.signer_serial, itl.ca_name) == new  # 12.x: the normal ITL's signer
    assert cluster.publisher.certs[Role.ITLRECOVERY] is cluster.itl_recovery


def check_hostname_change_12x(r: Run) -> None:
    nothing_locks(r)
    assert r.reasons("trusted") == {"itl:sast,config:itl": r.total}
    all_match(r)


def check_hostname_change_on_10x(r: Run) -> None:
    """Contrast: the same file on 10.5 (hostname-change-localkey without the reset)."""
    assert r.summary["locked_peak"] == r.summary["locked_final"] == r.total


def check_offices_closed_weekend(r: Run) -> None:
    s = r.summary
    off = sum(1 for e in r.phone_changes() if e["reason"] == "powered-off")
    assert 0.5 * r.total < off < 0.7 * r.total  # 80% of the office phones = 60% of the fleet
    monday = 3 * DAY + 7 * HOUR  # the first phones come back (19h + 2d12h)
    assert max(c[STATES.index("locked")] for t, c in r.result.series if t < monday) == 0
    assert s["locked_peak"] == off
    assert s["lock_reasons"] == {"itl-signer-unknown,tvs-untrusted": off}
    assert r.count_at("locked", 3 * DAY + 10 * HOUR) == off  # all back, all locked
    bulk_recovered_everything(r, off)


def check_megacluster(r: Run) -> None:
    nothing_locks(r)
    assert r.summary["tftp_peak_queue"] == 0 and 25 < r.summary["tftp_peak_in_use"] <= 100
    assert r.summary["final_states"]["trusted"] == r.total
    # the contrast in the header: co-resident serving counts on the TFTP nodes make phones queue
    crowded = cached_run("megacluster", MEGACLUSTER_SCALED + tuple(
        f"tftp.serving_count.cucm-tftp{i}=25" for i in (1, 2)))
    assert crowded.summary["tftp_peak_queue"] > 0 and crowded.summary["tftp_peak_in_use"] == 25
    assert crowded.summary["locked_peak"] == 0


def check_cert_renewal_tn225746(r: Run) -> None:
    """TN 225746: all locked and unregistered after the TFTP restart; localkey recovers them,
    through TVS for phones whose ITL came from a subscriber (I29)."""
    s = r.summary
    assert s["locked_peak"] == r.total == 400
    assert s["lock_reasons"] == {"itl-signer-unknown,tvs-unknown-cert": r.total}
    assert r.count_at("locked", 89 * 60) == r.total  # 20:59, before the reset
    assert r.reasons("trusted", after=90 * 60)["itl:tvs,config:tvs"] == r.total
    bulk_recovered_everything(r, r.total)
    assert s["recovered_tvs"] == r.total  # the recovering boot took the reset ITL via TVS
    assert s["registered_final"] == r.total
    all_match(r)


def check_tn225746_tvs_learns_at_once(r: Run) -> None:
    nothing_locks(r)


def check_tn225746_renewed_at_the_same_time(r: Run) -> None:
    """Phones miss every intermediate ITL: no TVS they trust, the reset ITL's signer new to
    them: the localkey reset recovers none (the documented rules)."""
    s = r.summary
    assert s["locked_final"] == r.total and s["recovered_bulk"] == 0
    assert s["lock_reasons"] == {"itl-signer-unknown,tvs-untrusted": r.total}
    assert s["unregistered_final"] == r.total


def check_tn225746_on_12_5(r: Run) -> None:
    bulk_recovered_everything(r, r.total)


def check_mixed_mode_publisher_callmanager(r: Run) -> None:
    s = r.summary
    legacy = 12
    assert s["locked_peak"] == legacy
    assert s["lock_reasons"] == {"config-signer-unknown,no-security-by-default": legacy}
    assert (s["recovered_manual"], s["manual_visits"], s["locked_final"]) == (legacy, legacy, 0)
    assert s["not_recoverable_by_bulk_reset"] == legacy
    served = r.model.cluster.served["cucm-pub"].ctl
    assert all(p.trust.ctl.raw == served.raw for p in r.model.phones)
    assert r.reasons("trusted", after=20 * HOUR)["ctl:tvs,itl:unchanged,config:itl"] == 288


def check_mixed_mode_with_security_by_default(r: Run) -> None:
    nothing_locks(r)


def check_rollback_mixed_mode(r: Run) -> None:
    s = r.summary
    assert s["locked_peak"] == s["locked_final"] == r.total
    assert s["lock_reasons"] == {"ctl-signer-unknown,tvs-untrusted": r.total}
    assert r.count_at("unsecured", 99 * 60) == r.total  # before the CTL update
    assert s["registered_final"] == 0


def check_rollback_mixed_mode_non_secure(r: Run) -> None:
    nothing_locks(r)
    assert r.summary["operations"] == {"done": 3, "refused": 1}


def check_pre_change_audit(r: Run) -> None:
    s = r.summary
    nothing_locks(r)
    assert s["itl_file_status"] == {"Match": 440, "MisMatch": 50, "Unknown": 10}
    assert s["not_recoverable_by_bulk_reset"] == 50 and s["phone_boots"] == 0
    corridors = {(row[5], row[6]) for row in r.result.devicetlinfo if row[1] == "corridors"}
    assert corridors == {("MisMatch", False)}


def check_ip_change(r: Run) -> None:
    s = r.summary
    nothing_locks(r)
    assert r.result.registered_at(np.array([40 * 60.0])).sum() == 200  # labs: no option 150
    assert (s["registered_final"], s["unregistered_final"]) == (r.total, 0)
    all_match(r)


def check_ip_change_regenerating(r: Run) -> None:
    nothing_locks(r)
    assert r.result.registered_at(np.array([40 * 60.0])).sum() == 0


def check_itlrecovery_regen_mixed(r: Run) -> None:
    nothing_locks(r)
    assert r.reasons("trusted", after=19 * 60)["ctl:sast,itl:ctl,config:itl"] == r.total
    recovery = r.model.cluster.itl_recovery
    assert all(p.trust.ctl.signer_serial == recovery.serial for p in r.model.phones)
    all_match(r)


def check_ctl_reset_on_a_subscriber(r: Run) -> None:
    s = r.summary
    assert s["operations"]["refused"] == 1
    assert s["locked_final"] == r.total
    assert s["lock_reasons"] == {"ctl-signer-unknown,tvs-unknown-cert": r.total}


# -- migrations between clusters (TN 213407, TN 215539) ----------------------------------------

MOVED_AT = 2 * HOUR  # the first move, 20:00


def weekend_phones(r: Run) -> int:
    return sum(1 for e in r.phone_changes() if e["reason"] == "powered-off")


def on_new(r: Run, *, registered: int) -> None:
    clusters = r.summary["clusters"]
    assert clusters["new"]["phones"] == clusters["new"]["moved_in"] == r.total
    assert clusters["new"]["registered_final"] == registered
    assert clusters["old"]["phones"] == 0


def check_migration_no_preparation(r: Run) -> None:
    s = r.summary
    assert (s["locked_peak"], s["locked_final"], s["registered_final"]) == (r.total, r.total, 0)
    assert s["lock_reasons"] == {"itl-signer-unknown,tvs-unknown-cert": r.total}
    on_new(r, registered=0)
    assert s["clusters"]["new"]["final_states"]["locked"] == r.total
    assert 0 < weekend_phones(r) < 0.2 * r.total


def check_migration_locked_phones_register_to_old(r: Run) -> None:
    """Contrast: the Community's reading (I15): registered with the old cluster's config."""
    assert r.summary["locked_final"] == r.total
    assert r.summary["clusters"]["old"]["registered_final"] == r.total


def check_migration_by_hand(r: Run) -> None:
    s = r.summary
    assert s["ever_locked"] == r.total
    assert (s["recovered_manual"], s["manual_visits"], s["locked_final"]) == (r.total, r.total, 0)
    assert s["locked_peak"] < r.total  # visits start Monday while weekend phones come back
    assert r.reasons("trusted", after=MOVED_AT) == {"itl:first-use,config:itl": r.total}
    on_new(r, registered=r.total)


def check_migration_bulk_certificates(r: Run) -> None:
    """TN 215539, non-secure path: the ITL through the source TVS, configs through it."""
    nothing_locks(r)
    assert r.reasons("trusted", after=MOVED_AT) == {"itl:tvs,config:itl": r.total}
    assert r.model.tvs["old-sub1"].peak_in_use > 0
    on_new(r, registered=r.total)


def check_migration_old_switched_off(r: Run) -> None:
    """Contrast: old's TVS is gone when the weekend phones come back (TN 215539)."""
    off = weekend_phones(r)
    assert r.summary["lock_reasons"] == {"itl-signer-unknown,tvs-unreachable": off}
    assert r.summary["recovered_manual"] == off and r.summary["locked_final"] == 0


def check_migration_rollback(r: Run) -> None:
    off = weekend_phones(r)
    s = r.summary
    assert s["lock_reasons"] == {"itl-signer-unknown,tvs-unknown-cert": off}
    assert (s["recovered_manual"], s["locked_final"]) == (off, 0)
    moved = r.reasons("trusted", after=MOVED_AT)
    assert moved == {"itl:empty-itl,config:itl": r.total - off,
                     "itl:first-use,config:itl": off}  # after a technician's visit
    on_new(r, registered=r.total)


def check_migration_rollback_nobody_off(r: Run) -> None:
    nothing_locks(r)


def check_migration_mixed_mode(r: Run) -> None:
    """TN 213407: CTL through the source TVS, ITL through the new CTL; P3b phones lock."""
    lobby = 4
    s = r.summary
    assert s["lock_reasons"] == {"ctl-signer-unknown,no-security-by-default": lobby}
    assert (s["recovered_manual"], s["locked_final"]) == (lobby, 0)
    moved = r.reasons("trusted", after=MOVED_AT)
    assert moved["ctl:tvs,itl:ctl,config:itl"] == r.total - lobby
    on_new(r, registered=r.total)


def check_migration_mixed_mode_with_rollback(r: Run) -> None:
    """Contrast: TN 213407 "Caution": the empty ITL has no TVS record for the handshake."""
    off, lobby = weekend_phones(r), 4
    assert r.summary["lock_reasons"] == {
        "ctl-signer-unknown,tvs-untrusted": r.total - lobby - off,
        "ctl-signer-unknown,no-security-by-default": lobby}


def moves(*events: int) -> tuple[str, ...]:
    return batches(20, *events) + ("tftp.max_serving_count=50",)


SAME_TIME = tuple(f"events.{i}.restart_tftp=false" for i in range(6))
MEGACLUSTER_SCALED = counts(1000, 1000) + ("tftp.max_serving_count=25",
                                           "tftp.serving_count.cucm-tftp1=100",
                                           "tftp.serving_count.cucm-tftp2=100")
CHECKS: dict[str, Check] = {
    "baseline": Check(counts(320, 240, 40) + ("tftp.max_serving_count=50",)
                      + batches(50, 0), check_baseline),
    "safe-callmanager-regen": Check(counts(300, 100) + ("tftp.max_serving_count=50",),
                                    check_safe_callmanager_regen),
    "callmanager-and-tvs-regen": Check(
        counts(420, 80) + ("tftp.max_serving_count=10",) + batches(100, 3, 5),
        check_callmanager_and_tvs_regen,
        ((("events.1.at=50min",), check_tvs_after_the_storm),)),
    "hold-timer-refusal": Check(counts(220, 30) + ("tftp.max_serving_count=50",),
                                check_hold_timer_refusal),
    "hostname-change-localkey": Check(counts(240, 60) + ("tftp.max_serving_count=50",)
                                      + batches(50, 2, 4), check_hostname_change_localkey),
    "publisher-rebuild-remotekey": Check(
        counts(100, 25, 15) + ("tftp.max_serving_count=50",) + batches(50, 2, 5, 7),
        check_publisher_rebuild_remotekey,
        ((('events.4.sftp_password="Bckp-2081"',), check_remotekey_bad_password_twice),)),
    "publisher-rebuild-no-backup": Check(
        counts(100, 25, 15) + ("tftp.max_serving_count=50", "recovery.technicians=1")
        + batches(50, 2, 4), check_publisher_rebuild_no_backup),
    "pre10-fleet-technicians": Check(
        counts(380, 12, 8) + ("tftp.max_serving_count=50",) + batches(50, 2, 4),
        check_pre10_fleet_technicians),
    "rollback-migration": Check(
        counts(150, 150) + ("tftp.max_serving_count=50",), check_rollback_migration,
        ((("events.0.enabled=false",), check_rollback_without_parameter),)),
    "itlrecovery-regen": Check(
        counts(350, 250) + ("tftp.max_serving_count=50",) + batches(100, 0, 3, 5),
        check_itlrecovery_regen),
    "hostname-change-12x": Check(
        counts(240, 60) + ("tftp.max_serving_count=50",), check_hostname_change_12x,
        ((('cluster.version="10.5(2)"',), check_hostname_change_on_10x),)),
    "offices-closed-weekend": Check(
        counts(600, 200) + ("tftp.max_serving_count=50",) + batches(100, 7, 9),
        check_offices_closed_weekend),
    "megacluster": Check(MEGACLUSTER_SCALED, check_megacluster),
    "cert-renewal-tn225746": Check(
        counts(250, 150) + ("tftp.max_serving_count=50",) + batches(100, 8, 10, 13),
        check_cert_renewal_tn225746,
        ((("assumptions.tvs_learns_new_certificates=at-once",), check_tn225746_tvs_learns_at_once),
         (SAME_TIME, check_tn225746_renewed_at_the_same_time),
         (('cluster.version="12.5(1)"',), check_tn225746_on_12_5))),
    "mixed-mode-publisher-callmanager": Check(
        counts(288, 12) + ("tftp.max_serving_count=50",), check_mixed_mode_publisher_callmanager,
        ((("phones.1.itl_support=true",), check_mixed_mode_with_security_by_default),)),
    "rollback-mixed-mode": Check(
        counts(150, 150) + ("tftp.max_serving_count=50",), check_rollback_mixed_mode,
        ((("cluster.security_mode=non-secure",), check_rollback_mixed_mode_non_secure),)),
    "pre-change-audit": Check(counts(440, 50, 10), check_pre_change_audit),
    "ip-change": Check(counts(200, 100) + ("tftp.max_serving_count=50",) + batches(50, 2),
                       check_ip_change,
                       ((("assumptions.ip_change_regenerates_certificates=true",),
                         check_ip_change_regenerating),)),
    "migration-no-preparation": Check(
        counts(80, 40) + moves(1, 2), check_migration_no_preparation,
        ((("assumptions.locked_phones_register=true",),
          check_migration_locked_phones_register_to_old),)),
    "migration-by-hand": Check(counts(80, 40) + moves(1, 2) + ("recovery.technicians=1",),
                               check_migration_by_hand),
    "migration-bulk-certificates": Check(
        counts(80, 40) + moves(6, 7), check_migration_bulk_certificates,
        ((("events.8.skip=false", "events.9.skip=false"), check_migration_old_switched_off),)),
    "migration-rollback": Check(
        counts(80, 40) + moves(2, 3), check_migration_rollback,
        ((("phones.0.availability.offline_share=0",), check_migration_rollback_nobody_off),)),
    "migration-mixed-mode": Check(
        counts(80, 40, 4) + moves(6, 7), check_migration_mixed_mode,
        ((("events.9.skip=false",), check_migration_mixed_mode_with_rollback),)),
    "itlrecovery-regen-mixed": Check(
        counts(300) + ("tftp.max_serving_count=50",) + batches(100, 2),
        check_itlrecovery_regen_mixed,
        ((('events.1.node="uk-sub1"',), check_ctl_reset_on_a_subscriber),)),
}


# -- tests -----------------------------------------------------------------------------------

def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_file_validates(path: Path):
    if not is_scenario(path):
        spec = load_cluster_file(str(path))
        assert spec.nodes and spec.publisher
        return
    assert validate_file(path).startswith(f"scenario '{path.stem}'")


SCENARIO_FILES = [path for path in FILES if is_scenario(path)]  # seed-cluster.toml is not one


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=_ids(SCENARIO_FILES))
def test_scenario_outcome(path: Path):
    check = CHECKS.get(path.stem)
    if check is None:
        pytest.fail(f"{path.name} has no entry in CHECKS: add the overrides that scale it down "
                    f"and assertions for the outcome its header claims")
    check.verify(cached_run(path.stem, check.overrides))


CONTRASTS = [(name, extra, verify) for name, check in CHECKS.items()
             for extra, verify in check.contrasts]


@pytest.mark.parametrize(("name", "extra", "verify"), CONTRASTS,
                         ids=[f"{n}-{v.__name__.removeprefix('check_')}"
                              for n, _, v in CONTRASTS])
def test_contrast_the_header_mentions(name: str, extra: tuple[str, ...],
                                      verify: Callable[[Run], None]):
    verify(cached_run(name, CHECKS[name].overrides + extra))


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_same_seed_same_summary(name: str):
    overrides = CHECKS[name].overrides
    first = cached_run(name, overrides).summary
    again = run(SCENARIOS / f"{name}.toml", overrides).summary
    assert again == first


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_has_a_file(name: str):
    assert (SCENARIOS / f"{name}.toml").is_file()


@pytest.mark.parametrize("path", [p for p in FILES if is_scenario(p)],
                         ids=_ids([p for p in FILES if is_scenario(p)]))
def test_header_documents_run_and_outcome(path: Path):
    header = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    text = "\n".join(header)
    assert f"itlsim run scenarios/{path.name}" in text
    assert "Outcome it shows" in text
