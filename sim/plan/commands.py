"""A procedure as a person carries it out: per step the CUCM CLI command or GUI path, where to
type it, and what to check before it.

The texts summarise Cisco's documents (cited per step by rule id and TechNote number, never
copied): the CLI commands of the CLI Reference (``set network hostname``, ``set cert regen``,
``utils itl reset localkey``, ``file get tftp ITLRecovery.p12``, ``set cert bulk ...``), the
administration pages named as the GUI shows them, and the checks the documents ask for before a
step: every phone holds the current ITL (DeviceTLInfo / CUCM 14's ITL File Status shows 0
MisMatch, O2), ``ITLRecovery.p12`` is saved (A7, A10), the hold timer has run out (A1), the
phones have registered again after the previous certificate change (A2), DNS knows the new host
name (K12's pre-change tasks). Node names follow the steps: after ``set network hostname`` the
node is typed as its new name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.plan.goals import Base
from sim.plan.steps import Timed, phones_in
from sim.scenario.durations import human_duration

ADMIN = "Cisco Unified CM Administration"
OS_ADMIN = "Cisco Unified OS Administration"
SERVICEABILITY = "Cisco Unified Serviceability > Tools > Control Center - Feature Services"
SERVICE_NAMES = {"TFTP": "Cisco Tftp", "TVS": "Cisco Trust Verification Service",
                 "CallManager": "Cisco CallManager"}
ITL_STATUS = ("DeviceTLInfo shows 0 MisMatch: every phone holds the current ITL (Device > "
              "Phone, Find by ITL File Status on 14+; O2, O2a)")


@dataclass(frozen=True)
class Instruction:
    """One step for a person: when, where, what to type or click, what to check first."""

    number: int
    at: float
    clock: str | None
    title: str
    where: str
    cli: tuple[str, ...] = ()
    gui: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    why: str = ""
    wait: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.number, "at_s": self.at, "clock": self.clock, "title": self.title,
                "where": self.where, "cli": list(self.cli), "gui": list(self.gui),
                "checks": list(self.checks), "rules": self.why, "wait": self.wait}


@dataclass
class _State:
    """What earlier steps changed that later texts need: host names, the backup, regens."""

    hostnames: dict[str, str]
    backed_up: str | None = None
    regenerated: list[str] = field(default_factory=list)
    reset_itl: bool = False


def instructions(timed: Sequence[Timed], base: Base, start: dt.datetime | None
                 ) -> list[Instruction]:
    """The procedure's steps as instructions (module doc); ``start`` is the clock time of t=0."""
    state = _State({name: name for name in base.nodes})
    result = []
    previous_end: float | None = None
    for number, step in enumerate(timed, 1):
        texts = _TEXTS[step.step.action](step.step.args, base, state)
        wait = "" if previous_end is None else _wait(step.at - previous_end)
        result.append(Instruction(number, step.at, _clock(start, step.at), step.step.label,
                                  wait=wait, why=step.step.why, **texts))
        previous_end = step.end
    return result


def _clock(start: dt.datetime | None, at: float) -> str | None:
    if start is None:
        return None
    return (start + dt.timedelta(seconds=at)).strftime("%a %Y-%m-%d %H:%M")


def _wait(seconds: float) -> str:
    return "right after the previous step" if seconds <= 0 else \
        f"{human_duration(seconds)} after the previous step"


Texts = dict[str, Any]


def _cli_on(node: str, state: _State, base: Base) -> str:
    role = "publisher" if node == base.publisher else "subscriber"
    return f"CLI of {state.hostnames.get(node, node)} ({role}), as an administrator"


def _backup(args: Mapping[str, Any], base: Base, state: _State) -> Texts:
    state.backed_up = args["sftp_host"]
    return {"where": _cli_on(base.publisher, state, base),
            "cli": ("file get tftp ITLRecovery.p12",
                    f"answer the SFTP prompts: {args['sftp_host']}, its user and a directory"),
            "checks": (f"the SFTP server {args['sftp_host']} is reachable from the publisher",
                       "you know the cluster security password: it protects ITLRecovery.p12 "
                       "(A7, A10)")}


def _change_checks(state: _State) -> tuple[str, ...]:
    checks = [ITL_STATUS]
    if state.backed_up:
        checks.append(f"ITLRecovery.p12 is on {state.backed_up} (the RTMT backup alert has "
                      f"stopped, A7)")
    return tuple(checks)


def _hostname(args: Mapping[str, Any], base: Base, state: _State) -> Texts:
    node, new = args["node"], args["new_name"]
    texts = {"where": _cli_on(node, state, base),
             "cli": ("set network hostname", f"enter {new} when asked; the node restarts"),
             "checks": (*_change_checks(state),
                        f"DNS has forward and reverse records for {new} (K12 pre-change "
                        f"tasks)")}
    state.hostnames[node] = new
    return texts


def _itl_reset(args: Mapping[str, Any], base: Base, state: _State) -> Texts:
    state.reset_itl = True
    mode = args["mode"]
    return {"where": _cli_on(base.publisher, state, base),
            "cli": (f"utils itl reset {mode}",) + ((
                f"give the SFTP host {args.get('sftp_host')} and the path of ITLRecovery.p12",)
                if mode == "remotekey" else ()),
            "checks": ("typed on the publisher: a subscriber refuses it (A4)",
                       "TFTP runs on every TFTP node (Control Center - Feature Services)")}


