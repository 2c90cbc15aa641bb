"""``itlsim report PLAN_DIR``: the change planner's recommendation on one self-contained page.

Read from the plan's results folder only (``sim.output.planjob``): the recommendation document
(``recommendation/recommendation.json``, ``sim.plan.recommendation``), the full ranking
(``ranking.csv``, offered as a download) and the recommended procedure's run folder (its
``recovery.svg`` and the assumptions it used). The page says, for a change-advisory board: the
question and the goal; the recommended procedure step by step with the CUCM commands, the pages
to click and what to check before each step; its predicted outcome with 95 % intervals; how it
compares with Cisco's default guidance and the naive procedure (paired differences on common
random numbers); the trade-offs and equally good procedures; what would change the answer
(each alternative assumption, the share of phones switched off); how the search went; the
assumptions and provenance. Every number on the page is the document's, with its exact value
in ``data-value`` for a test to compare; the same folder gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from markupsafe import Markup

from sim import __version__
from sim.errors import ConfigError
from sim.output.formats import count, span
from sim.output.plantext import boundary_text, name, nothing_text
from sim.output.report import assumption_rows, csv_href, environment, value_text
from sim.output.reportdata import RunFolder, read_run
from sim.output.svgtext import inline

DOCUMENT = Path("recommendation") / "recommendation.json"
RANKING = Path("recommendation") / "ranking.csv"
RUNS = "recommended-run"
PLANNER_INFERENCES = "I60, I61, I62, I63, I64, I65"
SECTIONS = frozenset({"plan", "recommendation", "why_none", "comparisons", "tradeoffs",
                      "equivalent", "fragility", "search", "ranking", "metrics"})
"""The document's sections the page reads (``sim.plan.recommendation.document``)."""
ROLES = {"cisco": "Cisco's default guidance", "naive": "the naive procedure"}


def is_plan(folder: Path) -> bool:
    """A plan's results folder: it has the recommendation document."""
    return (folder / DOCUMENT).is_file()


def plan_page(folder: Path) -> str:
    """The plan report's HTML (module docstring)."""
    path = folder / DOCUMENT
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"cannot read the recommendation: {err}", path=str(path)) from None
    missing = sorted(SECTIONS - set(doc)) if isinstance(doc, dict) else sorted(SECTIONS)
    if missing:
        raise ConfigError(f"not a recommendation written by itlsim plan (no "
                          f"{', '.join(missing)}); run itlsim plan again", path=str(path))
    ranking = folder / RANKING
    return render_plan(doc, ranking.read_text(encoding="utf-8") if ranking.is_file() else None,
                       _recommended_run(folder, doc))


def render_plan(doc: dict[str, Any], ranking_csv: str | None, run: RunFolder | None) -> str:
    """The page of a recommendation document, its ranking CSV and the recommended run."""
    return environment().get_template("plan.html.j2").render(
        **plan_context(doc, ranking_csv, run))


def _recommended_run(folder: Path, doc: dict[str, Any]) -> RunFolder | None:
    """The run folder the document names (``planjob`` writes it); a folder copied without it
    still gives the page, without the plot."""
    relative = (doc.get("recommendation") or {}).get("run_folder")
    if not relative or not (folder / relative).is_dir():
        return None
    return read_run(folder / relative)


def stat(metric: str, s: dict[str, float] | None, *, signed: bool = False) -> dict[str, Any]:
    """A mean with its interval as the page shows it; ``data`` holds the exact mean."""
    if s is None:
        return {"text": "n/a", "interval": "", "raw": None, "note": ""}
    nothing, some = nothing_text(metric, s)
    floor = -float("inf") if signed else 0.0
    mean, low, high = s["mean"], max(s["ci_low"], floor), max(s["ci_high"], floor)
    shown = nothing or value_text(metric, abs(mean) if signed else mean)
    interval = "" if low == high else \
        f"{_signed(metric, low, signed)} to {_signed(metric, high, signed)}"
    return {"text": shown, "interval": interval, "raw": mean, "note": some}


def _signed(metric: str, x: float, signed: bool) -> str:
    return ("-" if signed and x < 0 else "") + value_text(metric, abs(x) if signed else x)


