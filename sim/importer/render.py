"""The files ``itlsim import`` writes, as text: the scenario, its inventory, its certificates.

Deterministic by construction, so reimporting the same inputs gives the same bytes: inputs are
named by file name and SHA-256 (never by path or time), populations and devices are sorted,
LF line ends, UTF-8 without a byte order mark. Every imported value carries a comment saying
where it came from (``ImportedCluster.notes``, ``ImportedNode.notes``, the populations'
reasons); the plan is copied as written (``sim.importer.plan``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sim.importer.clusterspec import ImportedCluster, ImportedNode
from sim.importer.fleet import ImportedFleet, ImportedPopulation
from sim.importer.plan import Plan
from sim.trust.certificates import SIGNING_ROLES, Role
from sim.trust.realcerts import RealCertificate

WIDTH = 99
SCENARIO, INVENTORY, CERTIFICATES = "scenario.toml", "inventory.csv", "certificates.toml"
INVENTORY_COLUMNS = (
    "device_name", "population", "device_pool", "model", "load", "firmware", "itl_support",
    "reports_devicetlinfo", "initial_itl", "initial_itl_from", "initial_itl_why",
    "reported_itl_sha1", "reported_tftp", "reported_status", "description",
    "directory_number", "owner", "source")
DEFAULT_DURATION = "1d"


@dataclass(frozen=True)
class Input:
    """An input file as the scenario's header lists it."""

    name: str
    sha256: str
    what: str


@dataclass(frozen=True)
class Rendered:
    """The scenario's text and, per line, the plan line it was copied from (or ``None``)."""

    text: str
    plan_lines: tuple[int | None, ...]


def toml_value(value: object) -> str:
    """A TOML value: basic strings (JSON's escapes are TOML's), booleans, numbers, lists,
    inline tables, UTC date-times."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return str(value)


def comment(text: str, indent: str = "") -> list[str]:
    """``text`` as ``#`` lines of at most ``WIDTH`` characters (line breaks become spaces)."""
    return textwrap.wrap(" ".join(text.split()), WIDTH - len(indent) - 2,
                         initial_indent=f"{indent}# ", subsequent_indent=f"{indent}# ",
                         break_on_hyphens=False) if text.strip() else []


def assign(key: str, value: object, note: str = "") -> list[str]:
    """``key = value`` with ``note`` after it when it fits, else above it."""
    line = f"{key} = {toml_value(value)}"
    if not note:
        return [line]
    inline = f"{line}  # {' '.join(note.split())}"
    return [inline] if len(inline) <= WIDTH else [*comment(note), line]


