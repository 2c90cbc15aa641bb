"""The run summary: the documented numbers a UC engineer reads first (README, "summary.json").

Only deterministic quantities go here, so the same scenario and seed give a byte-identical
file; the wall time is reported beside it (``run.json``) and in the text summary. The outcome
metrics (time to recover, locked phone-hours, outage per phone) are defined and computed in
``sim.fleet.metrics``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sim.fleet.clusterstats import cluster_summary
from sim.fleet.collector import LOCKED, STATES, WORKING
from sim.fleet.metrics import lock_reason_phones, outcome_metrics
from sim.fleet.model import FleetModel
from sim.scenario.events import DISRUPTIVE_ACTIONS
from sim.scenario.scenario import Scenario, resolved_assumptions


def summarise(model: FleetModel, scenario: Scenario, simulated_events: int,
              itl_file_status: Counter[str], not_recoverable: int = 0) -> dict[str, Any]:
    """The summary of a finished run; ``itl_file_status`` counts the DeviceTLInfo report's
    statuses and ``not_recoverable`` its phones a bulk reset would not recover (computed once,
    for the report)."""
    collector = model.collector
    phones = model.phones
    ever_locked = [p for p in phones if p.was_locked]
    recovered = [p for p in ever_locked if p.state in WORKING]
    operations = Counter(entry.get("status", "done") for _, entry in collector.operation_log)
    several = {"clusters": cluster_summary(model)} if model.estate.several else {}
    return {
        "scenario": scenario.name,
        "seed": scenario.seed,
        "duration_s": scenario.duration,
        "phones_total": len(phones),
        "locked_peak": collector.locked_peak,
        "locked_final": collector.counts[LOCKED],
        "ever_locked": len(ever_locked),
        "lock_events": sum(collector.reasons.values()),
        "recovered_bulk": sum(not p.fixed_by_hand for p in recovered),
        "recovered_manual": sum(p.fixed_by_hand for p in recovered),
        "recovered_tvs": sum(p.recovered_by_tvs and not p.fixed_by_hand for p in recovered),
        "not_recovered": len(ever_locked) - len(recovered),
        **outcome_metrics(collector, scenario.duration, DISRUPTIVE_ACTIONS),
        "manual_visits": collector.manual_visits,
        "remote_fixes": collector.remote_fixes,
        "technician_hours": round(collector.technician_seconds / 3600.0, 3),
        "phone_boots": collector.boots,
        "simulated_events": simulated_events,
        "rsa_verifications": model.verifier.rsa_checks,
        "tftp_peak_in_use": max(s.peak_in_use for s in model.tftp.values()),
        "tftp_peak_queue": max(s.peak_queue for s in model.tftp.values()),
        "tvs_peak_in_use": max(s.peak_in_use for s in model.tvs.values()),
        "tvs_peak_queue": max(s.peak_queue for s in model.tvs.values()),
        "final_states": {state: collector.counts[state] for state in STATES},
        "lock_reasons": dict(sorted(collector.reasons.items())),
        "lock_reason_phones": lock_reason_phones(collector),
        "itl_file_status": dict(sorted(itl_file_status.items())),
        "not_recoverable_by_bulk_reset": not_recoverable,
        "registered_final": sum(p.registered is True for p in phones),
        "unregistered_final": sum(collector.unregistered.values()),
        "registration_retries": collector.retries,
        "operations": {"done": operations["done"], "refused": operations["refused"]},
        "assumptions": resolved_assumptions(scenario),
        **several,
    }
