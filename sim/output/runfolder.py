"""Writing a run's results: all files or none.

``results/<scenario>/<run id>/`` holds ``summary.json``, ``timeseries.csv`` (tidy: one row per
time and state), ``recoveries.csv`` (cumulative recoveries by method), ``events.jsonl``,
``devicetlinfo.csv``, ``recovery.png`` and ``run.json`` (provenance and wall time). Files are
written into a temporary sibling folder that replaces the final one only when complete, so an
interrupted run never leaves half a result.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from sim import __version__
from sim.errors import ConfigError
from sim.fleet.run import RunResult
from sim.output.formats import at, count, number, span
from sim.output.plots import recovery_plot

DEVICETLINFO_HEADER = ("phone", "population", "tftp_server", "phone_itl_sha1",
                       "tftp_itl_sha1", "itl_file_status", "recoverable_by_bulk_reset", "state",
                       "registered")


def run_id(seed: int, scenario_hash: str) -> str:
    """Deterministic: the same scenario (after overrides) and seed land in the same folder."""
    return f"seed{seed}-{scenario_hash[:10]}"


def write_run(result: RunResult, out: Path, *, provenance: dict[str, Any]) -> Path:
    """Write every file of ``result`` into ``out`` atomically; returns ``out``."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as error:
        raise ConfigError(f"cannot create the results folder: {error.strerror}",
                          path=str(out), key="--out") from None
    try:
        _write_all(result, staging, provenance)
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def _write_all(result: RunResult, folder: Path, provenance: dict[str, Any]) -> None:
    (folder / "summary.json").write_text(json.dumps(result.summary, indent=2, sort_keys=True)
                                         + "\n")
    (folder / "timeseries.csv").write_text(timeseries_csv(result))
    (folder / "recoveries.csv").write_text(recoveries_csv(result))
    with open(folder / "events.jsonl", "w", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in result.event_lines)
    (folder / "devicetlinfo.csv").write_text(
        "\n".join(",".join(row) for row in (DEVICETLINFO_HEADER, *result.devicetlinfo)) + "\n")
    recovery_plot(result, folder / "recovery.png")
    run = {**provenance, "assumptions": result.summary["assumptions"],
           "itlsim_version": __version__, "python": platform.python_version(),
           "wall_time_s": round(result.wall_time, 3),
           "summary_sha256": hashlib.sha256((folder / "summary.json").read_bytes()).hexdigest()}
    (folder / "run.json").write_text(json.dumps(run, indent=2, sort_keys=True) + "\n")


def timeseries_csv(result: RunResult) -> str:
    """Tidy CSV: ``time_s,state,phones,registered``: phones in each state and how many of them
    are registered to a CallManager (P9) (pandas: ``pd.read_csv`` then pivot on state), at
    every resolution tick and at the instants that keep each interval's extremes
    (``RunResult.detailed_series``)."""
    lines = ["time_s,state,phones,registered"]
    for (now, counts), registered in zip(result.detailed_series, result.detailed_registered,
                                         strict=True):
        stamp = time_text(now)
        lines.extend(f"{stamp},{state},{count},{reg}" for state, count, reg in zip(
            result.states, counts, registered, strict=True))
    return "\n".join(lines) + "\n"


def time_text(seconds: float) -> str:
    """A time exactly, so distinct instants stay distinct rows: whole seconds without a
    decimal point, others as Python's shortest round-trip repr (``1868.6934321``)."""
    return f"{seconds:.0f}" if float(seconds).is_integer() else repr(float(seconds))


def recoveries_csv(result: RunResult) -> str:
    """Tidy CSV of cumulative recoveries: ``time_s,method,phones`` with method ``bulk`` (no
    technician: bulk reset, TVS, a later ITL) or ``manual`` (after a technician's fix)."""
    lines = ["time_s,method,phones"]
    for now, bulk, manual in result.recoveries:
        lines += [f"{time_text(now)},bulk,{bulk}", f"{time_text(now)},manual,{manual}"]
    return "\n".join(lines) + "\n"


