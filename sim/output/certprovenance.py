"""Which certificates a run's cluster used: real, re-keyed or simulated (``run.json``).

A scenario imported from a real cluster (``[cluster] certificates``) starts with certificates
that stand for real ones (``sim.trust.realcerts``): TVS and CAPF records kept byte for byte,
CallManager and ITLRecovery as re-keyed twins whose SHA-1 differs from the real one. The run
records, per node and role, the real SHA-1, the one the simulation used and how, so a reader
can line the simulated ``devicetlinfo.csv`` up with the real cluster. The clusters are built
once more from the scenario (the same seed gives the same certificates, ``sim.trust.keys``);
with several clusters (``[[clusters]]``, each may name its own certificates file) every row
names its cluster.
"""

from __future__ import annotations

from typing import Any

from sim.cluster.estate import Estate
from sim.scenario.assumptions import engine_assumptions
from sim.scenario.scenario import Scenario
from sim.trust.certificates import SIGNING_ROLES, Certificate

KEPT = "real record kept"
TWIN = "re-keyed twin (simulation-only key)"
SIMULATED = "simulated"


def how(cert: Certificate) -> str:
    """What the simulation did with a certificate at t = 0."""
    if cert.real is None:
        return SIMULATED
    return KEPT if cert.kept and cert.role not in SIGNING_ROLES else TWIN


def certificate_provenance(scenario: Scenario) -> list[dict[str, Any]]:
    """Per node and role at t = 0: subject, serial, the real and the simulated SHA-1, how
    (and the cluster, with several); ``[]`` for a scenario without imported certificates."""
    specs = scenario.clusters
    if not any(node.certificates for spec in specs for node in spec.nodes):
        return []
    estate = Estate.from_specs(specs, scenario.seed, engine_assumptions(scenario.assumptions))
    return [{**({"cluster": cluster.name} if estate.several else {}),
             "node": node.name, "role": role.value, "subject": cert.subject_name,
             "serial": cert.serial.hex(":").upper(), "how": how(cert),
             "real_sha1": cert.real.sha1.hex() if cert.real else None,
             "simulated_sha1": cert.sha1.hex(),
             "source": cert.real.source if cert.real else None}
            for cluster in estate.clusters.values()
            for node in cluster.nodes.values() for role, cert in node.certs.items()]
