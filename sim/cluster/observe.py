"""Observing trust: ``show itl`` on a node, DeviceTLInfo status, bulk-reset recoverability.

O1: ``show itl`` prints a node's current ITL. O2: phones report the SHA-1 of their installed ITL
in the DeviceTLInfo alarm (firmware 9.4(1)+); comparing it with the SHA-1 of the ITL their TFTP
server serves gives CUCM 14's "ITL File Status": Match / MisMatch / Not Installed / Unknown.
"""

from __future__ import annotations

from sim.cluster.cluster import Cluster
from sim.cluster.phone import PhoneTrust, is_empty_itl
from sim.cluster.served import ServedFiles
from sim.cluster.tftp import reset_signer
from sim.errors import SignatureError
from sim.trust import show, trustlist

MATCH, MISMATCH, NOT_INSTALLED, UNKNOWN = "Match", "MisMatch", "Not Installed", "Unknown"


def show_itl(cluster: Cluster, node_name: str) -> str:
    """What ``show itl`` prints on ``node_name`` now (O1), or why there is nothing to show."""
    served = cluster.served.get(node_name)
    if served is None:
        return f"The ITL file is not available: Cisco Tftp is not running on {node_name}"
    try:
        trustlist.check(served.itl)
    except SignatureError as err:
        return show.render(served.itl, path="ITLFile.tlv", verified=False, reason=str(err))
    return show.render(served.itl, path="ITLFile.tlv", verified=True, reason=None)


def itl_file_status(phone: PhoneTrust, served: ServedFiles | None, *, reported: bool) -> str:
    """CUCM 14's ITL File Status for a phone (O2). ``reported``: the phone has sent a
    DeviceTLInfo alarm (firmware 9.4(1)+ and registered since).

    CUCM knows only what the alarm says: without one the status is Unknown, whatever the phone
    holds; "Not Installed" is a report of no ITL [I: the status is derived from DeviceTLInfo
    alone]. A phone without ITL support never reports. ``served`` None (its TFTP server is
    down) leaves nothing to compare with: Unknown.
    """
    if not reported or not phone.itl_support:
        return UNKNOWN
    if phone.itl is None:
        return NOT_INSTALLED
    if served is None:
        return UNKNOWN
    return MATCH if phone.itl.raw == served.itl.raw else MISMATCH


def recoverable_by_bulk_reset(phone: PhoneTrust, cluster: Cluster) -> bool:
    """Would `utils itl reset` + a phone reset recover this phone? Only if its ITL lists the
    reset key as SAST (seed: "bulk reset only works if phones have an ITL that contains the
    ITLRecovery entry"; A4). A phone that checks nothing (no ITL yet, P1; no ITL support, P8;
    an empty ITL, P6) takes the reset ITL too."""
    if cluster.itl_recovery is None:
        return False
    if not phone.itl_support or (phone.itl is None and phone.ctl is None):
        return True
    if phone.itl is not None and is_empty_itl(phone.itl):
        return True
    return phone.holds_sast(reset_signer(cluster).identity)
