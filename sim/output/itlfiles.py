"""``make-itl``: write the ITL a node of a described cluster serves (T1-T6).

The cluster comes from a file's ``[cluster]`` section (``sim.scenario.clusterfile``), its keys from
the seed (``sim.trust.keys``), so the same file and seed give byte-identical output.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sim.cluster import itlrecovery, tftp
from sim.cluster.cluster import Cluster
from sim.errors import ConfigError
from sim.scenario.clusterfile import load_cluster_file
from sim.scenario.schema import suggest
from sim.trust import trustlist


@dataclass(frozen=True)
class Written:
    length: int
    records: tuple
    signer: str


def write_node_itl(cluster_file: str, node: str, out: str, *, seed: int = 1,
                   reset: bool = False) -> Written:
    """Build ``node``'s ITL (or the bulk-reset ITL) and write it to ``out`` atomically."""
    spec = load_cluster_file(cluster_file)
    names = [n.name for n in spec.nodes]
    if node not in names:
        raise ConfigError(f"no node {node!r}{suggest(node, names)} (nodes: {', '.join(names)})",
                          path=cluster_file, key="--node")
    cluster = Cluster.from_spec(spec, seed)
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


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(staging, path)
    except OSError as error:
        raise ConfigError(f"cannot write: {error.strerror}", path=str(path), key="--out") \
            from None