def plan_context(doc: dict[str, Any], ranking_csv: str | None, run: RunFolder | None
                 ) -> dict[str, Any]:
    """Everything the plan template shows."""
    plan, recommended = doc["plan"], doc["recommendation"]
    objective = [o["metric"] for o in plan["objective"]]
    return {
        "title": f"Change plan: {plan['name']}",
        "description": plan["description"],
        "version": __version__,
        "plan": plan,
        "question": [p for p in plan["question"].split("\n\n") if p.strip()],
        "objective": [{"key": o["metric"], "label": name(o["metric"]),
                       "tolerance": value_text(o["metric"], o["tolerance"])}
                      for o in plan["objective"]],
        "constraints": _constraints(plan["constraints"]),
        "recommended": recommended,
        "why_none": doc["why_none"],
        "predicted": [] if recommended is None else
        [{"key": m, "label": name(m), **stat(m, s)} for m, s in recommended["predicted"].items()],
        "comparison": _comparison(doc, objective),
        "references": [{"role": ROLES[c["role"]], "label": c["label"], "steps": c["steps"],
                        "problem": c["problem"]} for c in doc["comparisons"]],
        "verdicts": [_verdict(c) for c in doc["comparisons"]],
        "tradeoffs": [{"label": t["label"],
                       "better": [f"{name(m)} {value_text(m, abs(d))} less"
                                  for m, d in t["better"].items()],
                       "worse": [f"{name(m)} {value_text(m, d)} more"
                                 for m, d in t["worse"].items()]} for t in doc["tradeoffs"]],
        "equivalent": [e["label"] for e in doc["equivalent"]],
        "fragility": [_fragile(f) for f in doc["fragility"]],
        "boundaries": [boundary_text(b) for b in doc.get("offline_boundaries", [])],
        "search": doc["search"],
        "ranking": [{**r, "cells": [stat(m, r["objective"][m]) for m in objective]}
                    for r in doc["ranking"] if r["rank"] is not None],
        "unranked": sum(r["rank"] is None for r in doc["ranking"]),
        "ranking_href": None if ranking_csv is None else csv_href(ranking_csv),
        "ranking_file": f"ranking-{plan['name']}.csv",
        "plot": None if run is None or run.svg is None else Markup(inline(
            run.svg, "recommended", f"{plan['name']}: {recommended['label']}, the recommended "
            f"procedure in one run")),
        "run_id": None if run is None else run.path.name,
        "assumptions": assumption_rows(run.summary.get("assumptions", {}) if run else {}),
        "inferences": PLANNER_INFERENCES,
    }


def _constraints(given: dict[str, Any]) -> list[str]:
    """The plan's constraints in words (``sim.plan.spec.Constraints``)."""
    found = []
    if given["window_s"]:
        found.append(f"every step within {span(given['window_s'])} of the first")
    if given["max_phones_down"]:
        found.append(f"at most {count(given['max_phones_down'])} phones down at once in every "
                     f"replication")
    if given["no_technician_visits"]:
        found.append("no technician visits in any replication")
    return found


def _comparison(doc: dict[str, Any], objective: list[str]) -> list[dict[str, Any]]:
    """Per objective metric: the recommendation, each reference, the paired difference."""
    recommended = doc["recommendation"]
    if recommended is None:
        return []
    rows = []
    for metric in objective:
        rows.append({"key": metric, "label": name(metric),
                     "recommended": stat(metric, recommended["objective"][metric]),
                     "references": [{"role": c["role"],
                                     **stat(metric, _objective(doc, c["key"], metric)),
                                     "difference": stat(metric, c["difference"][metric],
                                                        signed=True)}
                                    for c in doc["comparisons"]]})
    return rows


def _objective(doc: dict[str, Any], key: str, metric: str) -> dict[str, float] | None:
    row = next((r for r in doc["ranking"] if r["key"] == key), None)
    return None if row is None else row["objective"][metric]


def _verdict(versus: dict[str, Any]) -> str:
    """The recommendation against a reference in one sentence; where it does not beat it
    with separate intervals, why not (the issue's "or the report says why not")."""
    who, metric = ROLES[versus["role"]], versus["deciding_metric"]
    if versus["verdict"] == "equal":
        return (f"As good as {who} on every objective metric: the paired differences lie "
                f"within the tolerances, so neither is better.")
    if versus["verdict"] == "undecided" or metric is None:
        return (f"Not told apart from {who} on {name(metric or '')}: the 95 % interval of the "
                f"paired difference reaches into the tolerance; more replications "
                f"(--replications) or a larger tolerance would decide.")
    side = "Better" if versus["verdict"] == "better" else "Worse"
    if versus["intervals_separate"]:
        return f"{side} than {who} on {name(metric)}, with intervals that do not overlap."
    return (f"{side} than {who} on {name(metric)} replication by replication (the paired "
            f"difference's interval is beyond the tolerance), but the two procedures' own "
            f"intervals overlap: the fleet's variation between replications is larger than "
            f"the difference.")


def _fragile(item: dict[str, Any]) -> dict[str, Any]:
    """A fragility row with its metric named as the page names metrics."""
    metric = item["metric"]
    return {**item, "metric_name": None if metric is None else name(metric)}
