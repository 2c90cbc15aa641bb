"""Administrator operations on a cluster, with CUCM's own rules and messages (A1-A11).

Each operation checks everything first and only then changes state, so a refusal changes
nothing. It returns an ``Outcome`` (done or refused, CUCM's message) that is also appended to
``cluster.audit``. ``effects`` are what the cluster does next on its own, which a driver (the
simulation, or ``apply_effects`` in tests) carries out: restart TFTP on nodes (T4), reset phones
(A1b, A9). Time is a number passed in (the 5-minute hold timer, A1); nothing here waits.
"""

from __future__ import annotations

from sim.cluster.cluster import Cluster, Node
from sim.cluster.outcome import Effect, Outcome
from sim.cluster.tftp import build_ctl, start_tftp, stop_tftp, timestamp_at
from sim.cluster.versions import (
    has_itl_recovery,
    has_phone_interaction_parameter,
    rollback_resets_phones,
    single_itl_recovery,
)
from sim.trust.certificates import Role

HOLD_SECONDS = 300.0
ITL_CERT_ROLES = (Role.CALLMANAGER, Role.TVS, Role.CAPF)


def record(cluster: Cluster, outcome: Outcome) -> Outcome:
    """Append ``outcome`` to the audit log, once; a done operation bumps ``cluster.revision``."""
    cluster.audit.append(outcome)
    if outcome.done:
        cluster.touch()
    return outcome


def refuse(cluster: Cluster, now: float, action: str, node: str | None, message: str) -> Outcome:
    return record(cluster, Outcome(now, action, node, False, message))


def down(node: Node) -> str | None:
    """Why a command cannot run on ``node`` now: its CLI is unreachable while it is down [I]."""
    return None if node.up else f"{node.hostname} is down: the command cannot be run there"


def tftp_everywhere(cluster: Cluster) -> Effect:
    """Restart TFTP on every TFTP node, so each rebuilds its ITL (T4)."""
    return Effect("restart_tftp", tuple(n.name for n in cluster.nodes_with("TFTP")))


def restart_everywhere(cluster: Cluster) -> tuple[Effect, ...]:
    """The regeneration procedure's restarts: TVS on every TVS node, then TFTP everywhere
    (TechNote 214231, "Regenerate Certificates in Unified Communications Manager", restarts
    them publisher first; I8, P5b)."""
    return Effect("restart_tvs", tuple(n.name for n in cluster.nodes_with("TVS"))), \
        tftp_everywhere(cluster)


def auto_reset(cluster: Cluster, role: Role = Role.CALLMANAGER) -> tuple[Effect, ...]:
    """A1b: CUCM resets phones when a certificate in the ITL changes (on 14+ only while
    "Phone Interaction on Certificate Update" is on, K8). An ITLRecovery change resets phones
    only on 14+, where the parameter covers "TFTP (CallManager/ITLRecovery)" certificates (A1c,
    TechNote 221070); before, A8 resets nobody."""
    if has_phone_interaction_parameter(cluster.version):
        return (Effect("reset_phones"),) if cluster.phone_interaction_on_cert_update else ()
    return () if role is Role.ITLRECOVERY else (Effect("reset_phones"),)


# -- A1, A8: certificate regeneration --------------------------------------------------------

