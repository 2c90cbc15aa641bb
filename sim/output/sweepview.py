"""What sweep plots say about a sweep: parameters with their labels, units and categories, and
metrics with a reader's description and unit.

Parameter labels, units, ``categorical`` and ``value_labels`` come from the sweep file (kept in
the store); metric descriptions from ``METRICS``. Values read the way a person writes them:
times in a human unit (``30 min``), counts as a number and a noun that agree (``1 technician``,
``250 phones``), categories by their label (``all at once``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.errors import ItlsimError
from sim.output.formats import noun, number
from sim.scenario.durations import UNITS, human_duration
from sim.scenario.schema import suggest
from sim.sweep.safeexpr import Expression
from sim.sweep.store import SweepStore

TIME = "s"  # the unit of metrics that are durations in seconds
PHONE_HOURS = "phone-hours"
HOURS = "hours"  # work time, not a count
METRICS: dict[str, tuple[str, str]] = {
    "locked_peak": ("most phones locked at once", "phones"),
    "locked_final": ("phones still locked at the end", "phones"),
    "ever_locked": ("phones locked at some time", "phones"),
    "lock_events": ("lock events (a phone can lock more than once)", "lock events"),
    "recovered_bulk": ("locked phones recovered without a technician", "phones"),
    "recovered_tvs": ("locked phones recovered through TVS", "phones"),
    "recovered_manual": ("locked phones recovered by a technician", "phones"),
    "technician_hours": ("technician hours (visits, re-provisioning, remote resets)", HOURS),
    "not_recovered": ("locked phones never recovered", "phones"),
    "change_start_s": ("time of the change (first disruptive operation or lock)", TIME),
    "time_to_99pct_locked_recovered_s": (
        "time from the change until 99 % of the locked phones work again", TIME),
    "pre_change_working": ("phones working just before the change", "phones"),
    "time_to_pre_change_working_s": (
        "time from the change until as many phones work as before it", TIME),
    "locked_phone_hours": ("locked phone-hours (area under the locked curve)", PHONE_HOURS),
    "down_peak": ("most phones on but not working at once after the change", "phones"),
    "outage_phones": ("phones out of service at some time after the change", "phones"),
    "outage_median_s": ("median outage per phone (booting or locked after the change)", TIME),
    "outage_p95_s": ("95th percentile of the outage per phone", TIME),
    "manual_visits": ("technician visits at phones", "visits"),
    "remote_fixes": ("phones fixed remotely", "phones"),
    "phone_boots": ("phone boots", "boots"),
    "simulated_events": ("simulated events", "events"),
    "rsa_verifications": ("RSA signature checks", "checks"),
    "tftp_peak_in_use": ("most TFTP transfers at once", "transfers"),
    "tftp_peak_queue": ("most phones waiting for TFTP at once", "phones"),
    "tvs_peak_in_use": ("most TVS sessions at once", "sessions"),
    "tvs_peak_queue": ("most phones waiting for TVS at once", "phones"),
    "not_recoverable_by_bulk_reset": ("phones a bulk ITL reset would not recover", "phones"),
    "registered_final": ("phones registered to a CallManager at the end", "phones"),
    "unregistered_final": ("phones done booting but unregistered at the end", "phones"),
    "registration_retries": ("unregistered phones going back through TFTP", "retries"),
    "phones_total": ("phones", "phones"),
    "duration_s": ("simulated time", TIME),
}
_NESTED = {"final_states": ("phones {} at the end", "phones"),
           "lock_reasons": ("lock events with reason {}", "lock events"),
           "lock_reason_phones": ("phones locked with reason {}", "phones"),
           "itl_file_status": ("phones with ITL File Status {} at the end", "phones"),
           "operations": ("administrator operations {}", "operations")}


_PER_CLUSTER = {"phones": "phones whose option 150 points at cluster {} at the end",
                "registered_final": "phones registered to cluster {} at the end",
                "moved_in": "phones moved to cluster {}",
                "final_states": "phones {1} on cluster {0} at the end"}
"""The ``clusters.<name>.<count>`` metrics of a scenario with several clusters."""


def metric_label(name: str) -> tuple[str, str]:
    """A reader's description of metric ``name`` and its unit (``"s"`` for times)."""
    if name in METRICS:
        return METRICS[name]
    outer, _, inner = name.partition(".")
    if outer in _NESTED and inner:
        text, unit = _NESTED[outer]
        return text.format(inner), unit
    cluster, _, count = inner.partition(".")
    what, _, state = count.partition(".")
    if outer == "clusters" and what in _PER_CLUSTER:
        return _PER_CLUSTER[what].format(cluster, state), "phones"
    return name, ""


def is_count(unit: str) -> bool:
    """Metrics in a plural noun are counts: integer ticks."""
    return unit not in ("", TIME, PHONE_HOURS, HOURS)


def with_unit(label: str, unit: str) -> str:
    """``label (unit)``, unless the label already says it ("phone boots", not "phone boots
    (boots)")."""
    if not unit or unit in label:
        return label
    return f"{label} ({unit})"