class _Lines:
    """Scenario lines with the plan line each came from."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.origin: list[int | None] = []

    def add(self, *lines: str) -> None:
        self.lines += lines
        self.origin += [None] * len(lines)

    def copy(self, numbered: Iterable[tuple[int, str]]) -> None:
        for number, line in numbered:
            self.lines.append(line)
            self.origin.append(number)


def scenario_text(cluster: ImportedCluster, fleet: ImportedFleet | None, plan: Plan | None,
                  inputs: Sequence[Input]) -> Rendered:
    """The scenario file (module docstring)."""
    out = _Lines()
    out.add(*_header(cluster, fleet, inputs), "")
    _simulation(out, cluster, plan)
    out.add("", *_cluster(cluster))
    if fleet is not None:
        out.add("", *_fleet(fleet))
    else:
        out.add("", *comment("No phone inventory imported: an invented population; import a "
                             "BAT export or listPhone dump with --phones for the real fleet."),
                "[[phones]]", 'name = "phones"', "count = 1000")
    if plan is not None and plan.rest:
        out.add("", *comment(f"The plan, copied from {plan.name} as written."), "")
        out.copy(plan.rest)
    return Rendered("\n".join(out.lines) + "\n", tuple(out.origin))


def _header(cluster: ImportedCluster, fleet: ImportedFleet | None, inputs: Sequence[Input]
            ) -> list[str]:
    width = max(len(i.name) for i in inputs)
    lines = [*comment(f"Cluster {cluster.name}, imported by `itlsim import`: edit freely. "
                      "Importing the same inputs again writes this file byte for byte."),
             "#", "# Inputs (file, SHA-256, what it gave):"]
    lines += [f"#   {i.name:<{width}}  {i.sha256[:16]}  {i.what}" for i in inputs]
    lines += ["#", *comment(certificate_story(cluster))]
    if fleet is not None and fleet.skipped:
        models = Counter(p.model for p in fleet.skipped)
        lines += ["#", *comment(f"Not simulated: {len(fleet.skipped)} devices that are not "
                                "phones or Jabber (I41): " + ", ".join(
                                    f"{m} {n}" for m, n in sorted(models.items())) + ".")]
    return lines


def certificate_story(cluster: ImportedCluster) -> str:
    """What the simulation does with the real certificates (``sim.trust.realcerts``)."""
    if not cluster.certificates:
        return ("No ITL or CTL imported: every certificate is simulated, with "
                "simulation-only keys.")
    kept = sorted({c.role for _, c in cluster.certificates if _kept(c)})
    text = (f"Certificates: {CERTIFICATES} holds the {len(cluster.certificates)} certificates "
            "the ITL and CTL files name. The simulation cannot sign with the real private "
            "keys: it re-signs every ITL, CTL and config with simulation-only keys, and its "
            "CallManager and ITLRecovery certificates are re-keyed twins (same subject, issuer, "
            "serial, validity and extensions; a simulation-only key).")
    if kept:
        text += f" {' and '.join(kept)} records are the real ones, byte for byte"
        text += " (phones check TVS against the real CERTHASH)." if "TVS" in kept else "."
    text += " So the simulated ITLs' SHA-1s are not the real ones"
    if not cluster.itl_sha1:
        return text + "."
    return text + (": phones' reported hashes are compared with the real ITLs at import "
                   "(inventory.csv, initial_itl_why).")


def _simulation(out: _Lines, cluster: ImportedCluster, plan: Plan | None) -> None:
    if plan is None or not plan.simulation:
        out.add("[simulation]", *assign("name", cluster.name, "--name (default: the domain's "
                                                               "first label)"),
                *assign("description", f"cluster {cluster.name} as imported"),
                *assign("duration", DEFAULT_DURATION, "no --plan: how long to simulate"),
                "seed = 1")
        return
    header, *body = plan.simulation
    out.copy([header])
    if "name" not in plan.keys:
        out.add(*assign("name", cluster.name, f"added by itlsim import: {plan.name} gives none"))
    out.copy(body)


def _cluster(cluster: ImportedCluster) -> list[str]:
    notes = cluster.notes
    lines = ["[cluster]", *assign("name", cluster.name),
             *assign("version", cluster.version, notes["version"]),
             *assign("domain", cluster.domain, notes["domain"]),
             *assign("security_mode", cluster.security_mode, notes["security_mode"]),
             *assign("issued", cluster.issued, notes["issued"])]
    if cluster.certificates:
        lines += assign("certificates", CERTIFICATES, "the real certificates (see above)")
    org = cluster.organisation
    lines += ["", "[cluster.organisation]", *comment(notes["organisation"])]
    for key, value in (("ou", org.ou), ("o", org.o), ("l", org.l), ("st", org.st),
                       ("c", org.c)):
        lines += assign(key, value)
    for node in cluster.nodes:
        lines += ["", *_node(node)]
    return lines


def _node(node: ImportedNode) -> list[str]:
    notes = node.notes
    lines = ["[[cluster.nodes]]", *assign("name", node.name, notes["name"])]
    if node.role == "publisher":
        lines += assign("role", node.role, notes["role"])
    lines += assign("ip", node.ip, notes["ip"])
    lines += [*comment(notes["services"]), *assign("services", list(node.services))]
    if node.capf_name:
        lines += assign("capf_name", node.capf_name, "the CAPF certificate's common name")
    if node.key_bits:
        bits = {r.value: node.key_bits[r.value] for r in Role if r.value in node.key_bits}
        lines += assign("key_bits", bits, notes["key_bits"])
    return lines


def _fleet(fleet: ImportedFleet) -> list[str]:
    devices = len(fleet.devices)
    lines = ["[inventory]", *assign("file", INVENTORY, f"{devices:,} devices by device name, "
                                                       "one row each, with their population")]
    for population in fleet.populations:
        lines += ["", *_population(population)]
    return lines


def _population(pop: ImportedPopulation) -> list[str]:
    firmware, found = pop.firmware
    others = ", ".join(f"{f} x{n}" for f, n in sorted(found.items()) if f != firmware)
    why = Counter(d.why for d in pop.devices)
    devices = f"{len(pop.devices):,} device{'s' if len(pop.devices) != 1 else ''}"
    lines = ["[[phones]]", *comment(
        f"{pop.pool.name}, {pop.model}: {devices} (count: the inventory's rows). Their ITL at "
        "t = 0: " + "; ".join(f"{w} ({n:,})" for w, n in sorted(
            why.items(), key=lambda i: (-i[1], i[0])))), *assign("name", pop.name),
        *assign("model", pop.model)]
    note = f"the most common; also {others}" if others else ""
    if "unknown" in found:
        note = (f"{found['unknown']:,} with no load and no device default: assumed "
                f"{firmware}" + (f"; also {others}" if others else ""))
    lines += assign("firmware", firmware, note)
    if not pop.itl_support:
        lines += assign("itl_support", False, pop.devices[0].phone.reason)
    group = f" ({pop.pool.cm_group_name})" if pop.pool.cm_group_name else ""
    lines += assign("tftp", list(pop.tftp), f"device pool {pop.pool.name}: option 150")
    lines += assign("cm_group", list(pop.cm_group), f"device pool {pop.pool.name}{group}")
    if pop.itl_support:
        lines += assign("initial_itl", pop.initial_itl)
    if pop.itl_from:
        lines += assign("initial_itl_from", pop.itl_from, "the node whose ITL they reported")
    return lines


def inventory_text(fleet: ImportedFleet) -> str:
    """``inventory.csv``: a row per simulated device, by population then device name."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(INVENTORY_COLUMNS)
    for d in fleet.devices:
        phone, status = d.phone, d.status
        writer.writerow((
            phone.name, d.population, phone.device_pool, phone.model, phone.load,
            phone.firmware or "", _flag(phone.itl_support), _flag(phone.reports_devicetlinfo),
            d.initial_itl, d.itl_from, d.why,
            status.itl_hash.hex() if status and status.itl_hash else "",
            (status.tftp_server or "") if status else "", (status.status or "") if status else "",
            phone.description, phone.directory_number, phone.owner, phone.source))
    return out.getvalue()