def regen_cert(cluster: Cluster, node_name: str, role: Role, now: float, *,
               restart_tftp: bool | None = None) -> Outcome:
    """``set cert regen <role>`` on a node, with the 5-minute hold timer (A1).

    CallManager/TVS/CAPF: the ITL changes, so the procedure restarts TVS and then TFTP to rebuild
    it (T4, I8, TechNote 214231; unless ``restart_tftp`` is false) and phones are reset (A1b).
    ITLRecovery: nothing restarts unless ``restart_tftp`` is true, so the ITL changes only at the
    next TFTP restart (A8, T4); 14+ resets phones (A1c). From 12.5 the ITLRecovery certificate
    is the cluster's, regenerated on the publisher only (T8).
    """
    action = f"set cert regen {role.value}"
    node = cluster.node(node_name)
    if why_down := down(node):
        return refuse(cluster, now, action, node.name, why_down)
    if role not in node.certs:
        return refuse(cluster, now, action, node.name,
                      f"{role.value} certificate does not exist on {node.hostname}")
    if role is Role.ITLRECOVERY and single_itl_recovery(cluster.version) and \
            not node.is_publisher:
        return refuse(cluster, now, action, node.name,
                      "From 12.5 the ITLRecovery certificate is generated on the publisher and "
                      "distributed to the subscribers: regenerate it on the publisher")
    if node.last_regen is not None and now - node.last_regen[0] < HOLD_SECONDS:
        previous = node.last_regen[1].value
        return refuse(cluster, now, action, node.name,
                      f"{previous} certificate was modified in the last 5 minutes. Please "
                      f"re-try regenerating {role.value} certificate at a later time")
    cluster.regenerate(node, role, when=cluster.at(now))
    node.last_regen = (now, role)
    if restart_tftp is None:
        restart_tftp = role in ITL_CERT_ROLES
    effects = (restart_everywhere(cluster) if restart_tftp else ()) + auto_reset(cluster, role)
    return record(cluster, Outcome(now, action, node.name, True,
                                   f"Successfully Regenerated Certificate for {role.value}.",
                                   effects))


# -- A3: hostname, IP and domain changes -----------------------------------------------------

def _regenerate_node(cluster: Cluster, node: Node, now: float) -> None:
    """A hostname/IP/domain change regenerates every certificate of the node except
    ITLRecovery, which keeps its original CN (A3, T6)."""
    for role in ITL_CERT_ROLES:
        if role in node.certs:
            cluster.regenerate(node, role, when=cluster.at(now))
    node.last_regen = (now, Role.CALLMANAGER)


def _changed(cluster: Cluster, now: float, action: str, node: str | None, message: str
             ) -> Outcome:
    effects = restart_everywhere(cluster) + auto_reset(cluster)
    return record(cluster, Outcome(now, action, node, True, message, effects))


def change_hostname(cluster: Cluster, node_name: str, new_name: str, now: float) -> Outcome:
    """``set network hostname``: ``node.hostname`` changes, ``node.name`` (the scenario's id)
    stays; CallManager/TVS/CAPF are regenerated under the new name, ITLRecovery keeps its
    original CN (A3, T6)."""
    node = cluster.node(node_name)
    action = f"set network hostname {new_name}"
    if why_down := down(node):
        return refuse(cluster, now, action, node.name, why_down)
    if any(n.hostname == new_name for n in cluster.nodes.values()):
        return refuse(cluster, now, action, node.name, f"hostname {new_name} is already in use")
    old = node.hostname
    node.hostname = new_name
    _regenerate_node(cluster, node, now)
    return _changed(cluster, now, action, node.name,
                    f"Hostname changed from {old} to {new_name}; certificates regenerated")


def change_ip(cluster: Cluster, node_name: str, new_ip: str, now: float) -> Outcome:
    """``set network ip eth0``: the node's address changes and the node restarts (A3a).

    Certificates name the host, not the address, so nothing is regenerated (TechNote 118893
    lists hostname, domain and regeneration as what changes the CallManager certificate); the
    assumption ``ip_change_regenerates_certificates`` restores A3's reading (regenerated like a
    hostname change, I9). Phones reach the node by the address DHCP option 150 and their cached
    config give them, so they lose it until option 150 is updated (``update_option150``) or a
    new config names the new address; in mixed mode the CTL lists the old address until ``utils
    ctl update CTLFile`` ("Changing the IP Address and Hostname for CUCM 12.5(1)", P3c).
    """
    node = cluster.node(node_name)
    action = f"set network ip eth0 {new_ip}"
    if why_down := down(node):
        return refuse(cluster, now, action, node.name, why_down)
    node.ip = new_ip
    if cluster.assumptions.ip_change_regenerates_certificates:
        _regenerate_node(cluster, node, now)
        return _changed(cluster, now, action, node.name,
                        f"IP address of {node.hostname} changed to {new_ip}; certificates "
                        f"regenerated")
    restarts = tuple(Effect(kind, (node.name,)) for kind, service in
                     (("restart_tvs", "TVS"), ("restart_tftp", "TFTP"))
                     if service in node.services)
    return record(cluster, Outcome(now, action, node.name, True,
                                   f"IP address of {node.hostname} changed to {new_ip}; the "
                                   f"node restarted, its certificates are unchanged", restarts))


