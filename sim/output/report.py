"""``itlsim report``: one self-contained HTML page a change-advisory board can read.

The page answers, for one run (``report.run_page``) or a sweep (``sweepreport``): the question
and the plan (the timeline with CUCM's messages, refused operations marked), the answer in
numbers (every number is ``summary.json``'s, each with its definition from
``sim.output.metricdefs``), the assumptions and rule ids behind it, provenance, the recovery
plot (``recovery.svg`` as the run wrote it, inlined) and the work list (``reportdata``), which
the page offers as a CSV download. Rendered with Jinja2 (``templates/``) with autoescaping; CSS,
JavaScript and images are inline, so the file opens from disk or an e-mail attachment without a
network. Nothing in it changes between two reports of the same run: the same bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

import jinja2
from markupsafe import Markup

from sim import __version__
from sim.output.formats import at, count, number, span
from sim.output.metricdefs import DEFINITIONS, keys, null_text
from sim.output.reportdata import RunFolder
from sim.output.svgtext import inline
from sim.scenario.assumptions import ASSUMPTIONS, documented_values
from sim.scenario.events import ACTIONS

IMPORT_INFERENCES = "I41, I43, I44, I45, I46, I47, I48"
WORK_ROWS = 1000  # phones the page lists one by one; the download always holds every one
_CODE = re.compile(r"`([^`]+)`")


def environment() -> jinja2.Environment:
    """The templates of ``sim/output/templates`` with the filters the pages use."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("sim.output", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    filters: dict[str, Callable[..., Any]] = {
        "count": count, "number": number, "span": span, "code": code}
    env.filters.update(filters)
    return env


def code(text: str) -> Markup:
    """Markdown's `code` spans as <code>, the rest escaped (metric definitions)."""
    return Markup(_CODE.sub(r"<code>\1</code>", html.escape(text)))


def value_text(key: str, value: Any) -> str:
    """A summary value as the page shows it: counts with separators, times as durations."""
    if value is None:
        return "n/a"
    if isinstance(value, dict):
        return ", ".join(f"{k} {value_text(key, v)}" for k, v in value.items()) or "none"
    if isinstance(value, str):
        return value
    if key.endswith("_s"):
        return span(value)
    if isinstance(value, float) and not value.is_integer():
        return number(value)
    return count(value)


def summary_text(key: str, s: dict[str, Any]) -> str:
    """A summary value as the page shows it, a null as what it means ("none locked", "not
    within the run", ``metricdefs.null_text``) rather than "n/a"."""
    value = s.get(key)
    return null_text(key, s) if value is None else value_text(key, value)


def run_page(folder: RunFolder) -> str:
    """The run report's HTML (module docstring)."""
    return environment().get_template("run.html.j2").render(**run_context(folder))


def run_context(folder: RunFolder) -> dict[str, Any]:
    """Everything the run template shows, formatted."""
    s, scenario = folder.summary, folder.scenario
    start = _start(scenario)
    clusters = _clusters(scenario)
    return {
        "title": f"Change report: {s['scenario']}",
        "s": s,
        "version": __version__,
        "description": scenario.get("simulation", {}).get("description", ""),
        "cluster": clusters[0],
        "clusters": clusters,
        "several": len(clusters) > 1,
        "whose": (f"cluster {clusters[0]['name']}" if len(clusters) == 1 else
                  "clusters " + " and ".join(c["name"] for c in clusters)),
        "cluster_rows": cluster_rows(s, [c["name"] for c in clusters]),
        "change": (f"{s['change_started_by']} at {at(s['change_start_s'], start)}"
                   if s.get("change_start_s") is not None else None),
        "figures": figures(s),
        "plan": [{"number": i, "when": at(op.at, start), "op": op}
                 for i, op in enumerate(folder.operations, 1)],
        "refused": sum(op.status == "refused" for op in folder.operations),
        "alerts": _alerts(folder, start),
        "metrics": [{"label": label, "definition": text,
                     "shown": [(k, summary_text(k, s)) for k in keys(label)]}
                    for label, text in DEFINITIONS],
        "assumptions": assumption_rows(s.get("assumptions", {})),
        "rules": _rules(folder),
        "run": folder.run,
        "run_id": folder.path.name,
        "certificates": folder.run.get("certificates", []),
        "plot": _plot(folder),
        "work": folder.work,
        "work_rows": folder.work[:WORK_ROWS],
        "sites": folder.sites,
        "work_href": csv_href(folder.work_csv()),
        "work_file": f"worklist-{s['scenario']}.csv",
        "imported": folder.imported,
        "populations": scenario.get("phones", []),
    }


