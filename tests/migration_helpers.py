"""Two clusters for the migration tests (TN 213407, TN 215539), built from ``[[clusters]]`` TOML
through the real loader with 1024-bit keys, and phones that boot from the destination's TFTP
while asking the TVS of the config they hold (the source's).
"""

from __future__ import annotations

from engine_helpers import Boot, cluster_toml, do

from sim.cluster.assumptions import DOCUMENTED, Assumptions
from sim.cluster.bulkcerts import bulk_consolidate, bulk_export, bulk_import
from sim.cluster.cluster import Cluster, Node, SftpLogin, SftpServer
from sim.cluster.estate import Estate
from sim.cluster.phone import PhoneTrust, TvsContext
from sim.cluster.served import ConfigProfile
from sim.cluster.spec import ClusterSpec
from sim.cluster.tftp import served_config
from sim.scenario.clusters import CLUSTERS, clusters_from
from sim.scenario.schema import Table, validate
from sim.scenario.tomlsource import TomlSource
from sim.trust.verify import Verifier

ALL_SERVICES = ("CallManager", "TFTP", "TVS", "CAPF")
OLD = (("old-pub", "publisher", ALL_SERVICES), ("old-sub", "subscriber", ALL_SERVICES[:3]))
NEW = (("new-pub", "publisher", ALL_SERVICES), ("new-sub", "subscriber", ALL_SERVICES[:3]))
OLD_GROUP, NEW_GROUP = ("old-sub", "old-pub"), ("new-sub", "new-pub")
SFTP = SftpLogin("sftp.example", "cucm", "/bulk", "transfer")


def clusters_toml(old: str = "10.5(2)", new: str = "11.5(1)", mode: str = "non-secure") -> str:
    """``[[clusters]]`` "old" (10.1.0.x) and "new" (10.2.0.x), both in ``mode``."""
    return (cluster_toml(old, OLD, name="old", domain="old.example", security_mode=mode,
                         subnet="10.1.0", table="clusters")
            + cluster_toml(new, NEW, name="new", domain="new.example", security_mode=mode,
                           subnet="10.2.0", table="clusters"))


def cluster_specs(old: str = "10.5(2)", new: str = "11.5(1)", mode: str = "non-secure"
                  ) -> tuple[ClusterSpec, ...]:
    source = TomlSource.parse(clusters_toml(old, new, mode), "<test>")
    return clusters_from(source, validate(source, Table({"clusters": CLUSTERS}))).specs


def make_estate(old: str = "10.5(2)", new: str = "11.5(1)", mode: str = "non-secure", *,
                seed: int = 1, assumptions: Assumptions = DOCUMENTED) -> Estate:
    """Both clusters started (TVS, TFTP, CTL in mixed mode) and an SFTP server both reach."""
    estate = Estate.from_specs(cluster_specs(old, new, mode), seed, assumptions)
    estate.start_all()
    estate.add_sftp(SftpServer(SFTP.host, SFTP.user, SFTP.password))
    return estate


def bulk_certificates(estate: Estate, now: float = 100.0) -> None:
    """TN 215539 in order: export on new, then old; consolidate on old; import on new, then
    old; each import's TVS restart carried out (I51)."""
    old, new = estate.clusters["old"], estate.clusters["new"]
    for step, cluster in ((bulk_export, new), (bulk_export, old)):
        assert step(cluster, cluster.publisher.name, SFTP, now).done
    assert bulk_consolidate(old, "old-pub", now).done
    for cluster in (new, old):
        assert do(cluster, bulk_import(cluster, cluster.publisher.name, now), now).done


class Asked:
    """A TVS context's reachability that records which TVS nodes a phone contacted."""

    def __init__(self) -> None:
        self.nodes: list[str] = []

    def __call__(self, node: Node) -> bool:
        self.nodes.append(node.name)
        return True


def tvs_of(cluster: Cluster, group: tuple[str, ...], asked: Asked | None = None) -> TvsContext:
    return TvsContext(cluster, [cluster.node(n) for n in group], asked or (lambda node: True))


def settled_phone(estate: Estate, *, itl_support: bool = True) -> PhoneTrust:
    """A phone that took the old cluster's files (CTL in mixed mode) from old-sub."""
    old = estate.clusters["old"]
    served = old.served["old-sub"]
    return PhoneTrust(itl=served.itl if itl_support else None, ctl=served.ctl,
                      itl_support=itl_support)


def boot_at(phone: PhoneTrust, estate: Estate, node: str, now: float, tvs: TvsContext,
            verifier: Verifier | None = None) -> Boot:
    """One boot from TFTP ``node`` (any cluster) with TVS ``tvs`` (section 4): CTL, ITL,
    then the config for the destination CM group of ``node``'s cluster; accepted files are
    installed."""
    verifier = verifier or Verifier()
    cluster = estate.cluster_of(node)
    served = cluster.served[node]
    ctl = None
    if served.ctl is not None:
        ctl = phone.decide_ctl(served.ctl, tvs, verifier, now)
        if ctl.accepted:
            phone.ctl = served.ctl
    itl = phone.decide_itl(served.itl, tvs, verifier, now)
    if itl.accepted:
        phone.install_itl(served.itl)
    group = NEW_GROUP if cluster.name == "new" else OLD_GROUP
    config = served_config(cluster, served, ConfigProfile(group))
    return Boot(ctl, itl, phone.decide_config(config, tvs, verifier, now))


def scenario_toml(events: str = "", *, old: str = "10.5(2)", new: str = "11.5(1)",
                  mode: str = "non-secure", phones: int = 40, extra: str = "") -> str:
    """A two-cluster scenario: population "office" of ``phones`` on old (TFTP old-sub, CM group
    old-sub, old-pub), device records on new at 0s, an SFTP server, then ``events``."""
    return (f'[simulation]\nduration = "3h"\nseed = 7\n\n{clusters_toml(old, new, mode)}\n'
            f'[[sftp]]\nhost = "{SFTP.host}"\nuser = "{SFTP.user}"\n'
            f'password = "{SFTP.password}"\n\n'
            f'[[phones]]\nname = "office"\ncount = {phones}\ncluster = "old"\n'
            f'tftp = ["old-sub"]\ncm_group = ["old-sub", "old-pub"]\n{extra}\n'
            '[[events]]\nat = "0s"\naction = "add_device_records"\ncluster = "new"\n'
            'population = "all"\ncm_group = ["new-sub", "new-pub"]\n\n' + events)


def event(action: str, at: str = "1h", **args: object) -> str:
    """One ``[[events]]`` entry."""
    lines = ["[[events]]", f'at = "{at}"', f'action = "{action}"']
    for key, value in args.items():
        text = str(value).lower() if isinstance(value, bool) else (
            f'"{value}"' if isinstance(value, str) else str(value).replace("'", '"'))
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n\n"


BULK = "".join([
    event("bulk_cert_export", "10min", cluster="new", sftp_host=SFTP.host,
          sftp_directory="/bulk"),
    event("bulk_cert_export", "12min", cluster="old", sftp_host=SFTP.host,
          sftp_directory="/bulk"),
    event("bulk_cert_consolidate", "14min", cluster="old"),
    event("bulk_cert_import", "16min", cluster="new"),
    event("bulk_cert_import", "18min", cluster="old"),
])
MOVE = event("move_phones", "1h", population="office", to="new")