def change_domain(cluster: Cluster, new_domain: str, now: float) -> Outcome:
    """A domain change regenerates the certificates of every node (A3, K11)."""
    old = cluster.domain
    cluster.domain = new_domain
    for node in cluster.nodes.values():
        _regenerate_node(cluster, node, now)
    return _changed(cluster, now, f"set network domain {new_domain}", None,
                    f"Domain changed from {old} to {new_domain}; certificates regenerated")


# -- services and faults ---------------------------------------------------------------------

def start_service(cluster: Cluster, node_name: str, service: str, now: float) -> Outcome:
    """Start ``service``; starting TFTP rebuilds the node's files (T4). A node that is down
    serves nothing, so the start is refused (its files appear when it comes back)."""
    node = cluster.node(node_name)
    action = f"utils service start {service}"
    if service not in node.services:
        return refuse(cluster, now, action, node.name,
                      f"Cisco {service} is not activated on {node.hostname}")
    if why_down := down(node):
        return refuse(cluster, now, action, node.name, why_down)
    if service == "TFTP":
        start_tftp(cluster, node, now)
    else:
        node.running.add(service)
        if service == "TVS":
            cluster.start_tvs(node)
    return record(cluster, Outcome(now, action, node.name, True,
                                   f"Cisco {service} service started on host {node.hostname}"))


def stop_service(cluster: Cluster, node_name: str, service: str, now: float) -> Outcome:
    """Stop ``service``: a stopped TVS cannot answer phones (P5), a stopped TFTP serves
    nothing."""
    node = cluster.node(node_name)
    if service not in node.services:
        return refuse(cluster, now, f"utils service stop {service}", node.name,
                      f"Cisco {service} is not activated on {node.hostname}")
    if service == "TFTP":
        stop_tftp(cluster, node)
    else:
        node.running.discard(service)
    return record(cluster, Outcome(now, f"utils service stop {service}", node.name, True,
                                   f"Cisco {service} service stopped on host {node.hostname}"))


def set_node_power(cluster: Cluster, node_name: str, up: bool, now: float) -> Outcome:
    """A node going down or coming back (a fault). Coming back restarts TFTP if it was running
    (T4); a TFTP service stopped by the administrator stays stopped."""
    node = cluster.node(node_name)
    node.up = up
    if up and "TVS" in node.running:
        cluster.start_tvs(node)
    if up and "TFTP" in node.running:
        start_tftp(cluster, node, now)
    elif not up:
        cluster.served.pop(node.name, None)
    state = "up" if up else "down"
    return record(cluster, Outcome(now, f"node {state}", node.name, True,
                                   f"{node.hostname} is {state}"))


# -- enterprise parameters, version, security mode -------------------------------------------

def set_rollback(cluster: Cluster, enabled: bool, now: float) -> Outcome:
    """"Prepare Cluster for Rollback to pre-8.0" (A9): TFTP serves an empty ITL; 10.5+ resets
    phones by itself."""
    cluster.rollback = enabled
    resets = (Effect("reset_phones"),) if rollback_resets_phones(cluster.version) else ()
    return record(cluster, Outcome(
        now, f"Prepare Cluster for Rollback to pre-8.0 = {enabled}", None, True,
        f"Enterprise parameter set to {enabled}", (tftp_everywhere(cluster),) + resets))


