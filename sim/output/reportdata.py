"""What a run's report says, read from its run folder only (never from simulation objects).

A run folder stands on its own (``sim.output.runfolder``): ``summary.json`` has the numbers,
the event log (``events.jsonl`` or ``events.parquet``, ``sim.output.eventlog``) the operations
CUCM carried out or refused and the technicians' reboots, ``devicetlinfo.csv`` every phone
at the end, ``scenario.json`` the scenario as simulated, ``run.json`` the provenance,
``inventory.csv`` (an imported fleet) the device pools, models and descriptions, and
``recovery.svg`` the recovery plot. ``read_run`` turns them into plain data for the template.

The work list: the phones a bulk reset (``utils itl reset``, A4) cannot recover, the ones that
need a technician. A phone is on it when a technician fixed it during the run (a reboot with a
``manual-`` reason in the event log, section 7) or when at the end its ITL does not let a bulk
reset reach it (``recoverable_by_bulk_reset`` no in ``devicetlinfo.csv``: its ITL lacks the
reset ITL's signer, A4a, or it holds a CTL that only a technician deletes, P3b). With several
clusters each phone's cluster is the one its TFTP server belongs to at the end (where DHCP
option 150 points it, where its device record and CM group are: where a technician looks it
up); device pool names are per cluster, so the cluster qualifies the site.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from sim.errors import ConfigError

REQUIRED_FILES = ("summary.json", "devicetlinfo.csv")
EVENT_LOGS = ("events.jsonl", "events.parquet")
NOT_RECOVERABLE = ("false", "no")  # recoverable_by_bulk_reset (older run folders: yes/no)
FIXED_BY_HAND = "fixed by a technician during the change"
CANNOT_RESET = "a bulk reset cannot recover it"
RAISED = "raised"  # the status of an alert CUCM raised (sim.fleet.timeline.rtmt_alerts)


@dataclass(frozen=True)
class Operation:
    """One event of the timeline as the run carried it out (or CUCM refused it)."""

    at: float
    action: str
    command: str
    node: str
    note: str
    status: str
    message: str
    cluster: str = ""
    """With several clusters, the cluster it acted on as the event log names it, or the
    clusters an operation between them names (``to new``, ``from old to new``)."""


class WorkItem(NamedTuple):
    """A phone on the work list, with what the inventory says about it."""

    device_name: str
    cluster: str
    device_pool: str
    model: str
    description: str
    directory_number: str
    owner: str
    population: str
    why: str
    state_at_end: str
    itl_file_status: str


WORK_COLUMNS = WorkItem._fields
ONE_CLUSTER_COLUMNS = tuple(c for c in WORK_COLUMNS if c != "cluster")
"""The work list of a one-cluster run has no cluster column: the files it always had, byte for
byte, for the scripts and spreadsheets that read them."""


@dataclass(frozen=True)
class RunFolder:
    """The files of one run folder, parsed."""

    path: Path
    summary: dict[str, Any]
    run: dict[str, Any]
    scenario: dict[str, Any]
    operations: tuple[Operation, ...]
    """The scenario's events as carried out (done) or refused, in time order."""
    alerts: tuple[Operation, ...]
    """What CUCM raised by itself (the daily RTMT alert while ITLRecovery is not backed up)."""
    work: tuple[WorkItem, ...]
    svg: str | None
    png: bytes | None
    imported: bool

    @property
    def several(self) -> bool:
        """A run of several clusters (``[[clusters]]``)."""
        return len(self.scenario.get("clusters") or []) > 1

    @property
    def sites(self) -> list[tuple[str, str, str, int]]:
        """The work list by (cluster, device pool, model): how many phones each, largest
        first."""
        counts = Counter((w.cluster, w.device_pool, w.model) for w in self.work)
        return [(cluster, pool, model, n) for (cluster, pool, model), n in
                sorted(counts.items(), key=lambda i: (-i[1], i[0]))]

    def work_csv(self) -> str:
        """The work list as CSV (what the page's download holds); the cluster column with
        several clusters only (``ONE_CLUSTER_COLUMNS``)."""
        columns = WORK_COLUMNS if self.several else ONE_CLUSTER_COLUMNS
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([getattr(w, c) for c in columns] for w in self.work)
        return out.getvalue()


def read_run(folder: str | Path) -> RunFolder:
    """Read a run folder; a missing or unreadable file is one ``ConfigError`` line."""
    path = Path(folder)
    if not path.is_dir():
        raise ConfigError("no such run folder; expected results/<scenario>/<run id>/ as "
                          "itlsim run writes it", path=str(path))
    for name in REQUIRED_FILES:
        if not (path / name).is_file():
            raise ConfigError(f"no {name}: not a run folder (itlsim run writes {name})",
                              path=str(path))
    scenario = _json(path / "scenario.json") if (path / "scenario.json").exists() else {}
    inventory = _inventory(path / "inventory.csv")
    log = _event_log(path)
    logged = list(_operations(log))
    return RunFolder(
        path=path, summary=_json(path / "summary.json"),
        run=_json(path / "run.json") if (path / "run.json").exists() else {},
        scenario=scenario, operations=tuple(op for op in logged if op.status != RAISED),
        alerts=tuple(op for op in logged if op.status == RAISED),
        work=tuple(_work(path, _fixed_by_hand(log), inventory, scenario)),
        svg=_text(path / "recovery.svg"),
        png=(path / "recovery.png").read_bytes() if (path / "recovery.png").exists() else None,
        imported=bool(inventory))


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"cannot read: {err}", path=str(path)) from None
    if not isinstance(data, dict):
        raise ConfigError("expected a JSON object", path=str(path))
    return data


