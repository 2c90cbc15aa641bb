"""Observing trust: ``show itl`` on a node, DeviceTLInfo status, bulk-reset recoverability.

O1: ``show itl`` prints a node's current ITL, times in the cluster's time zone (O1a). O2: phones
report the SHA-1 of their installed ITL in the DeviceTLInfo alarm at every registration
(firmware 9.4(1)+); comparing it with the SHA-1 the database keeps for the TFTP server they used
gives CUCM 14's "ITL File Status": Match / MisMatch / Not Installed / Unknown (O2a).
"""

from __future__ import annotations

from sim.cluster.cluster import Cluster, Node
from sim.cluster.phone import PhoneTrust, is_empty_itl
from sim.cluster.tftp import reset_signer
from sim.errors import SignatureError
from sim.trust import show, trustlist

MATCH, MISMATCH, NOT_INSTALLED, UNKNOWN = "Match", "MisMatch", "Not Installed", "Unknown"


def show_itl(cluster: Cluster, node_name: str) -> str:
    """What ``show itl`` prints on ``node_name`` now (O1), times in the cluster's time zone
    (O1a), or why there is nothing to show."""
    served = cluster.served.get(node_name)
    if served is None:
        return f"The ITL file is not available: Cisco Tftp is not running on {node_name}"
    try:
        trustlist.check(served.itl)
    except SignatureError as err:
        return show.render(served.itl, path="ITLFile.tlv", verified=False, reason=str(err),
                           timezone=cluster.timezone)
    return show.render(served.itl, path="ITLFile.tlv", verified=True, reason=None,
                       timezone=cluster.timezone)


def itl_file_status(phone_hash: bytes | None, server_hash: bytes | None, *, reported: bool
                    ) -> str:
    """CUCM 14's ITL File Status for a phone (O2, O2a). ``reported``: the phone is registered
    and sends DeviceTLInfo (ITL support and firmware 9.4(1)+); ``phone_hash`` is the SHA-1 of
    its installed ITL (None: it has none); ``server_hash`` the SHA-1 the database keeps for the
    TFTP server the phone used last (None: that server never built an ITL).

    The database compares the hash in the phone's DeviceTLInfo alarm with the hash stored per
    TFTP server and deletes the phone's entry when it unregisters (Security Guide 14,
    "ITLRecovery Certificate"): a phone that is not registered, or never reports, is Unknown;
    "Not Installed" is a report of no ITL [I22].
    """
    if not reported:
        return UNKNOWN
    if phone_hash is None:
        return NOT_INSTALLED
    if server_hash is None:
        return UNKNOWN
    return MATCH if phone_hash == server_hash else MISMATCH


def recoverable_by_bulk_reset(phone: PhoneTrust, cluster: Cluster, node: Node) -> bool:
    """Would `utils itl reset localkey` + a phone reset recover this phone, whose TFTP server
    is ``node``? Only if its ITL lists the reset ITL's signer as SAST (seed: "bulk reset only
    works if phones have an ITL that contains the ITLRecovery entry"; A4, A4a: on 12.0+ the
    signer is a CallManager key). A phone that checks nothing (no ITL yet, P1; no ITL support,
    P8; an empty ITL, P6) takes the reset ITL too, unless it holds a CTL the reset does not
    touch: a phone without Security by Default needs its CTL deleted by hand (P3b)."""
    if cluster.itl_recovery is None:
        return False
    if not phone.itl_support:
        return phone.ctl is None
    if phone.itl is None and phone.ctl is None:
        return True
    if phone.itl is not None and is_empty_itl(phone.itl):
        return True
    return phone.holds_sast(reset_signer(cluster, node).identity)