def set_phone_interaction(cluster: Cluster, enabled: bool, now: float) -> Outcome:
    """"Phone Interaction on Certificate Update" (14+, A1b, K8)."""
    action = f"Phone Interaction on Certificate Update = {enabled}"
    if not has_phone_interaction_parameter(cluster.version):
        return refuse(cluster, now, action, None, "This enterprise parameter exists from 14.0 on")
    cluster.phone_interaction_on_cert_update = enabled
    return record(cluster, Outcome(now, action, None, True, f"Enterprise parameter set to "
                                                            f"{enabled}"))


def upgrade(cluster: Cluster, version: tuple[int, int], now: float) -> Outcome:
    """Switch the cluster to ``version``; 10.0+ creates ITLRecovery keys (section 2). The
    switch-over reboots every node: files are rebuilt and phones reset."""
    action = f"upgrade to {version[0]}.{version[1]}"
    if version < cluster.version:
        return refuse(cluster, now, action, None, "Downgrades are not supported; switch back "
                                                  "to the inactive partition instead")
    cluster.version = version
    if has_itl_recovery(version):
        for node in cluster.nodes.values():
            if Role.ITLRECOVERY not in node.certs:
                cluster.set_certificate(node, Role.ITLRECOVERY, cluster.issue(
                    node, Role.ITLRECOVERY, when=cluster.at(now)))
    if single_itl_recovery(version):
        cluster.share_itl_recovery()  # T8: the publisher's, kept with its old validity
    return record(cluster, Outcome(now, action, None, True, "Switch version completed",
                                   restart_everywhere(cluster) + (Effect("reset_phones"),)))


def set_mixed_mode(cluster: Cluster, enabled: bool, now: float) -> Outcome:
    """``utils ctl set-cluster mixed-mode`` / ``non-secure-mode`` (P3)."""
    cluster.security_mode = "mixed" if enabled else "non-secure"
    cluster.ctl_bytes = build_ctl(cluster, timestamp=timestamp_at(cluster, now)) if enabled \
        else None
    return record(cluster, Outcome(now, f"utils ctl set-cluster {cluster.security_mode}", None,
                                   True, "The CTL file was generated successfully" if enabled
                                   else "Cluster set to non-secure mode",
                                   (tftp_everywhere(cluster), Effect("reset_phones"))))


def ctl_update(cluster: Cluster, now: float) -> Outcome:
    """``utils ctl update CTLFile``: rebuild the CTL from current certificates (P3)."""
    if cluster.security_mode != "mixed":
        return refuse(cluster, now, "utils ctl update CTLFile", None,
                      "The cluster is not in mixed mode")
    cluster.ctl_bytes = build_ctl(cluster, timestamp=timestamp_at(cluster, now))
    return record(cluster, Outcome(now, "utils ctl update CTLFile", None, True,
                                   "The CTL file was generated successfully",
                                   (tftp_everywhere(cluster), Effect("reset_phones"))))


def apply_effects(cluster: Cluster, outcome: Outcome, now: float) -> list[str]:
    """Carry out ``restart_tftp`` effects at once (for tests and tools without simulated time);
    returns the other effects' kinds (e.g. ``reset_phones``) for the caller."""
    pending = []
    for effect in outcome.effects:
        if effect.kind == "restart_tvs":
            restart_tvs(cluster, effect.nodes)
        elif effect.kind == "restart_tftp":
            for name in effect.nodes:
                node = cluster.node(name)
                if node.up:
                    start_tftp(cluster, node, now)
        elif effect.kind == "bounce_tftp":
            continue  # the same files come back after the outage: nothing to do without time
        else:
            pending.append(effect.kind)
    return pending


def restart_tvs(cluster: Cluster, names: tuple[str, ...]) -> None:
    """Restart TVS on the named nodes that are up and run it: each reloads what it vouches for
    (P5b). The restart is short; the simulation plays it at once."""
    for name in names:
        node = cluster.node(name)
        if node.serves("TVS"):
            cluster.start_tvs(node)