def text_summary(result: RunResult, out: Path | None = None) -> str:
    """The one-screen summary printed at the end of ``itlsim run``: what changed, what locked
    and for how long (the outcome metrics, README), the load, every refused operation with
    CUCM's message, and where the files are. Counts carry thousands separators."""
    s = result.summary
    start = result.scenario.start
    lines = [
        f"scenario {s['scenario']} (seed {s['seed']}): {count(s['phones_total'])} phones, "
        f"{span(s['duration_s'])} simulated in {result.wall_time:.1f} s",
        *_change_lines(s, start),
        f"  registered: {count(s['registered_final'])} at the end, "
        f"{count(s['unregistered_final'])} done booting but not registered (P9)",
        f"  load: TFTP peak {count(s['tftp_peak_in_use'])} in use / "
        f"{count(s['tftp_peak_queue'])} queued; TVS peak {count(s['tvs_peak_in_use'])} in use / "
        f"{count(s['tvs_peak_queue'])} queued",
        f"  {count(s['phone_boots'])} phone boots, {count(s['simulated_events'])} events, "
        f"{count(s['rsa_verifications'])} RSA verifications",
        *_lock_reason_lines(s),
        f"  operations: {count(s['operations']['done'])} done, "
        f"{count(s['operations']['refused'])} refused by CUCM",
        *(_refused(t, entry, start) for t, entry in result.collector.operation_log
          if entry.get("status") == "refused"),
    ]
    if out is not None:
        lines.append(f"  results: {out}")
    return "\n".join(lines)


def _change_lines(s: dict[str, Any], start: Any) -> list[str]:
    """The change and the outcome metrics, or why they do not apply."""
    if s["change_start_s"] is None:
        return ["  change: none (no disruptive operation was carried out and no phone locked):"
                " no outcome metrics"]
    lines = [f"  change: {s['change_started_by']} at {at(s['change_start_s'], start)}",
             f"  locked: peak {count(s['locked_peak'])}, final {count(s['locked_final'])}; "
             f"{count(s['ever_locked'])} phones locked at some time "
             f"({count(s['lock_events'])} lock events)" if s["ever_locked"]
             else "  locked: none"]
    if s["ever_locked"]:
        recovered = s["time_to_99pct_locked_recovered_s"]
        lines += [
            f"  recovered: {count(s['recovered_bulk'])} without a technician, "
            f"{count(s['recovered_manual'])} by hand ({count(s['manual_visits'])} visits, "
            f"{count(s['remote_fixes'])} remote); not recovered {count(s['not_recovered'])}",
            "  99% of locked phones working again: "
            + (f"{span(recovered)} after the change" if recovered is not None
               else "not within the run"),
            f"  locked phone-hours: {number(s['locked_phone_hours'])}"]
    back = s["time_to_pre_change_working_s"]
    lines.append(f"  back to the {count(s['pre_change_working'])} working phones before the "
                 "change: " + (f"{span(back)} after it" if back is not None
                               else "not within the run"))
    if s["outage_phones"]:
        lines += [f"  outage per phone, booting or locked after the change "
                  f"({count(s['outage_phones'])} phones):",
                  f"    median {span(s['outage_median_s'])}, 95th percentile "
                  f"{span(s['outage_p95_s'])}"]
    return lines


def _refused(t: float, entry: dict[str, Any], start: Any) -> str:
    """A refused operation and CUCM's message, wrapped under it."""
    node = f" on {entry['node']}" if entry.get("node") else ""
    head = f"    refused at {at(t, start)}: {entry.get('command', entry['action'])}{node}:"
    return head + "\n" + textwrap.fill(f"\"{entry['message']}\"", 94,
                                       initial_indent="      ", subsequent_indent="       ")


def _lock_reason_lines(s: dict[str, Any]) -> list[str]:
    """Each lock reason with its lock events and the phones they locked (a phone can lock
    more than once), the three most frequent first."""
    events, phones = s["lock_reasons"], s["lock_reason_phones"]
    top = sorted(events, key=lambda reason: (-events[reason], reason))
    lines = [f"    {reason}: {count(events[reason])} lock events, {count(phones[reason])} phones"
             for reason in top[:3]]
    if len(top) > 3:
        lines.append(f"    ... and {len(top) - 3} more reasons (summary.json)")
    return ["  lock reasons:", *lines] if lines else []