def _flag(value: bool | None) -> str:
    return "" if value is None else "true" if value else "false"


def certificates_text(cluster: ImportedCluster) -> str:
    """``certificates.toml`` (``sim.scenario.certfile``), in node and role order."""
    order = {node.name: i for i, node in enumerate(cluster.nodes)}
    roles = list(Role)
    entries = sorted(cluster.certificates, key=lambda e: (order[e[0]], roles.index(
        Role(e[1].role))))
    lines = [*comment(f"The certificates of cluster {cluster.name} as its ITL and CTL files "
                      "carry them, written by `itlsim import`; the scenario names this file "
                      "in [cluster] certificates."), "#", *comment(certificate_story(cluster))]
    for node, cert in entries:
        lines += ["", *_certificate(node, cert)]
    return "\n".join(lines) + "\n"


def _kept(cert: RealCertificate) -> bool:
    """A role never signed with whose record the files carry (``sim.trust.realcerts``)."""
    return Role(cert.role) not in SIGNING_ROLES and (cert.der or cert.public_key) is not None


def _certificate(node: str, cert: RealCertificate) -> list[str]:
    twin, kept = Role(cert.role) in SIGNING_ROLES, _kept(cert)
    how = ("re-keyed twin: the simulation signs with this role" if twin else
           "kept: simulated ITLs carry this record as it is" if kept else
           "re-keyed twin: no public key in the files (show text only)")
    lines = ["[[certificates]]", *comment(how), *assign("node", node),
             *assign("role", cert.role), *assign("source", cert.source),
             *assign("subject", cert.subject), *assign("issuer", cert.issuer),
             *assign("serial", cert.serial.hex(":").upper()),
             *assign("key_bits", cert.key_bits), *assign("sha1", cert.sha1.hex().upper())]
    if cert.der is not None:
        pem = x509.load_der_x509_certificate(cert.der).public_bytes(serialization.Encoding.PEM)
        lines.append(f"certificate = '''\n{pem.decode().strip()}'''")
    elif kept:
        assert cert.public_key is not None and cert.signature is not None
        key = serialization.load_der_public_key(cert.public_key).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        lines.append(f"public_key = '''\n{key.decode().strip()}'''")
        hexed = textwrap.wrap(cert.signature.hex(" "), 96)
        lines.append("signature = '''\n" + "\n".join(hexed) + "'''")
    return lines