def figures(s: dict[str, Any]) -> list[dict[str, Any]]:
    """The answer in numbers, a card each: label, the summary key and its value, a detail
    line; ``alert`` where the number is a problem (phones left locked, unregistered, never
    recovered)."""
    bulk_reset = s["recovered_bulk"] - s.get("recovered_tvs", 0)
    cards = [
        ("Phones simulated", "phones_total",
         f"{count(s['registered_final'])} registered at the end" if "registered_final" in s
         else ""),
        ("Locked at some time", "ever_locked", f"{count(s['lock_events'])} lock events"),
        ("Locked at the peak", "locked_peak", "at one time"),
        ("Still locked at the end", "locked_final", "of the simulated time"),
        ("Recovered without a technician", "recovered_bulk",
         f"{count(bulk_reset)} from a file they trust (bulk reset, new ITL or CTL), "
         f"{count(s.get('recovered_tvs', 0))} through TVS"),
        ("Recovered by technicians", "recovered_manual",
         f"{count(s['manual_visits'])} visits, {count(s['remote_fixes'])} remote fixes"),
        ("Technician hours", "technician_hours", "visits, re-provisioning, remote resets"),
        ("Never recovered", "not_recovered", "locked and not working at the end"),
        ("Outage per phone, median", "outage_median_s",
         f"95th percentile {summary_text('outage_p95_s', s)}; "
         f"{count(s.get('outage_phones') or 0)} phones"),
        ("99 % of locked phones working", "time_to_99pct_locked_recovered_s",
         "after the change"),
        ("Back to the working count before", "time_to_pre_change_working_s",
         f"{count(s.get('pre_change_working') or 0)} phones, after the change"),
        ("Locked phone-hours", "locked_phone_hours", "area under the locked curve"),
        ("Not registered at the end", "unregistered_final", "done booting, no CallManager"),
        ("A bulk reset cannot recover", "not_recoverable_by_bulk_reset",
         "at the end: see the work list"),
    ]
    alerts = {"locked_final", "not_recovered", "unregistered_final",
              "not_recoverable_by_bulk_reset"}
    return [{"label": label, "key": key, "raw": s.get(key), "text": summary_text(key, s),
             "detail": detail, "alert": key in alerts and bool(s.get(key))}
            for label, key, detail in cards if key in s]


def _start(scenario: dict[str, Any]) -> dt.datetime | None:
    """The clock time of t = 0, when the scenario gives one (times then read as clock times)."""
    text = scenario.get("simulation", {}).get("start")
    return dt.datetime.fromisoformat(text) if text else None


def _alerts(folder: RunFolder, start: dt.datetime | None
            ) -> list[tuple[str, str, list[str]]]:
    """Each alert text once per cluster that raised it (``""`` with one cluster), with the
    times CUCM raised it."""
    found: dict[tuple[str, str], list[str]] = {}
    for alert in folder.alerts:
        found.setdefault((alert.message, alert.cluster), []).append(at(alert.at, start))
    return [(text, cluster, times) for (text, cluster), times in found.items()]


def _clusters(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    """The scenario's cluster, or each of its ``[[clusters]]`` in file order: name, release,
    security mode, nodes."""
    return [{"name": cluster.get("name", ""), "version": cluster.get("version", ""),
             "mode": cluster.get("security_mode", ""),
             "nodes": [n.get("name", "") for n in cluster.get("nodes", [])],
             "imported": bool(cluster.get("imported_certificates"))}
            for cluster in scenario.get("clusters") or [scenario.get("cluster", {})]]


def cluster_rows(s: dict[str, Any], names: list[str]) -> list[dict[str, Any]]:
    """With several clusters, each cluster at the end in file order (``names``; the numbers are
    ``summary.json``'s ``clusters``, I54): the phones DHCP option 150 points at it, by state,
    those registered to it, those moved in; ``[]`` for one cluster."""
    found = s.get("clusters", {})
    return [{"name": name, "phones": found[name]["phones"],
             "states": found[name]["final_states"],
             "registered": found[name]["registered_final"], "moved_in": found[name]["moved_in"]}
            for name in names if name in found]


def assumption_rows(used: dict[str, Any]) -> list[dict[str, Any]]:
    """Each assumption with the value the run used and whether that is its default; those
    between clusters only when the run recorded them (it has several clusters)."""
    defaults = documented_values()
    return [{"key": key, "value": used.get(key), "default": defaults[key],
             "changed": used.get(key) != defaults[key], "decides": assumption.decides,
             "replaces": assumption.replaces, "sources": assumption.sources}
            for key, assumption in ASSUMPTIONS.items()
            if key in used or not assumption.between_clusters]


def _rules(folder: RunFolder) -> list[tuple[str, str]]:
    """(what, rule ids) the run rests on: each operation's rules, the assumptions' inferences,
    the importer's inferences for an imported fleet."""
    rules = [(op.command, ACTIONS[op.action].rules) for op in folder.operations
             if op.action in ACTIONS and ACTIONS[op.action].rules]
    seen: dict[str, str] = {}
    for command, ids in rules:
        seen.setdefault(command, ids)
    found = sorted(seen.items())
    if folder.imported:
        found.append(("the import (devices, ITL at t = 0)", IMPORT_INFERENCES))
    return found


def _plot(folder: RunFolder) -> Markup | None:
    """``recovery.svg`` inlined; a run folder without one (older itlsim) gets the PNG."""
    title = f"{folder.summary['scenario']}: phones by state over time, with the timeline"
    if folder.svg is not None:
        return Markup(inline(folder.svg, "recovery", title))
    if folder.png is not None:
        data = base64.b64encode(folder.png).decode()
        return Markup(f'<img src="data:image/png;base64,{data}" alt="{html.escape(title)}">')
    return None


def csv_href(text: str) -> str:
    """A data: URL of the CSV (UTF-8 with a byte order mark, which Excel needs)."""
    data = base64.b64encode(("\ufeff" + text).encode("utf-8")).decode()
    return f"data:text/csv;charset=utf-8;base64,{data}"
