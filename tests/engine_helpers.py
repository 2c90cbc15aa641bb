"""Shared helpers for the trust-engine tests (tests/test_engine_*.py).

Clusters come from small inline TOML through the real loader (``TomlSource.parse`` +
``schema.validate`` + ``clusterspec.cluster_from``) with 1024-bit keys, so every certificate,
ITL and config signature is real RSA. ``boot`` runs a phone's boot decisions (section 4: CTL,
ITL, then the signed config) against what a TFTP node serves now.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.cluster import tftp
from sim.cluster.assumptions import DOCUMENTED, Assumptions
from sim.cluster.cluster import Cluster
from sim.cluster.operations import apply_effects
from sim.cluster.outcome import Outcome
from sim.cluster.phone import Decision, PhoneTrust, TvsContext
from sim.cluster.served import ConfigProfile
from sim.cluster.spec import ClusterSpec
from sim.scenario.clusterfile import CLUSTER_SCHEMA, cluster_from
from sim.scenario.schema import Table, validate
from sim.scenario.tomlsource import TomlSource
from sim.trust.verify import Verifier

BITS = "key_bits = { CallManager = 1024, TVS = 1024, CAPF = 1024, ITLRecovery = 1024 }"
PUB = ("pub", "publisher", ("CallManager", "TFTP", "TVS", "CAPF"))
SUB = ("sub", "subscriber", ("CallManager", "TFTP", "TVS"))
HOLD = 300.0


def cluster_toml(version: str = "10.0(1)", nodes=(PUB,), *, name: str = "lab",
                 domain: str = "lab.example", security_mode: str = "non-secure",
                 password: str = "ciscocisco", subnet: str = "10.0.0", table: str = "cluster"
                 ) -> str:
    """A ``[cluster]`` TOML text (``table = "clusters"``: one ``[[clusters]]`` entry): nodes
    given as (name, role, services), addressed ``<subnet>.10`` onwards."""
    header = f"[{table}]" if table == "cluster" else f"[[{table}]]"
    lines = [
        header, f'name = "{name}"', f'version = "{version}"', f'domain = "{domain}"',
        f'security_mode = "{security_mode}"', "issued = 2024-03-01T12:00:00Z",
        f'security_password = "{password}"',
        f"[{table}.organisation]",
        'ou = "tac"', 'o = "cisco"', 'l = "rtp"', 'st = "nc"', 'c = "US"',
    ]
    for i, (node, role, services) in enumerate(nodes):
        quoted = ", ".join(f'"{s}"' for s in services)
        lines += [f"[[{table}.nodes]]", f'name = "{node}"', f'role = "{role}"',
                  f'ip = "{subnet}.{10 + i}"', f"services = [{quoted}]", BITS]
    return "\n".join(lines) + "\n"


def spec_from(text: str) -> ClusterSpec:
    source = TomlSource.parse(text, "<test>")
    data = validate(source, Table({"cluster": CLUSTER_SCHEMA}))
    return cluster_from(source, data["cluster"])


def make_cluster(version: str = "10.0(1)", nodes=(PUB,), *, seed: int = 1, start: bool = True,
                 assumptions: Assumptions = DOCUMENTED, **kw) -> Cluster:
    """A cluster from inline TOML under ``assumptions`` (default: the documented ones); with
    ``start``, TVS and TFTP started on every node that runs them at t = 0."""
    cluster = Cluster.from_spec(spec_from(cluster_toml(version, nodes, **kw)), seed=seed,
                                assumptions=assumptions)
    if start:
        tftp.start_all(cluster)
    return cluster


@dataclass(frozen=True)
class Boot:
    """The decisions of one boot: CTL (None when no CTL is served), ITL, config."""

    ctl: Decision | None
    itl: Decision
    config: Decision

    @property
    def reasons(self) -> tuple[str, str]:
        return self.itl.reason, self.config.reason


def context(cluster: Cluster, cm_group: tuple[str, ...], reachable=None) -> TvsContext:
    servers = [cluster.node(name) for name in cm_group]
    if reachable is None:
        return TvsContext(cluster, servers)
    return TvsContext(cluster, servers, reachable)


def boot(phone: PhoneTrust, cluster: Cluster, node: str, now: float, *,
         verifier: Verifier | None = None, cm_group: tuple[str, ...] | None = None,
         unsigned_config: bool = False) -> Boot:
    """Boot ``phone`` from TFTP node ``node`` (section 4): CTL, ITL, then config.

    Accepted CTL/ITL files are installed; a rejected CTL or ITL leaves the old one and the phone
    calls ``fail()`` (P7, P3a). ``cm_group`` defaults to the serving node alone.
    """
    verifier = verifier or Verifier()
    cm_group = cm_group or (node,)
    served = cluster.served[node]
    ctx = context(cluster, cm_group)
    ctl = None
    if served.ctl is not None:
        ctl = phone.decide_ctl(served.ctl, ctx, verifier, now)
        if ctl.accepted:
            phone.ctl = served.ctl
        else:
            phone.fail()
    itl = phone.decide_itl(served.itl, ctx, verifier, now)
    if itl.accepted:
        phone.install_itl(served.itl)
    else:
        phone.fail()
    profile = ConfigProfile(cm_group)
    config = None if unsigned_config else tftp.served_config(cluster, served, profile)
    return Boot(ctl, itl, phone.decide_config(config, ctx, verifier, now))


def do(cluster: Cluster, outcome: Outcome, now: float) -> Outcome:
    """Carry out ``outcome``'s TFTP restarts at once (a driver without simulated time)."""
    apply_effects(cluster, outcome, now)
    return outcome


def served_bytes(cluster: Cluster) -> dict[str, bytes]:
    return {name: served.itl.raw for name, served in cluster.served.items()}


def certs_der(cluster: Cluster) -> dict[tuple[str, str], bytes]:
    return {(node.name, role.value): cert.der
            for node in cluster.nodes.values() for role, cert in node.certs.items()}
