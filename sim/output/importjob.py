"""``itlsim import``: real CUCM artefacts in, an editable scenario folder out, all or nothing.

Reads any subset of: ITL files or ``show itl`` text per TFTP node, the CTL or ``show ctl`` text,
a phone inventory (BAT export or AXL ``listPhone`` dump), the device-pool map, the ITL status
file and a plan (``sim.importer``); builds the cluster (``importer.clusterspec``) and the
populations (``importer.fleet``); writes ``scenario.toml``, ``inventory.csv`` and
``certificates.toml`` (``importer.render``) into a staging folder; checks the result as
``itlsim run`` will read it (``load_scenario``, and the simulated cluster with its re-keyed
certificates is built once); only then moves the files into ``--out``. Any problem is one line
and leaves ``--out`` as it was; other files there (the plan, notes) are left alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sim.cluster.cluster import Cluster
from sim.errors import ArtefactError, ConfigError
from sim.importer import (
    DevicePoolMap,
    InventoryPhone,
    check_device_pools,
    check_names,
    read_bat_export,
    read_device_pools,
    read_itl_status,
    read_listphone,
)
from sim.importer.clusterspec import ClusterOptions, ImportedCluster, import_cluster
from sim.importer.fleet import ImportedFleet, import_fleet
from sim.importer.plan import Plan, read_plan
from sim.importer.render import (
    CERTIFICATES,
    INVENTORY,
    SCENARIO,
    Input,
    Rendered,
    certificates_text,
    inventory_text,
    scenario_text,
)
from sim.importer.source import digests, read_artefact
from sim.importer.trustfiles import TrustFile, read_trust_file
from sim.output.publish import remove_stale, umask
from sim.scenario.scenario import Scenario, load_scenario

OUTPUTS = (SCENARIO, INVENTORY, CERTIFICATES)


@dataclass(frozen=True)
class ImportRequest:
    """What ``itlsim import`` was given (paths as typed; options as in ``ClusterOptions``)."""

    out: str
    itl: tuple[str, ...] = ()
    ctl: str | None = None
    phones: str | None = None
    device_pools: str | None = None
    itl_status: str | None = None
    plan: str | None = None
    options: ClusterOptions = ClusterOptions()
    unknown_itl: str = "pre10"


@dataclass(frozen=True)
class Imported:
    """A finished import: where, and what the scenario holds."""

    out: Path
    scenario: Scenario
    cluster: ImportedCluster
    fleet: ImportedFleet | None

    def describe(self) -> str:
        """What the CLI prints."""
        s, c = self.scenario, self.cluster
        lines = [f"wrote {self.out / SCENARIO}: cluster {c.name}, CUCM {c.version} "
                 f"{c.security_mode}, {len(c.nodes)} nodes, {len(c.certificates)} real "
                 f"certificates"]
        if self.fleet is not None:
            lines.append(f"  {s.phone_count:,} phones in {len(s.populations)} populations "
                         f"({self.out / INVENTORY}); {len(self.fleet.skipped):,} devices not "
                         "simulated (not phones or Jabber)")
        lines.append(f"  next: itlsim run {self.out / SCENARIO}")
        return "\n".join(lines)


def import_scenario(request: ImportRequest) -> Imported:
    """Do the import (module docstring)."""
    with digests() as read:  # each input's SHA-256 as its reader read it (no second read)
        itls = [read_trust_file(path, "ITL") for path in request.itl]
        ctl = read_trust_file(request.ctl, "CTL") if request.ctl else None
        pools = read_device_pools(request.device_pools) if request.device_pools else None
        phones = _phones(request, pools)
        cluster = import_cluster(itls, ctl, pools, request.options)
        fleet = None
        if phones:
            assert pools is not None
            statuses = read_itl_status(request.itl_status) if request.itl_status else ()
            check_names(statuses, phones, inventory=str(request.phones))
            fleet = import_fleet(phones, pools, statuses, cluster, request.unknown_itl)
        elif request.itl_status:
            raise ArtefactError("an ITL status file needs the phone inventory (--phones) "
                                "whose devices it reports", path=request.itl_status)
        plan = read_plan(request.plan) if request.plan else None
    inputs = _inputs(cluster, ctl, request, fleet, pools, plan, read)
    rendered = scenario_text(cluster, fleet, plan, inputs)
    texts = {SCENARIO: rendered.text}
    if fleet is not None:
        texts[INVENTORY] = inventory_text(fleet)
    if cluster.certificates:
        texts[CERTIFICATES] = certificates_text(cluster)
    out = Path(request.out)
    scenario = _publish(out, texts, lambda folder: _check(folder, rendered, plan, out))
    return Imported(out, scenario, cluster, fleet)


def _phones(request: ImportRequest, pools: DevicePoolMap | None
            ) -> tuple[InventoryPhone, ...]:
    if request.phones is None:
        return ()
    if pools is None:
        raise ArtefactError("a phone inventory needs the device-pool map (--device-pools): "
                            "the export does not say which TFTP servers and CM group each "
                            "device pool uses", path=request.phones)
    head = read_artefact(request.phones, "a BAT phone export (CSV) or an AXL listPhone dump "
                         "(JSON)")[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    reader = read_listphone if head[:1] in (b"[", b"{") else read_bat_export
    phones = reader(request.phones, pools.rules)
    check_device_pools(phones, pools.pools, map_path=pools.path)
    # sources by file name, not path: the same inputs give the same inventory from anywhere
    name = Path(request.phones).name
    return tuple(replace(p, source=name + p.source[len(request.phones):]) for p in phones)


def _inputs(cluster: ImportedCluster, ctl: TrustFile | None, request: ImportRequest,
            fleet: ImportedFleet | None, pools: DevicePoolMap | None, plan: Plan | None,
            read: dict[str, str]) -> list[Input]:
    """Every input with what it gave, in a fixed order: ITLs by node, CTL, inventory, map,
    status, plan; ``read``: the SHA-256 of each file as its reader read it
    (``importer.source.digests``)."""
    nodes = {sha1: node for node, sha1 in cluster.itl_sha1.items()}
    found = [Input(f.name, f.sha256, f"ITL of {nodes.get(f.sha1 or b'', '?')} ({f.form}, "
                   f"{'signature verified' if f.parsed else 'CUCM: verified'})")
             for f in cluster.files if f is not ctl]
    if ctl is not None:
        found.append(Input(ctl.name, ctl.sha256, f"CTL ({ctl.form})" if ctl.shown else
                           "no CTL (non-secure)"))
    for path, what in ((request.phones, f"{len(fleet.devices) + len(fleet.skipped):,} devices"
                        if fleet else ""),
                       (request.device_pools, f"{len(pools.pools)} device pools" if pools else ""),
                       (request.itl_status, "the phones' reported ITL hashes"),
                       (request.plan, "the plan: the change to simulate")):
        if path is not None:
            found.append(Input(Path(path).name, read[str(path)], what))
    return found


def _check(folder: Path, rendered: Rendered, plan: Plan | None, out: Path) -> Scenario:
    """Read the staged scenario as ``itlsim run`` will and build its cluster once; an error in
    a line copied from the plan names the plan's line, others the final path."""
    try:
        scenario = load_scenario(folder / SCENARIO)
    except ConfigError as err:
        copied = (rendered.plan_lines[err.line - 1]
                  if err.line is not None and err.path == str(folder / SCENARIO)
                  and err.line <= len(rendered.plan_lines) else None)
        if plan is not None and copied is not None:
            raise ConfigError(err.reason, path=plan.path, line=copied, key=err.key) from None
        path = err.path.replace(str(folder), str(out))
        raise ConfigError(err.reason, path=path, line=err.line, key=err.key) from None
    Cluster.from_spec(scenario.cluster, scenario.seed)
    return scenario


