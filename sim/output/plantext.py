"""The change planner's answer as text: the ranking ``itlsim plan`` prints, and the full
recommendation (``recommendation.txt``), both read from the recommendation document
(``sim.plan.recommendation``) so that they say what ``recommendation.json`` says.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from sim.output.formats import count, number, span
from sim.output.metricdefs import NOTHING

WIDTH = 100
_NAMES = {"locked_final": "locked at the end", "technician_hours": "technician hours",
          "locked_phone_hours": "locked phone-hours", "procedure_duration_s": "procedure duration",
          "manual_visits": "technician visits", "ever_locked": "phones locked at some time",
          "locked_peak": "most locked at once", "down_peak": "most down at once",
          "remote_fixes": "remote resets",
          "time_to_99pct_locked_recovered_s": "99% of locked phones back",
          "outage_p95_s": "95th percentile outage"}


def name(metric: str) -> str:
    return _NAMES.get(metric, metric)


def value(metric: str, x: float, units: Mapping[str, Any]) -> str:
    """A metric's value as people read it: durations as spans, counts with separators."""
    kind = units.get(metric, {}).get("unit", "phones")
    if kind == "s":
        return span(max(x, 0.0)) if x >= 0 else "-" + span(-x)
    if kind == "phones" and float(x).is_integer():
        return count(x)
    return number(x)


def stat(metric: str, s: Mapping[str, float], units: Mapping[str, Any], *,
         signed: bool = False) -> str:
    """``42.2 (30.5 to 53.8)``; a single value when the interval has no width. Metrics cannot
    be negative, so an interval's low end is shown at 0 at least, unless ``signed`` (a
    difference)."""
    floor = -float("inf") if signed else 0.0
    nothing, some = nothing_text(metric, s)
    if nothing:
        return nothing
    mean, low, high = (value(metric, max(s[k], floor), units)
                       for k in ("mean", "ci_low", "ci_high"))
    shown = mean if low == high == mean else f"{mean} ({low} to {high})"
    return f"{shown} ({some})" if some else shown


def nothing_text(metric: str, s: Mapping[str, Any]) -> tuple[str, str]:
    """Where a metric had nothing to measure (``sim.plan.recommendation``: no phone locked,
    no outage; read as 0 to rank, I64): in every replication, the words instead of the
    number ("none locked"); in some, a note for beside it ("none locked in 3 of 10
    replications, read as 0"); else two empty strings."""
    nothing = s.get("nothing")
    if not nothing or metric not in NOTHING:
        return "", ""
    words = NOTHING[metric][1]
    if nothing["replications"] == nothing["of"]:
        return words, ""
    return "", f"{words} in {nothing['replications']} of {nothing['of']} replications, read as 0"


def _line(metrics: Mapping[str, Mapping[str, float]], units: Mapping[str, Any]) -> str:
    return " | ".join(f"{name(m)} {stat(m, s, units)}" for m, s in metrics.items())


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def ranking_text(doc: Mapping[str, Any], top: int = 10) -> str:
    """The header, the ranked procedures and the verdicts: what ``itlsim plan`` prints."""
    plan, units = doc["plan"], doc["metrics"]
    lines = [f"plan {plan['name']}: {plan['goal']}", _search(doc["search"]), "",
             f"ranking (mean and 95% interval over {plan['replications']} replications; "
             f"objective in this order: {', '.join(name(o['metric']) for o in plan['objective'])}"
             f"):"]
    ranked = [r for r in doc["ranking"] if r["rank"] is not None]
    for row in ranked[:top]:
        tag = f"  [{row['status']}{', Pareto front' if row['pareto'] else ''}]"
        lines.append(_wrap(f"{row['rank']}. {row['label']}{tag}", " "))
        lines.append(_wrap(_line(row["objective"], units), "    "))
    rest = [r for r in doc["ranking"] if r["rank"] is None]
    if rest:
        lines.append(f" ... and {len(rest)} not ranked (dropped by the race or breaking a "
                     f"constraint; ranking.csv lists every candidate with why)")
    lines += ["", *verdict_lines(doc)]
    return "\n".join(lines)


def _search(search: Mapping[str, Any]) -> str:
    rounds = " -> ".join(f"{r['candidates']} x {r['replications']}" for r in search["rounds"])
    left = sum(search["left_out"].values())
    refined = "; ".join(f"{r['choice']} tried {', '.join(r['added']) or 'nothing new'}, best "
                        f"{r['best']}" for r in search["refinement"])
    return (f"  {search['candidates']} candidates ({left} left out before running, "
            f"{search['duplicate_timelines']} duplicate timelines); race {rounds} "
            f"(candidates x replications); {search['runs']:,} runs"
            + (f"; refined: {refined}" if refined else ""))


