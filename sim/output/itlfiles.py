"""``make-itl``: write the ITL a node of a described cluster serves (T1-T6).

The cluster comes from a file's ``[cluster]`` section (``sim.scenario.clusterfile``) or one of its
``[[clusters]]`` (``--cluster``), its keys from the seed (``sim.trust.keys``), so the same file and
seed give byte-identical output.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sim.cluster import itlrecovery, tftp
from sim.cluster.estate import Estate
from sim.cluster.spec import ClusterSpec
from sim.errors import ConfigError
from sim.output.publish import umask
from sim.scenario.clusters import ClusterSet, load_clusters, node_problem
from sim.scenario.schema import suggest
from sim.trust import trustlist


@dataclass(frozen=True)
class Written:
    length: int
    records: tuple
    signer: str


def write_node_itl(cluster_file: str, node: str, out: str, *, seed: int = 1,
                   reset: bool = False, cluster_name: str | None = None) -> Written:
    """Build ``node``'s ITL (or the bulk-reset ITL) and write it to ``out`` atomically. A file
    with several clusters (``[[clusters]]``) needs ``cluster_name``; their keys are the ones a
    run of the same file and seed gives them (``Estate.from_specs``).

    ``out`` must not be the cluster file itself, and its folder must exist: a typo in a path
    creates no folders."""
    clusters = load_clusters(cluster_file)
    spec = _chosen(clusters, cluster_name, cluster_file)
    _check_out(Path(out), Path(cluster_file))
    names = [n.name for n in spec.nodes]
    if node not in names:
        problem = node_problem(clusters, spec.name, node) if clusters.several else \
            f"no node {node!r}{suggest(node, names)} (nodes: {', '.join(names)})"
        raise ConfigError(problem or "", path=cluster_file, key="--node")
    cluster = Estate.from_specs(clusters.specs, seed).clusters[spec.name]
    tftp.start_all(cluster)
    if node not in cluster.served:
        raise ConfigError(f"node {node!r} does not run TFTP, so it serves no ITL (TFTP nodes: "
                          f"{', '.join(cluster.served)})", path=cluster_file, key="--node")
    if reset:
        outcome = itlrecovery.itl_reset(cluster, cluster.publisher.name, 0.0)
        if not outcome.done:
            raise ConfigError(outcome.message, path=cluster_file, key="--reset")
    data = cluster.served[node].itl.raw
    _write_atomically(Path(out), data)
    tl = trustlist.parse(data, path=out)
    return Written(len(data), tl.records, tl.signer_name)


def _check_out(out: Path, cluster_file: Path) -> None:
    folder = out.parent
    if not folder.is_dir():
        raise ConfigError(f"the folder {str(folder)!r} does not exist; create it first (make-itl "
                          f"creates no folders)", path=str(out), key="--out")
    if out.exists() and cluster_file.exists() and out.samefile(cluster_file):
        raise ConfigError("is the cluster file itself; writing the ITL there would destroy it "
                          "(choose another --out, e.g. ITLFile.tlv)", path=str(out), key="--out")


def _chosen(clusters: ClusterSet, name: str | None, path: str) -> ClusterSpec:
    """The cluster ``--cluster`` names, or the only one."""
    if name is None and clusters.several:
        raise ConfigError(f"the file describes several clusters ({', '.join(clusters.names)}): "
                          f"choose one with --cluster", path=path, key="--cluster")
    if name is None:
        return clusters.first
    if problem := clusters.unknown(name):
        raise ConfigError(problem, path=path, key="--cluster")
    return clusters.get(name)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` through a temporary sibling renamed over ``path``, with the permissions
    the umask gives (``mkstemp`` makes the file 0600)."""
    staging = ""
    try:
        handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(staging, 0o666 & ~umask())
        os.replace(staging, path)
    except OSError as error:
        if staging:
            Path(staging).unlink(missing_ok=True)
        raise ConfigError(f"cannot write: {error.strerror}", path=str(path), key="--out") \
            from None