def _publish(out: Path, texts: dict[str, str], check: Callable[[Path], Scenario]) -> Scenario:
    """Write ``texts`` into a staging folder beside ``out``, ``check`` them there, then move
    them in: a new ``out`` by one rename, an existing one file by file (other files stay;
    an output this import does not write is removed, so nothing stale is left)."""
    if out.exists() and not out.is_dir():
        raise ConfigError("exists and is not a folder", path=str(out), key="--out")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(out.parent)  # what an import or run killed while writing left behind
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-{os.getpid()}-",
                                        dir=out.parent))
        staging.chmod(0o777 & ~umask())  # mkdtemp makes 0700; the folder is for colleagues too
    except OSError as err:
        raise ConfigError(f"cannot create the folder: {err.strerror}", path=str(out),
                          key="--out") from None
    try:
        for name, text in texts.items():
            (staging / name).write_bytes(text.encode("utf-8"))
        scenario = check(staging)
        if not out.exists():
            os.rename(staging, out)
            return scenario
        for name in OUTPUTS:
            if name in texts:
                os.replace(staging / name, out / name)
            elif (out / name).exists():
                (out / name).unlink()
        return scenario
    except OSError as err:
        raise ConfigError(f"cannot write: {err.strerror or err}", path=str(out),
                          key="--out") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)