def check_metric(store: SweepStore, name: str) -> str:
    names = store.metric_names()
    if name not in names:
        raise ItlsimError(f"--metric: no metric {name!r} in {store.path}"
                          f"{suggest(name, names)} (metrics: {', '.join(names)})")
    return name


@dataclass(frozen=True)
class SweepView:
    """What the plots need from a store: its description and the current points."""

    store: SweepStore
    info: dict[str, Any]
    parameters: dict[str, dict[str, Any]]
    points: pd.DataFrame

    @classmethod
    def of(cls, store: SweepStore, where: str | None = None) -> SweepView:
        info = store.sweep_info()
        parameters = {p["name"]: p for p in info.get("parameters", [])}
        points = store.points()
        if where:
            try:
                expr = Expression.parse(where, list(parameters))
                points = points[[bool(expr.evaluate(row)) for row in
                                 points.to_dict("records")]]
            except ValueError as exc:
                raise ItlsimError(f"--where: {exc}") from None
        if points.empty:
            raise ItlsimError(f"{store.path}: no points to plot"
                              + (f" (--where {where!r} matches none)" if where else ""))
        return cls(store, info, parameters, points)

    def varying(self) -> list[str]:
        """Parameters given in the file (not computed) whose value differs between points."""
        return [name for name, p in self.parameters.items() if not p.get("expr")
                and self.points[name].nunique() > 1]

    def axes(self, x: str | None, y: str | None, *, need_y: bool) -> tuple[str, str | None]:
        """The x (default: the first varying parameter) and y (default: the next) parameters,
        checked against the sweep's (did-you-mean)."""
        varying = self.varying()
        xname = self._parameter(x or next(iter(varying), None), "--x")
        if not need_y:
            return xname, None
        return xname, self._parameter(y or next((p for p in varying if p != xname), None),
                                      "--y")

    def _parameter(self, name: str | None, option: str) -> str:
        if name not in self.parameters:
            names = list(self.parameters)
            raise ItlsimError(f"{option}: unknown parameter {name!r}{suggest(str(name), names)} "
                              f"(parameters: {', '.join(names)})")
        return name

    def metrics(self) -> list[str]:
        """The sweep file's metrics, each checked against the store (did-you-mean)."""
        return [check_metric(self.store, m) for m in self.info.get("metrics") or []]

    def categorical(self, name: str) -> bool:
        """Plotted as categories: declared so, or values that are not numbers."""
        p = self.parameters[name]
        return bool(p.get("categorical")) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in self.points[name])

    def order(self, name: str, present: Any) -> list[Any]:
        """The values of ``name`` among ``present`` in plotting order: file order for
        categories, ascending for numbers."""
        present = list(dict.fromkeys(present))
        listed = self.parameters[name].get("values") or []
        if self.categorical(name):
            return [v for v in listed if v in present] + [v for v in present if v not in listed]
        return sorted(present)

    def axis(self, name: str) -> tuple[float, str]:
        """Divisor and axis label of parameter ``name``."""
        p = self.parameters[name]
        unit = p.get("unit") or ""
        if unit in UNITS:
            return UNITS[unit], f"{p['label']} ({unit})"
        return 1.0, p["label"] if self.categorical(name) else with_unit(p["label"], unit)

    def value_text(self, name: str, value: Any) -> str:
        """A value as people write it: its label from ``value_labels``, a time in a human unit,
        a count with its noun (``1 technician``), other numbers to 3 digits."""
        p = self.parameters[name]
        labels = p.get("value_labels") or {}
        if str(value) in labels:
            return labels[str(value)]
        unit = p.get("unit") or ""
        if not isinstance(value, int | float) or isinstance(value, bool):
            return str(value)
        if unit in UNITS:
            return human_duration(value)
        return noun(value, unit) if unit else number(value)

    def show(self, name: str, value: Any) -> str:
        """``label = value`` for legends and panel titles; just the value when the label is
        its unit ("2 technicians", not "technicians = 2 technicians")."""
        p = self.parameters[name]
        text = self.value_text(name, value)
        if p["label"] == (p.get("unit") or None):
            return text
        return f"{p['label']} = {text}"

    def point_label(self, point: dict[str, Any]) -> str:
        """A point without parameters to show: a plan's candidate by its label, as the plan
        report names it (``sim.plan.evaluate`` records the labels); else ``point N``."""
        label = (self.info.get("labels") or {}).get(point["point_key"])
        return str(label) if label else f"point {point['point_index']}"

    def title(self, what: str) -> str:
        description = self.info.get("description") or ""
        kind = "plan" if self.info.get("kind") == "plan" else "sweep"
        return f"{what}\n{kind} {self.info.get('name', '?')}" + (f": {description}"
                                                               if description else "")

    def replications(self) -> int:
        return int(self.info.get("replications", 0))


def finite(values: Any) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]