def _reset(args: Mapping[str, Any], base: Base, state: _State) -> Texts:
    size = int(args.get("batch_size", 0))
    pause = float(args.get("batch_pause", 0.0))
    phones = phones_in(args.get("population", "all"), base.phones)
    gui: tuple[str, ...]
    if size <= 0 or size >= phones:
        gui = (f"{ADMIN} > System > Enterprise Parameters > Reset (every device, "
               f"{phones:,} phones at once)",)
    else:
        batches = -(-phones // size)
        gui = (f"{ADMIN} > Device > Phone: select {size:,} phones, Reset Selected",
               f"every {human_duration(pause)} the next {size:,}: {batches} batches in all "
               f"(Cisco advises batches and watching registrations, A11)")
    return {"where": ADMIN, "gui": gui,
            "checks": ("TFTP is back on every TFTP node after the previous step (Control "
                       "Center - Feature Services shows Cisco Tftp started)",)}


def _restart(args: Mapping[str, Any], base: Base, state: _State) -> Texts:
    service = args["service"]
    name = SERVICE_NAMES[service]
    nodes = [n for n, services in base.nodes.items() if service in services] \
        if args["node"] == "all" else [args["node"]]
    ordered = sorted(nodes, key=lambda n: n != base.publisher)
    shown = ", ".join(state.hostnames.get(n, n) for n in ordered)
    checks: list[str] = []
    if service == "TFTP" and state.reset_itl:
        checks.append("the phones that were reset have registered again (Device > Phone, "
                      "Status: Registered): they now hold the reset ITL (A6)")
        state.reset_itl = False
    return {"where": f"{SERVICEABILITY}, on {shown} (publisher first, TN 214231)",
            "gui": (f"select {name}, Restart, on each node in turn",),
            "cli": (f"utils service restart {name} (on each node)",), "checks": tuple(checks)}


def _regen(args: Mapping[str, Any], base: Base, state: _State) -> Texts:
    node, cert = args["node"], args["cert"]
    checks = [f"no certificate regenerated on {state.hostnames.get(node, node)} in the last 5 "
              f"minutes (hold timer, A1)"]
    if not state.regenerated:
        checks[:0] = _change_checks(state)
    elif state.regenerated[-1] != cert:
        checks.append(f"the phones restarted and registered again after the {state.regenerated[-1]}"
                      f" regeneration: they hold the intermediate ITL (A2)")
    if cert == "ITLRecovery" and args.get("restart_tftp") is False:
        checks.append("CUCM restarts nothing after it: the ITL changes only when TFTP restarts "
                      "(A8, T4)")
    state.regenerated.append(cert)
    return {"where": _cli_on(node, state, base), "cli": (f"set cert regen {cert}",),
            "gui": (f"or {OS_ADMIN} > Security > Certificate Management > {cert} > "
                    f"Regenerate",),
            "checks": tuple(checks)}


def _rollback(args: Mapping[str, Any], base: Base, state: _State) -> Texts:
    value = "True" if args["enabled"] else "False"
    cluster = f" (cluster {args['cluster']})" if "cluster" in args else ""
    checks = (_change_checks(state) if args["enabled"] else
              ("the phones show an empty ITL after their reset (Settings > Security > Trust "
               "List; A9, P6)",))
    return {"where": f"{ADMIN}{cluster}",
            "gui": (f"System > Enterprise Parameters > Security Parameters > Prepare Cluster "
                    f"for Rollback to pre 8.0 = {value}, Save; 10.5+ resets the phones (A9)",),
            "checks": tuple(checks)}


def _records(args: Mapping[str, Any], base: Base, state: _State) -> Texts:
    return {"where": f"{ADMIN} of {args['cluster']}",
            "gui": (f"Bulk Administration > Phones > Insert Phones: device records for "
                    f"{args['population']} with a device pool whose CM group is on "
                    f"{args['cluster']}",)}


def _bulk(verb: str) -> Any:
    def texts(args: Mapping[str, Any], base: Base, state: _State) -> Texts:
        cluster = args.get("cluster", "")
        return {"where": f"{OS_ADMIN} of the publisher of {cluster}",
                "gui": (f"Security > Bulk Certificate Management > {verb.title()}",),
                "cli": (f"set cert bulk {verb} all",),
                "checks": _BULK_CHECKS[verb]}
    return texts


_BULK_CHECKS = {
    "export": ("the SFTP details are saved on this publisher (set cert bulk sftp, TN 215539)",),
    "consolidate": ("both clusters' exports are in the SFTP directory (Consolidate needs two "
                    "or more, A13)",),
    "import": ("Consolidate finished: the consolidated file is in the SFTP directory (A13)",),
}


def _move(args: Mapping[str, Any], base: Base, state: _State) -> Texts:
    size = int(args.get("batch_size", 0))
    how = "all at once" if size <= 0 else \
        f"in batches of {size:,}, {human_duration(float(args.get('batch_pause', 0)))} apart"
    return {"where": "the DHCP server, then " + ADMIN,
            "gui": (f"DHCP option 150 for {args['population']}: the TFTP servers of "
                    f"{args['to']}", f"reset the phones {how} (TN 213407, TN 215539)"),
            "checks": ("the destination's certificates are trusted where the phones ask "
                       "(Bulk Certificate Import done, or the rollback ITL installed)",
                       "the source's TVS nodes stay up until every phone, the ones switched "
                       "off included, has taken the destination's ITL: until then they check "
                       "it through the source's TVS (P5c, TN 215539)")}


_TEXTS: dict[str, Any] = {
    "backup_itlrecovery": _backup, "change_hostname": _hostname, "itl_reset": _itl_reset,
    "reset_phones": _reset, "restart_service": _restart, "regen_cert": _regen,
    "set_rollback": _rollback, "add_device_records": _records,
    "bulk_cert_export": _bulk("export"), "bulk_cert_consolidate": _bulk("consolidate"),
    "bulk_cert_import": _bulk("import"), "move_phones": _move,
}
ACTIONS_RENDERED = frozenset(_TEXTS)
