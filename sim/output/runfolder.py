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
from pathlib import Path
from typing import Any

from sim import __version__
from sim.errors import ConfigError
from sim.fleet.run import RunResult
from sim.output.plots import recovery_plot
from sim.scenario.durations import format_duration

DEVICETLINFO_HEADER = ("phone", "population", "tftp_server", "phone_itl_sha1",
                       "tftp_itl_sha1", "itl_file_status", "recoverable_by_bulk_reset", "state")


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
    run = {**provenance, "itlsim_version": __version__, "python": platform.python_version(),
           "wall_time_s": round(result.wall_time, 3),
           "summary_sha256": hashlib.sha256((folder / "summary.json").read_bytes()).hexdigest()}
    (folder / "run.json").write_text(json.dumps(run, indent=2, sort_keys=True) + "\n")


def timeseries_csv(result: RunResult) -> str:
    """Tidy CSV: ``time_s,state,phones`` (pandas: ``pd.read_csv`` then pivot on state)."""
    lines = ["time_s,state,phones"]
    for now, counts in result.series:
        stamp = f"{now:g}"
        lines.extend(f"{stamp},{state},{count}" for state, count in zip(result.states, counts,
                                                                        strict=True))
    return "\n".join(lines) + "\n"


def recoveries_csv(result: RunResult) -> str:
    """Tidy CSV of cumulative recoveries: ``time_s,method,phones`` with method ``bulk`` (no
    technician: bulk reset, TVS, a later ITL) or ``manual`` (after a technician's fix)."""
    lines = ["time_s,method,phones"]
    for now, bulk, manual in result.recoveries:
        lines += [f"{now:g},bulk,{bulk}", f"{now:g},manual,{manual}"]
    return "\n".join(lines) + "\n"


def text_summary(result: RunResult, out: Path | None = None) -> str:
    """The one-screen summary printed at the end of ``itlsim run``."""
    s = result.summary
    ttr = s["time_to_99pct_trusted_s"]
    lines = [
        f"scenario {s['scenario']} (seed {s['seed']}): {s['phones_total']:,} phones, "
        f"{s['duration_s'] / 3600:g} h simulated in {result.wall_time:.1f} s",
        f"  locked: peak {s['locked_peak']:,}, final {s['locked_final']:,} "
        f"(ever locked {s['ever_locked']:,})",
        f"  recovered: {s['recovered_bulk']:,} without a technician, {s['recovered_manual']:,} "
        f"by hand ({s['manual_visits']:,} visits, {s['remote_fixes']:,} remote); "
        f"not recovered {s['not_recovered']:,}",
        "  99% trusted: " + ("never" if ttr is None else f"at {format_duration(ttr)}"),
        f"  load: TFTP peak {s['tftp_peak_in_use']} in use / {s['tftp_peak_queue']} queued; "
        f"TVS peak {s['tvs_peak_in_use']} in use",
        f"  {s['phone_boots']:,} phone boots, {s['simulated_events']:,} events, "
        f"{s['rsa_verifications']} RSA verifications",
    ]
    if s["lock_reasons"]:
        top = sorted(s["lock_reasons"].items(), key=lambda kv: -kv[1])[:3]
        lines.append("  lock reasons: " + "; ".join(f"{r} x{n:,}" for r, n in top))
    if out is not None:
        lines.append(f"  results: {out}")
    return "\n".join(lines)
