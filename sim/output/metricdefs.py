"""The outcome metrics of a run: what each number in ``summary.json`` means, exactly.

One table for the README ("Outcome metrics", ``markdown_table``, checked by
``tests/test_readme.py``) and the report (``itlsim report``), so a reader of either sees the
definitions the code computes (``sim.fleet.metrics``, ``sim.fleet.summary``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

DEFINITIONS: tuple[tuple[str, str], ...] = (
    ('the change: `change_start_s`, `change_started_by`',
     'The first operation CUCM carried out (not refused) that changes what phones are served: '
     '`regen_cert`, `change_hostname`, `change_ip`, `change_domain`, `itl_reset`, '
     '`set_rollback`, `rebuild_publisher`, `upgrade`, `set_mixed_mode`, `ctl_update`, '
     '`ctl_reset_localkey`, `move_phones` (`DISRUPTIVE_ACTIONS` in `sim/scenario/events.py`), '
     'or the first lock if that comes earlier. Resets, service restarts, faults, backups, '
     'parameters and certificate imports change nothing served (a TFTP restart rebuilds the '
     'same files, T4; imported certificates are not in the ITL). Without a change every metric '
     'of this table but `locked_phone_hours` is null.'),
    ('working',
     'A phone in state `trusted`, or `unsecured` (the empty rollback ITL, P6): registered with '
     'its files accepted. `booting`, `locked` and `offline` phones are not working. (`WORKING` '
     'in `sim/fleet/collector.py`: the one place to narrow it when a separate "registered" '
     'count exists.)'),
    ('`time_to_99pct_locked_recovered_s`',
     'Seconds from the change until ⌈0.99 × L⌉ of the L phones that locked at least once work '
     'again. A phone works again at its first working state after its last lock: a planned '
     'reboot afterwards does not undo that, a phone that locks again counts from its later '
     'recovery. Null when no phone locked, or when fewer work again by the end.'),
    ('`pre_change_working`',
     "Working phones just before the change (every state change before the change's instant, "
     'none at it).'),
    ('`time_to_pre_change_working_s`',
     'Seconds from the change until the number of working phones is at least '
     '`pre_change_working` and stays so to the end of the run. Planned resets count here (a '
     'rebooting phone is not working), so this is when the whole procedure is over. Null if it '
     'ends below.'),
    ('`locked_phone_hours`',
     'The area under the locked curve over the whole run in phone-hours, from the exact state '
     'changes (rounded to 0.001); a lower bound when phones are still locked at the end.'),
    ('`down_peak`',
     'The most phones at one time, from the change on, that are switched on but not working: '
     'booting, locked, or done booting and unregistered (P9). What a reset batch, CUCM\'s own '
     'resets after a certificate change (A1b) or a lock puts out of service at once; the '
     "planner's `max_phones_down` constraint reads it."),
    ('`outage_phones`, `outage_median_s`, `outage_p95_s`',
     "A phone's outage is the time after the change it spends `booting` or `locked`; switched "
     'off (`offline`) is not an outage (a phone that is off misses no calls). Over the phones '
     'with an outage: how many, the median and the 95th percentile (linear interpolation '
     "between ranks: numpy's default, Excel's PERCENTILE.INC)."),
    ('`lock_events`, `lock_reasons`',
     'Lock events, in all and per reason code; a phone that locks twice counts twice.'),
    ('`ever_locked`, `lock_reason_phones`',
     'Phones that locked at least once, in all and per reason (a phone locked for two reasons '
     'counts under each).'),
    ('`locked_peak`, `locked_final`',
     'Most phones locked at one time; phones locked at the end.'),
    ('`recovered_bulk`, `recovered_manual`, `not_recovered`',
     'Phones that locked and work at the end, without a technician (bulk reset, TVS, a later '
     "ITL) or after a technician's fix; phones that locked and do not work at the end."),
    ('`technician_hours`',
     'Hours technicians spent on the fixes they finished: walking to and fixing a phone '
     '(`visit`), re-provisioning after a factory reset, remote resets (`[recovery]`); with '
     '`manual_visits` and `remote_fixes`, what the manual work costs.'),
    ('`recovered_tvs`',
     'Of `recovered_bulk`, the phones whose recovering boot took a file through TVS (P5: the '
     "reset ITL's signer is not a SAST they hold, TVS vouches for it); the others took it from "
     'a SAST or CTL record they hold.'),
    ('`manual_visits`, `remote_fixes`',
     'Technician visits at phones (menu erase or factory reset) and phones fixed remotely '
     'through their web interface (section 7).'),
    ('`registered_final`, `unregistered_final`, `registration_retries`',
     'Phones registered to a CallManager of their CM group at the end (P9); phones done '
     'booting but not registered (a locked phone does not register unless '
     '`locked_phones_register`); how often unregistered phones went back through TFTP (I33).'),
    ('`itl_file_status`',
     "CUCM 14's ITL File Status of every phone at the end (O2a): `Match`, `MisMatch`, `Not "
     'Installed` from the DeviceTLInfo that registered phones on firmware 9.4(1) or later '
     'report, `Unknown` for the others.'),
    ('`not_recoverable_by_bulk_reset`',
     "Phones whose ITL at the end does not list the bulk-reset ITL's signer as SAST (A4, A4a; "
     'on 12.0+ those that would need TVS for it, I29), or that hold a CTL a reset does not '
     'touch (P3b): the phones `utils itl reset` cannot reach.'),
)
"""(metric, definition) in Markdown: the metric's keys in backticks, or a term ("working").
"""


NOTHING = {"time_to_99pct_locked_recovered_s": ("ever_locked", "none locked"),
           "outage_median_s": ("outage_phones", "no outage"),
           "outage_p95_s": ("outage_phones", "no outage")}
"""Metrics that are null when there was nothing to measure: the count that is 0 then, and
what a report shows instead of a number (the planner reads such a null as 0, I64; "0 s" on a
card would read as phones that came back at once)."""
NEVER = frozenset({"time_to_99pct_locked_recovered_s", "time_to_pre_change_working_s"})
"""Times that are null, when there was something to measure, because it never happened within
the run."""


def null_text(metric: str, summary: Mapping[str, Any]) -> str:
    """What a null ``metric`` of ``summary`` (a run's, or a sweep point's means) means, in the
    words of the table above: "none locked", "no outage", "no change", "not within the run"."""
    count, nothing = NOTHING.get(metric, ("", ""))
    if nothing and summary.get(count) == 0:
        return nothing
    if metric in NEVER and summary.get("change_start_s") is not None:
        return "not within the run"
    return "no change" if summary.get("change_start_s") is None else "n/a"


def markdown_table() -> str:
    """The README's table of outcome metrics."""
    rows = [f"| {label} | {definition} |" for label, definition in DEFINITIONS]
    return "\n".join(["| metric | exact definition |", "|---|---|", *rows])


def keys(label: str) -> list[str]:
    """The summary keys a row defines (``"`a`, `b`"`` -> ``["a", "b"]``)."""
    return re.findall(r"`([a-z0-9_]+)`", label)