def verdict_lines(doc: Mapping[str, Any]) -> list[str]:
    """The recommendation, how it compares with the references, trade-offs and fragility."""
    units = doc["metrics"]
    recommended = doc["recommendation"]
    if recommended is None:
        return [_wrap(f"no recommendation: {doc['why_none']}", "")]
    lines = [_wrap(f"recommended: {recommended['label']}", "")]
    for versus in doc["comparisons"]:
        lines.append(_wrap(_versus(versus, units), "  "))
    if doc["equivalent"]:
        lines.append(_wrap(f"as good within the tolerances ({len(doc['equivalent'])}): "
                           + "; ".join(e["label"] for e in doc["equivalent"]), "  "))
    for trade in doc["tradeoffs"]:
        lines.append(_wrap(f"trade-off (Pareto front): {trade['label']}: " + _trade(trade, units),
                           "  "))
    lines.append(_wrap(_fragility(doc["fragility"]), "  "))
    lines += [_wrap(boundary_text(b), "  ") for b in doc.get("offline_boundaries", [])]
    return lines


def _versus(versus: Mapping[str, Any], units: Mapping[str, Any]) -> str:
    who = {"naive": "the naive procedure", "cisco": "Cisco's default guidance"}[versus["role"]]
    metric = versus["deciding_metric"]
    if versus["verdict"] == "equal":
        return f"against {who}: practically equal on every objective metric"
    if metric is None or versus["verdict"] == "undecided":
        return f"against {who}: not told apart on {name(metric or '')} in these replications"
    diff = versus["difference"][metric]
    side = "better" if versus["verdict"] == "better" else "worse"
    separate = "intervals separate" if versus["intervals_separate"] else "intervals overlap"
    return (f"against {who}: {side} on {name(metric)} by {value(metric, abs(diff['mean']), units)}"
            f" (paired difference {stat(metric, diff, units, signed=True)}; {separate})")


def _trade(trade: Mapping[str, Any], units: Mapping[str, Any]) -> str:
    better = ", ".join(f"{name(m)} {value(m, abs(d), units)} less" for m, d in
                       trade["better"].items())
    worse = ", ".join(f"{name(m)} {value(m, d, units)} more" for m, d in trade["worse"].items())
    return f"{better}, but {worse}" if worse else better


def _fragility(items: list[Mapping[str, Any]]) -> str:
    if not items:
        return "fragility: not checked"
    losses = [f for f in items if f["verdict"] == "loses"]
    if not losses:
        return (f"fragility: the recommendation holds under all {len(items)} variants tried "
                f"(each alternative assumption, no phones off, twice the phones off)")
    return "fragile: " + "; ".join(
        f"with {f['label']}, " + (f"{f['rival']} is better on {name(f['metric'])}" if f["rival"]
                                  else f"it fails: {f['note']}") for f in losses)


def boundary_text(boundary: Mapping[str, Any]) -> str:
    """Where the share of phones off changes the answer, in one sentence."""
    fewer = boundary["loses"] < boundary["holds"]
    whom = (f"{boundary['rival']} is better on {name(boundary['metric'])}" if boundary["rival"]
            else f"it fails: {boundary['note']}")
    return (f"the answer changes with {'fewer' if fewer else 'more'} phones off: it holds with "
            f"{boundary['holds']:.1%} of the phones switched off (base {boundary['base']:.1%}); "
            f"with {boundary['loses']:.1%} {whom}")


def recommendation_text(doc: Mapping[str, Any]) -> str:
    """The whole recommendation: question, procedure step by step, prediction, verdicts."""
    plan, units = doc["plan"], doc["metrics"]
    lines = [f"CHANGE PLAN {plan['name']}", "", plan["question"] or plan["description"], "",
             f"goal: {plan['goal']}",
             f"base scenario: {plan['base']} (from the plan file {plan['file']})", ""]
    recommended = doc["recommendation"]
    if recommended is None:
        return "\n".join([*lines, *verdict_lines(doc)])
    lines += [f"RECOMMENDED PROCEDURE: {recommended['label']}", ""]
    for step in recommended["steps"]:
        when = step["clock"] or f"t = {span(step['at_s'])}"
        lines.append(_wrap(f"{step['step']}. {when}: {step['title']} ({step['wait'] or 'first'}"
                           f"; {step['rules']})", ""))
        lines.append(_wrap(f"where: {step['where']}", "     "))
        lines += [_wrap(f"check first: {c}", "     ") for c in step["checks"]]
        lines += [_wrap(f"type: {c}", "     ") for c in step["cli"]]
        lines += [_wrap(f"click: {g}", "     ") for g in step["gui"]]
    lines += ["", f"PREDICTED OUTCOME ({recommended['replications']} replications, mean and "
                  f"95% interval):"]
    lines += [f"  {name(m)}: {stat(m, s, units)}" for m, s in recommended["predicted"].items()]
    lines += ["", *verdict_lines(doc), "", "full ranking: ranking.csv; every candidate's "
              "timeline: candidates.json; numbers: recommendation.json"]
    return "\n".join(lines)
