"""Writing a run's results: all files or none, in formats any tool reads.

``results/<scenario>/<run id>/`` holds ``summary.json``, ``timeseries.csv`` (tidy: one row per
time and state), ``recoveries.csv`` (cumulative recoveries by method), the event log
(``sim.output.eventlog``: ``events.jsonl`` by default), ``devicetlinfo.csv``, ``recovery.png``
and ``recovery.svg`` (the same figure, for the report), with several clusters ``clusters.csv``
(phones by cluster), ``scenario.json`` (the scenario as simulated, every default filled),
``inventory.csv`` (the scenario's inventory, when it has one) and ``run.json`` (provenance and
wall time). ``sim.output.publish`` writes them into a staging
folder and publishes it only when complete, so an interrupted run never leaves half a result
and concurrent runs of one scenario do not collide.

CSV files are written by the ``csv`` module (a comma or quote in a population name is quoted,
not a shifted column); times are exact (``sim.fleet.collector.exact``: whole seconds as
integers, others as the float's ``repr``), booleans ``true``/``false`` (what pandas and most
tools read as booleans).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import platform
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sim import __version__
from sim.errors import ConfigError
from sim.fleet.collector import exact
from sim.fleet.devicetlinfo import DeviceTLInfo
from sim.fleet.run import RunResult
from sim.output.certprovenance import certificate_provenance
from sim.output.eventlog import write_event_log
from sim.output.formats import at, count, number, span
from sim.output.plots import recovery_plot
from sim.output.publish import Published, publish_folder
from sim.scenario.scenario import resolved_dict

DEVICETLINFO_HEADER = ("phone", "population", "tftp_server", "phone_itl_sha1",
                       "tftp_itl_sha1", "itl_file_status", "recoverable_by_bulk_reset", "state",
                       "registered")
VOLATILE = frozenset({"run.json"})  # wall time: differs between identical runs


def run_id(seed: int, scenario_hash: str) -> str:
    """Deterministic: the same scenario (after overrides) and seed land in the same folder."""
    return f"seed{seed}-{scenario_hash[:10]}"


def write_run(result: RunResult, out: Path, *, provenance: dict[str, Any],
              event_log: str = "jsonl") -> Published:
    """Write every file of ``result`` and publish them as ``out`` (all or none)."""
    return publish_folder(out, lambda folder: _write_all(result, folder, provenance, event_log),
                          volatile=VOLATILE)


def _write_all(result: RunResult, folder: Path, provenance: dict[str, Any],
               event_log: str) -> None:
    (folder / "summary.json").write_text(json.dumps(result.summary, indent=2, sort_keys=True)
                                         + "\n")
    write_csv(folder / "timeseries.csv", ("time_s", "state", "phones", "registered"),
              timeseries_rows(result))
    write_csv(folder / "recoveries.csv", ("time_s", "method", "phones"),
              recoveries_rows(result))
    write_event_log(result, folder, event_log)
    write_devicetlinfo(folder / "devicetlinfo.csv", result.devicetlinfo)
    if result.collector.clusters:
        write_csv(folder / "clusters.csv", ("time_s", "cluster", "option150", "registered"),
                  clusters_rows(result))
    recovery_plot(result, folder / "recovery.png", folder / "recovery.svg")
    (folder / "scenario.json").write_text(json.dumps(resolved_dict(result.scenario), indent=2,
                                                     sort_keys=True) + "\n")
    _copy_inventory(result, folder)
    run = {**provenance, "assumptions": result.summary["assumptions"], "event_log": event_log,
           "certificates": certificate_provenance(result.scenario),
           "itlsim_version": __version__, "python": platform.python_version(),
           "wall_time_s": round(result.wall_time, 3), "engine": result.engine,
           "summary_sha256": hashlib.sha256((folder / "summary.json").read_bytes()).hexdigest()}
    (folder / "run.json").write_text(json.dumps(run, indent=2, sort_keys=True) + "\n")


def _copy_inventory(result: RunResult, folder: Path) -> None:
    """The scenario's inventory as simulated (``[inventory]``): the report's work list needs
    the device pools and models, and a run folder must stand on its own."""
    inventory = result.scenario.inventory
    if inventory is None:
        return
    data = Path(inventory.path).read_bytes()
    if hashlib.sha256(data).hexdigest() != inventory.sha256:
        raise ConfigError("changed while the run was simulated; run again",
                          path=inventory.path)
    (folder / "inventory.csv").write_bytes(data)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A CSV file by the ``csv`` module: quoted where needed, ``\\n`` line ends, booleans as
    ``true``/``false``."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([_cell(value) for value in row] for row in rows)


def write_devicetlinfo(path: Path, report: DeviceTLInfo) -> None:
    """``devicetlinfo.csv`` as ``write_csv`` would write the report's rows: each kind's
    columns are formatted once, then a phone's line is its name and its kind's text."""
    kinds = [_csv_line(kind) for kind in report.kinds]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(_csv_line(DEVICETLINFO_HEADER))
        for first in range(0, len(report), BLOCK):
            handle.write("".join([
                f"{_csv_line((name, '')).removesuffix(END) if _needs_quotes(name) else name},"
                f"{kinds[kind]}"
                for name, kind in zip(report.names[first:first + BLOCK],
                                      report.kind_of[first:first + BLOCK], strict=True)]))


BLOCK = 65536  # phones' lines written at once
END = ",\n"  # what ends the line of a name followed by an empty cell
SPECIAL = frozenset(',"\r\n')


def _csv_line(row: Sequence[Any]) -> str:
    """One row as ``write_csv`` writes it."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow([_cell(value) for value in row])
    return text.getvalue()


