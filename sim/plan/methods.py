"""The procedures a goal can be carried out by, built from the engine's rules and Cisco's
documented procedures, and the two references every plan is compared with.

A method turns one value of each choice it uses into ordered ``Step``s; ``sim.plan.steps``
gives them their times (the hold timer, A1). Each method says when the cluster cannot use it
(``unavailable``): ``utils itl reset`` needs 10.0 (A4), the 12.0+ ITL is signed by the
unchanged ITLRecovery key, ... Methods per goal:

- rename (A3): ``localkey`` -- the documented recovery: ``set network hostname``, ``utils itl
  reset localkey`` (A4; publisher only), reset the phones, keep the reset ITL served for a while,
  restart TFTP, reset again (A6); ``rollback`` -- "Prepare Cluster for Rollback to pre-8.0"
  before the rename so that phones hold the empty ITL and take any new one (A9, P6), set back
  afterwards; ``rename-only`` -- the rename and CUCM's own resets (A1b): enough when the ITL is
  signed by a key the rename keeps (12.0+: ITLRecovery, T6, section 2).
- regenerate (A1, A2, A8): the certificate types one after the other in a chosen ``order``, on
  the nodes publisher first or last, ``regen_gap`` apart (never under the hold timer);
  CallManager, TVS and CAPF with the procedure's TVS and TFTP restarts (TN 214231, I8);
  ITLRecovery by ``a8`` (the Security Guide's non-secure procedure: regenerate, ``utils itl
  reset localkey``, reset, restart TVS and TFTP, reset again) or ``restart`` (regenerate with the
  TVS and TFTP restarts and reset the phones).
- migrate (TN 213407, TN 215539; several clusters, A13-A15): device records on the destination, then
  ``bulk`` (Bulk Certificate Management: export on both publishers, consolidate, import on
  both), ``rollback`` (the source's rollback parameter) or ``by-hand`` (technicians delete the
  ITLs), then the phones are moved (DHCP option 150), in batches.

The references: ``naive`` is what an engineer who does not know about ITLs would do (rename
and reset everything; regenerate everything "at the same time", TN 225746; move the phones
without preparation), ``cisco`` is Cisco's default guidance as one procedure, its waits read as
``CISCO_WAIT`` (I60, I61).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sim.cluster.versions import (
    has_itl_recovery,
    itl_signed_by_recovery,
    rollback_resets_phones,
)
from sim.plan.choices import CISCO_WAIT, Choices
from sim.plan.goals import Base, Goal, Migrate, Regenerate, Rename
from sim.plan.steps import Step

RESET_AFTER = 120.0
"""A reset comes 2 minutes after the step that restarted TFTP (a restart takes 30 s by default,
T4), so the phones find the new files served (I63)."""
SETTLE = 300.0
"""Between steps that need no chosen wait (a backup, Bulk Certificate Management's pages; I63)."""
CISCO_ORDER = ("ITLRecovery", "CAPF", "TVS", "CallManager")
"""Cisco's default order of certificate types: the TFTP (CallManager) certificate last (K2,
A2); ITLRecovery, which has its own procedure (A8), first (I61)."""

Build = Callable[[Goal, Base, Choices], list[Step]]
Unavailable = Callable[[Goal, Base], str | None]


@dataclass(frozen=True)
class Method:
    """A way to carry out a goal: the choices it uses, its steps, when it is unavailable."""

    name: str
    help: str
    uses: tuple[str, ...]
    build: Build
    unavailable: Unavailable = lambda goal, base: None


# -- steps shared by every goal -----------------------------------------------------------------

def batches(choices: Choices) -> dict[str, Any]:
    """``batch_size`` and ``batch_pause`` of a reset or move; all at once has no pause, so
    two candidates that differ only in an unused pause are one timeline."""
    size = int(choices.get("batch_size", 0))
    return {"batch_size": size,
            "batch_pause": float(choices.get("batch_pause", 0.0)) if size > 0 else 0.0}


def reset(choices: Choices, after: float = RESET_AFTER, label: str = "reset phones",
          population: str = "all") -> Step:
    """Reset phones, in batches if chosen (A11); they reach registered phones (P9a)."""
    return Step("reset_phones", {"population": population, **batches(choices)}, after, label,
                "A11")


def backup(choices: Choices, base: Base) -> list[Step]:
    """``file get tftp ITLRecovery.p12`` first, when chosen (A7)."""
    if not choices.get("backup_itlrecovery") or base.sftp_host is None:
        return []
    return [Step("backup_itlrecovery", {"sftp_host": base.sftp_host}, 0.0,
                 "back up ITLRecovery.p12", "A7, A10")]


def _first(steps: list[Step], after: float) -> list[Step]:
    """The steps with the first one's wait replaced (the step after a backup waits SETTLE)."""
    if not steps:
        return steps
    head = steps[0]
    return [Step(head.action, head.args, after, head.label, head.why), *steps[1:]]


def _with_backup(choices: Choices, base: Base, steps: list[Step]) -> list[Step]:
    saved = backup(choices, base)
    return saved + _first(steps, SETTLE if saved else 0.0)


def _restart(service: str, after: float, label: str, why: str) -> Step:
    return Step("restart_service", {"node": "all", "service": service}, after, label, why)


def _localkey(after: float) -> Step:
    return Step("itl_reset", {"mode": "localkey"}, after, "utils itl reset localkey", "A4, A6")


def _needs_itl_recovery(goal: Goal, base: Base) -> str | None:
    if has_itl_recovery(base.version):
        return None
    return "utils itl reset needs CUCM 10.0 or later (A4, section 2)"


# -- rename ---------------------------------------------------------------------------------------

def _hostname(goal: Goal, after: float) -> Step:
    assert isinstance(goal, Rename)
    return Step("change_hostname", {"node": goal.node, "new_name": goal.new_name}, after,
                f"set network hostname {goal.new_name}", "A3, A1b, T6")


def rename_localkey(goal: Goal, base: Base, c: Choices) -> list[Step]:
    return _with_backup(c, base, [
        _hostname(goal, 0.0),
        _localkey(c["itl_reset_after"]),
        reset(c),
        _restart("TFTP", c["keep_reset_itl"], "restart TFTP (normal ITL again)", "A6, T4"),
        reset(c, label="reset phones again")])


def _rollback(enabled: bool, after: float, base: Base, c: Choices, cluster: str | None = None
              ) -> list[Step]:
    """The rollback parameter (A9); before 10.5 CUCM does not reset the phones itself."""
    args: dict[str, Any] = {"enabled": enabled}
    if cluster is not None:
        args["cluster"] = cluster
    state = "True" if enabled else "False"
    steps = [Step("set_rollback", args, after, f"Rollback to pre-8.0 = {state}", "A9, P6")]
    version = base.clusters.get(cluster, base.version) if cluster else base.version
    if not rollback_resets_phones(version):
        steps.append(reset(c))
    return steps


def rename_rollback(goal: Goal, base: Base, c: Choices) -> list[Step]:
    return _with_backup(c, base, [
        *_rollback(True, 0.0, base, c),
        _hostname(goal, c["rollback_lead"]),
        *_rollback(False, c["rollback_keep"], base, c)])


def rename_only(goal: Goal, base: Base, c: Choices) -> list[Step]:
    return _with_backup(c, base, [_hostname(goal, 0.0)])


# -- regenerate -----------------------------------------------------------------------------------

def _nodes(goal: Regenerate, cert: str, base: Base, node_order: str) -> list[str]:
    """The goal's nodes for ``cert``, the publisher first or last."""
    nodes = list(goal.nodes[cert])
    publisher = [n for n in nodes if n == base.publisher]
    others = [n for n in nodes if n != base.publisher]
    return publisher + others if node_order == "publisher-first" else others + publisher


def _regen(node: str, cert: str, after: float, restart: bool | None = None) -> Step:
    args: dict[str, Any] = {"node": node, "cert": cert}
    if restart is not None:
        args["restart_tftp"] = restart
    return Step("regen_cert", args, after, f"set cert regen {cert} on {node}",
                "A1, A1b, A2, I8" if cert != "ITLRecovery" else "A8, T4")


def _cert_type(goal: Regenerate, cert: str, base: Base, c: Choices, after: float,
               itlrecovery: str) -> list[Step]:
    """One certificate type on its nodes; the first waits ``after``, the others follow at once
    (the hold timer is per node, A1)."""
    nodes = _nodes(goal, cert, base, c["node_order"])
    if cert != "ITLRecovery":
        return [_regen(node, cert, after if i == 0 else 0.0) for i, node in enumerate(nodes)]
    if itlrecovery == "restart":
        return [_regen(nodes[0], cert, after, restart=True), reset(c)]
    return [_regen(nodes[0], cert, after, restart=False), _localkey(SETTLE), reset(c),
            _restart("TVS", c["keep_reset_itl"], "restart TVS (learns the new ITLRecovery)",
                     "TN 214231, P5b"),
            _restart("TFTP", 60.0, "restart TFTP (ITL signed by the new ITLRecovery)", "A8, T4"),
            reset(c, label="reset phones again")]


def renewal(itlrecovery: str) -> Build:
    def build(goal: Goal, base: Base, c: Choices) -> list[Step]:
        assert isinstance(goal, Regenerate)
        steps: list[Step] = []
        for i, cert in enumerate(c["order"]):
            steps += _cert_type(goal, cert, base, c, 0.0 if i == 0 else c["regen_gap"],
                                itlrecovery)
        return _with_backup(c, base, steps)
    return build


def _only_with_itlrecovery(goal: Goal, base: Base) -> str | None:
    if isinstance(goal, Regenerate) and "ITLRecovery" not in goal.certs:
        return "the goal does not regenerate ITLRecovery"
    return None


def orders(goal: Regenerate, given: Any) -> list[tuple[str, ...]]:
    """The orders to try: every permutation for ``"all"``, else the given lists."""
    if given == "all":
        return [tuple(p) for p in itertools.permutations(goal.certs)]
    return [tuple(order) for order in given]


# -- migrate --------------------------------------------------------------------------------------

def _records(goal: Migrate) -> list[Step]:
    return [Step("add_device_records", {"cluster": goal.target, "population": p}, 0.0,
                 f"device records for {p} on {goal.target}", "A15, I53, TN 215539")
            for p in goal.populations]


def _moves(goal: Migrate, c: Choices, after: float) -> list[Step]:
    return [Step("move_phones", {"population": p, "to": goal.target, **batches(c)},
                 after if i == 0 else RESET_AFTER, f"move {p} to {goal.target}",
                 "A15, P5c, I53, TN 213407, TN 215539")
            for i, p in enumerate(goal.populations)]


def migrate_bulk(goal: Goal, base: Base, c: Choices) -> list[Step]:
    """TN 215539: export on both publishers, consolidate on one, import on both."""
    assert isinstance(goal, Migrate)
    where = {"sftp_host": base.sftp_host, "sftp_directory": "/bulk"}
    pages = [Step("bulk_cert_export", {"cluster": goal.target, **where}, SETTLE,
                  f"Bulk Certificate Export on {goal.target}", "A13, I52, TN 215539"),
             Step("bulk_cert_export", {"cluster": goal.source, **where}, SETTLE,
                  f"Bulk Certificate Export on {goal.source}", "A13, I52, TN 215539"),
             Step("bulk_cert_consolidate", {"cluster": goal.source}, SETTLE,
                  f"Bulk Certificate Consolidate on {goal.source}", "A13, TN 215539"),
             Step("bulk_cert_import", {"cluster": goal.target}, SETTLE,
                  f"Bulk Certificate Import on {goal.target}", "A13, I51, TN 215539"),
             Step("bulk_cert_import", {"cluster": goal.source}, SETTLE,
                  f"Bulk Certificate Import on {goal.source}", "A13, I51, TN 215539")]
    return [*_records(goal), *pages, *_moves(goal, c, c["move_after"])]


def migrate_rollback(goal: Goal, base: Base, c: Choices) -> list[Step]:
    """TN 213407: the source serves the empty ITL, phones take the destination's on first use."""
    assert isinstance(goal, Migrate)
    return [*_records(goal), *_rollback(True, SETTLE, base, c, goal.source),
            *_moves(goal, c, c["rollback_lead"]),
            *_rollback(False, c["rollback_keep"], base, c, goal.source)]


def migrate_by_hand(goal: Goal, base: Base, c: Choices) -> list[Step]:
    assert isinstance(goal, Migrate)
    return [*_records(goal), *_moves(goal, c, c["move_after"])]


def _needs_sftp(goal: Goal, base: Base) -> str | None:
    return None if base.sftp_host else "Bulk Certificate Management needs an [[sftp]] server " \
                                       "in the base scenario (TN 215539)"


_BATCHES = ("batch_size", "batch_pause")
_COMMON = ("start", "technicians")
METHODS: dict[str, dict[str, Method]] = {
    "rename": {
        "localkey": Method("localkey", "rename, utils itl reset localkey, reset, restart TFTP, "
                           "reset (A3, A4, A6)",
                           ("itl_reset_after", "keep_reset_itl", *_BATCHES,
                            "backup_itlrecovery", *_COMMON),
                           rename_localkey, _needs_itl_recovery),
        "rollback": Method("rollback", "Rollback to pre-8.0 before the rename, back after "
                           "(A9, P6)", ("rollback_lead", "rollback_keep", *_BATCHES,
                                        "backup_itlrecovery", *_COMMON), rename_rollback),
        "rename-only": Method("rename-only", "the rename and CUCM's own resets (A1b)",
                              ("backup_itlrecovery", *_COMMON), rename_only),
    },
    "regenerate": {
        "a8": Method("a8", "certificate types in order; ITLRecovery by the Security Guide's "
                     "non-secure procedure (A8)",
                     ("order", "node_order", "regen_gap", "keep_reset_itl", *_BATCHES,
                      "backup_itlrecovery", *_COMMON), renewal("a8"), _only_with_itlrecovery),
        "restart": Method("restart", "certificate types in order, each with the TVS and TFTP "
                          "restarts (TN 214231)",
                          ("order", "node_order", "regen_gap", *_BATCHES,
                           "backup_itlrecovery", *_COMMON), renewal("restart")),
    },
    "migrate": {
        "bulk": Method("bulk", "Bulk Certificate Management, then move (TN 215539)",
                       ("move_after", *_BATCHES, *_COMMON), migrate_bulk, _needs_sftp),
        "rollback": Method("rollback", "Rollback to pre-8.0 on the source, move, set back "
                           "(TN 213407, A9)", ("rollback_lead", "rollback_keep", *_BATCHES,
                                               *_COMMON), migrate_rollback),
        "by-hand": Method("by-hand", "move; technicians delete the ITLs (section 7)",
                          ("move_after", *_BATCHES, *_COMMON), migrate_by_hand),
    },
}


# -- the references -------------------------------------------------------------------------------

Reference = Callable[[Goal, Base, Choices], tuple[str, list[Step]]]
"""A reference's steps and the method they follow (its own name if none)."""


def naive(goal: Goal, base: Base, c: Choices) -> tuple[str, list[Step]]:
    """What an engineer who does not know about ITLs does (module doc, I62), resets all at
    once."""
    once = {**c, "batch_size": 0, "batch_pause": 0.0}
    if isinstance(goal, Rename):
        return "naive", [_hostname(goal, 0.0),
                         reset(once, CISCO_WAIT, "reset phones (they show errors)")]
    if isinstance(goal, Regenerate):
        steps = [_regen(node, cert, 0.0, restart=False) for cert in goal.certs
                 for node in _nodes(goal, cert, base, "publisher-first")]
        return "naive", [*steps, _restart("TFTP", SETTLE, "restart TFTP", "T4"), reset(once)]
    return "by-hand", [*_records(goal), *_moves(goal, once, SETTLE)]


def cisco(goal: Goal, base: Base, c: Choices) -> tuple[str, list[Step]]:
    """Cisco's default guidance with its waits read as ``CISCO_WAIT`` (I60, I61)."""
    plain = {**c, "batch_size": 0, "batch_pause": 0.0, "itl_reset_after": CISCO_WAIT,
             "keep_reset_itl": CISCO_WAIT, "regen_gap": CISCO_WAIT, "move_after": CISCO_WAIT,
             "node_order": "publisher-first"}
    if isinstance(goal, Rename):
        if itl_signed_by_recovery(base.version) or not has_itl_recovery(base.version):
            return "rename-only", rename_only(goal, base, plain)
        return "localkey", rename_localkey(goal, base, plain)
    if isinstance(goal, Regenerate):
        order = tuple(cert for cert in CISCO_ORDER if cert in goal.certs)
        return "a8", renewal("a8")(goal, base, {**plain, "order": order})
    if base.sftp_host:
        return "bulk", migrate_bulk(goal, base, plain)
    return "by-hand", migrate_by_hand(goal, base, plain)


REFERENCES: Mapping[str, tuple[str, Reference]] = {
    "naive": ("the naive procedure: the change, then every phone reset at once", naive),
    "cisco": ("Cisco's default guidance, waits read as 10 minutes (I60, I61)", cisco),
}