def _text(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def _event_log(folder: Path) -> Path:
    """The run's event log; a run without one (``--event-log none``) cannot be reported."""
    for name in EVENT_LOGS:
        if (folder / name).is_file():
            return folder / name
    raise ConfigError("no event log (the run used --event-log none): the report needs the "
                      "operations and the technicians' work; run again with --event-log jsonl "
                      "or parquet", path=str(folder))


def _operations(log: Path) -> Iterator[Operation]:
    """The operation records of the event log (every scenario event is one, done or refused;
    alerts CUCM raised by itself too)."""
    for entry in _records(log, "operation"):
        yield Operation(float(entry["t"]), entry["action"],
                        entry.get("command") or entry["action"].replace("_", " "),
                        entry.get("node") or "", entry.get("note") or "",
                        entry.get("status") or "done", entry.get("message") or "",
                        entry.get("cluster") or _between(entry.get("args") or {}))


def _between(args: dict[str, Any] | str) -> str:
    """Where an operation between clusters acts (``move_phones``' ``to``,
    ``import_certificates``' ``from`` and ``to``), as the plan shows it; ``""`` otherwise.
    ``args`` is a mapping in JSON lines, JSON text in Parquet."""
    found = json.loads(args) if isinstance(args, str) else args
    return " ".join(f"{key} {found[key]}" for key in ("from", "to") if found.get(key))


def _fixed_by_hand(log: Path) -> set[str]:
    """Phones a technician rebooted (reasons ``manual-remote`` / ``-menu`` / ``-factory``)."""
    return {entry["phone"] for entry in _records(log, "phone", "manual-")}


def _records(log: Path, kind: str, reason: str = "") -> Iterator[dict[str, Any]]:
    """The log's records of ``kind`` (phone records: whose reason starts with ``reason``),
    in log order, from JSON lines or Parquet (read by DuckDB)."""
    if log.suffix == ".parquet":
        import duckdb

        query = ("SELECT * FROM read_parquet(?) WHERE kind = ?"
                 + (" AND starts_with(reason, ?)" if reason else ""))
        relation = duckdb.connect().execute(query, [str(log), kind, *([reason] if reason
                                                                      else [])])
        columns = [c[0] for c in relation.description]
        yield from (dict(zip(columns, row, strict=True)) for row in relation.fetchall())
        return
    marker = f'"kind": "{kind}"'
    with open(log, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if marker not in line or (reason and f'"reason": "{reason}' not in line):
                continue
            try:
                yield json.loads(line)
            except ValueError:
                raise ConfigError("not a JSON line", path=str(log), line=number) from None


def _inventory(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return {row["device_name"]: row for row in csv.DictReader(handle)}


def _work(path: Path, fixed: set[str], inventory: dict[str, dict[str, str]],
          scenario: dict[str, Any]) -> Iterator[WorkItem]:
    """The work list (module docstring), in cluster, device pool, model, device name order."""
    models = {p["name"]: p.get("model", "") for p in scenario.get("phones", [])}
    clusters = _node_clusters(scenario)
    start = {p["name"]: p.get("cluster") or "" for p in scenario.get("phones", [])}
    items = []
    with open(path / "devicetlinfo.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name = row["phone"]
            cannot = row["recoverable_by_bulk_reset"] in NOT_RECOVERABLE
            if name not in fixed and not cannot:
                continue
            why = FIXED_BY_HAND if name in fixed else CANNOT_RESET
            if name in fixed and cannot:
                why += f"; at the end {CANNOT_RESET}"
            known = inventory.get(name, {})
            items.append(WorkItem(
                name, clusters.get(row["tftp_server"]) or start.get(row["population"], ""),
                known.get("device_pool") or row["population"],
                known.get("model") or models.get(row["population"], ""),
                known.get("description", ""), known.get("directory_number", ""),
                known.get("owner", ""), row["population"], why, row["state"],
                row["itl_file_status"]))
    yield from sorted(items, key=lambda w: (w.cluster, w.device_pool, w.model, w.device_name))


def _node_clusters(scenario: dict[str, Any]) -> dict[str, str]:
    """Node name -> the name of its cluster (node names are unique across clusters)."""
    return {node.get("name", ""): cluster.get("name", "")
            for cluster in scenario.get("clusters") or [scenario.get("cluster", {})]
            for node in cluster.get("nodes", [])}