def _needs_quotes(name: str) -> bool:
    """Would the ``csv`` module quote ``name`` in a row (the delimiter, the quote or a line
    break in it)?"""
    return not SPECIAL.isdisjoint(name)


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def timeseries_rows(result: RunResult) -> Iterable[tuple[int | float, str, int, int]]:
    """Tidy rows ``time_s, state, phones, registered``: phones in each state and how many of
    them are registered to a CallManager (P9) (pandas: ``pd.read_csv`` then pivot on state), at
    every resolution tick and at the instants that keep each interval's extremes
    (``RunResult.detailed_series``)."""
    for (now, counts), registered in zip(result.detailed_series, result.detailed_registered,
                                         strict=True):
        stamp = exact(now)
        yield from ((stamp, state, count, reg) for state, count, reg in zip(
            result.states, counts, registered, strict=True))


def clusters_rows(result: RunResult) -> Iterable[tuple[int | float, str, int, int]]:
    """With several clusters, tidy rows ``time_s, cluster, option150, registered``: per cluster
    the phones DHCP option 150 points at it and the phones registered to it (I54), at the
    resolution grid and the instants that keep each interval's extremes."""
    times, pointed, registered = result.cluster_series
    for now, there, here in zip(times.tolist(), pointed.tolist(), registered.tolist(),
                                strict=True):
        stamp = exact(now)
        yield from ((stamp, name, p, r) for name, p, r in zip(
            result.collector.clusters, there, here, strict=True))


def recoveries_rows(result: RunResult) -> Iterable[tuple[int | float, str, int]]:
    """Tidy rows of cumulative recoveries: ``time_s, method, phones`` with method ``bulk`` (no
    technician: bulk reset, TVS, a later ITL) or ``manual`` (after a technician's fix)."""
    for now, bulk, manual in result.recoveries:
        yield from ((exact(now), "bulk", bulk), (exact(now), "manual", manual))


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
        *_cluster_lines(s),
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


def _cluster_lines(s: dict[str, Any]) -> list[str]:
    """With several clusters, per cluster at the end: the phones option 150 points at, how
    many locked, how many are registered to it."""
    return [f"  cluster {name}: {count(c['phones'])} phones pointed here by option 150 "
            f"({count(c['final_states']['locked'])} locked), {count(c['registered_final'])} "
            f"registered here, {count(c['moved_in'])} moved in"
            for name, c in s.get("clusters", {}).items()]


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
