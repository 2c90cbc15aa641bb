"""The ITLRecovery key: bulk ITL reset, its backup, the security password, publisher rebuild.

``utils itl reset localkey|remotekey`` (A4, A5, A4a), ``utils ctl reset localkey`` (A12),
``file get tftp ITLRecovery.p12`` and the daily RTMT alert until it is done (A7), and rebuilding
a lost publisher (A10). Every operation checks all its preconditions before it changes anything
(the seed's CSCun19112: a bad SFTP login must leave the cluster as it was).
"""

from __future__ import annotations

from sim.cluster.cluster import Cluster, P12File, SftpLogin
from sim.cluster.operations import down, record, refuse, restart_everywhere, tftp_everywhere
from sim.cluster.outcome import Effect, Outcome
from sim.cluster.tftp import build_ctl, build_itl, reset_signer, start_tftp, timestamp_at
from sim.cluster.versions import has_ctl_reset_localkey, has_itl_recovery
from sim.trust.certificates import Role

NOT_PUBLISHER = "This is not a publisher node"
P12_NAME = "ITLRecovery.p12"
RTMT_ALERT = ("ITLRecovery certificate has not been backed up: run `file get tftp "
              "ITLRecovery.p12` on the publisher")


def check_login(cluster: Cluster, login: SftpLogin) -> str | None:
    """Why the SFTP server cannot be used, or None."""
    server = cluster.sftp.get(login.host)
    if server is None or not server.reachable:
        return f"Could not connect to SFTP server {login.host}: host unreachable"
    if login.user != server.user or login.password != server.password:
        return f"SFTP authentication failed for {login.user}@{login.host}"
    return None


def itl_reset(cluster: Cluster, node_name: str, now: float, *,
              login: SftpLogin | None = None) -> Outcome:
    """``utils itl reset localkey`` (``login`` None) or ``remotekey`` (A4, A5, A4a).

    Re-signs the publisher's current ITL with the reset key (section 2, ``tftp.reset_signer``),
    copies it to every active TFTP node and restarts TFTP there; it is served until the next
    TFTP restart (A6).
    The files are in place when this returns; the ``bounce_tftp`` effect is the restart's
    short outage, which only a driver with simulated time plays out.
    With ``remotekey`` the fetched key first replaces the local one (seed). Refused on a
    subscriber, before 10.0, and on any SFTP or p12 problem, with nothing changed.
    """
    mode = "remotekey" if login else "localkey"
    action = f"utils itl reset {mode}"
    node = cluster.node(node_name)
    if not node.is_publisher:
        return refuse(cluster, now, action, node.name, NOT_PUBLISHER)
    if why_down := down(node):
        return refuse(cluster, now, action, node.name, why_down)
    if not has_itl_recovery(cluster.version):
        return refuse(cluster, now, action, node.name,
                      "Executed command unsuccessfully: utils itl reset needs 10.0(1) or later")
    if login is not None:
        problem = check_login(cluster, login) or _check_p12(cluster, login)
        if problem:
            return refuse(cluster, now, action, node.name, f"{problem}. No changes were made.")
        cluster.set_certificate(node, Role.ITLRECOVERY,
                                cluster.sftp[login.host].files[login.path].certificate)
    active = [n for n in cluster.nodes_with("TFTP") if n.serves("TFTP")]
    built: dict[tuple[str, bytes], bytes] = {}
    signers: list[str] = []
    for tftp_node in active:
        signer = reset_signer(cluster, tftp_node, remotekey=login is not None)
        # the publisher's ITL, unless each node re-signs its own (``reset_itl_signer_12x``)
        source = tftp_node if signer is tftp_node.certs[Role.CALLMANAGER] else node
        key = (source.name, signer.der)
        if key not in built:
            built[key] = build_itl(cluster, source, timestamp=timestamp_at(cluster, now),
                                   signer=signer)
            signers.append(signer.common_name)
        start_tftp(cluster, tftp_node, now, itl=built[key])
    names = ", ".join(repr(n.hostname) for n in active)
    return record(cluster, Outcome(
        now, action, node.name, True,
        f"Following is the list of Active tftp servers in the cluster [{names}]. "
        f"The reset ITL file was generated successfully (signed by {', '.join(signers)})",
        (Effect("bounce_tftp", tuple(n.name for n in active)),)))


def _check_p12(cluster: Cluster, login: SftpLogin) -> str | None:
    p12 = cluster.sftp[login.host].files.get(login.path)
    if p12 is None:
        return f"{login.path} not found on {login.host}"
    if p12.password != cluster.security_password:
        return (f"Unable to read {P12_NAME}: it was saved with a different cluster security "
                f"password (A10)")
    return None


def backup_itlrecovery(cluster: Cluster, node_name: str, login: SftpLogin, now: float
                       ) -> Outcome:
    """``file get tftp ITLRecovery.p12`` (A7): saves the key, stops the daily RTMT alert."""
    action = f"file get tftp {P12_NAME}"
    node = cluster.node(node_name)
    key = cluster.itl_recovery
    if not node.is_publisher or key is None:
        return refuse(cluster, now, action, node.name, "File not found: no files matched "
                                                       f"tftp/{P12_NAME}")
    problem = check_login(cluster, login)
    if problem:
        return refuse(cluster, now, action, node.name, problem)
    cluster.sftp[login.host].files[login.path] = P12File(key, cluster.security_password)
    cluster.itl_recovery_backed_up = True
    return record(cluster, Outcome(now, action, node.name, True,
                                   f"Transfer completed. Downloading file: "
                                   f"/usr/local/cm/tftp/{P12_NAME}"))


def change_security_password(cluster: Cluster, new_password: str, now: float) -> Outcome:
    """A new cluster security password re-protects the p12, so the backup alert is re-armed
    until the p12 is saved again (A7)."""
    cluster.security_password = new_password
    cluster.itl_recovery_backed_up = False
    return record(cluster, Outcome(now, "set password user security", None, True,
                                   "Security password changed; back up ITLRecovery.p12 again"))


def rtmt_alert(cluster: Cluster) -> str | None:
    """The daily RTMT alert while the ITLRecovery key has not been backed up (A7)."""
    if has_itl_recovery(cluster.version) and not cluster.itl_recovery_backed_up:
        return RTMT_ALERT
    return None


def rebuild_publisher(cluster: Cluster, now: float, *, security_password: str | None = None
                      ) -> Outcome:
    """Reinstall a lost publisher and restore its database from a subscriber (A10).

    A fresh install makes new keys for every role, ITLRecovery included: phones can then be
    recovered in bulk only with ``remotekey`` and a saved p12 (A10). The database restore keeps
    the replicated trust stores. TFTP restarts everywhere; the backup alert is raised again.
    ``security_password`` is the one typed at the reinstall (default: the old one); a saved
    p12 is readable only if it matches (A10). Refused without a subscriber to restore from.
    """
    publisher = cluster.publisher
    if len(cluster.nodes) == 1:
        return refuse(cluster, now, "rebuild publisher", publisher.name,
                      "No subscriber to restore the database from: restore a DRS backup instead")
    if security_password is not None:
        cluster.security_password = security_password
    for role in list(publisher.certs):
        cluster.regenerate(publisher, role, when=cluster.at(now))
    publisher.up = True
    publisher.running = set(publisher.services)
    publisher.last_regen = None
    cluster.itl_recovery_backed_up = False
    return record(cluster, Outcome(now, "rebuild publisher", publisher.name, True,
                                   f"{publisher.hostname} reinstalled and its database restored "
                                   f"from a subscriber", restart_everywhere(cluster)))


def ctl_reset_localkey(cluster: Cluster, node_name: str, now: float) -> Outcome:
    """``utils ctl reset localkey`` (A12, 12.0+, mixed mode, publisher only).

    Rebuilds the CTL from the current certificates, so it lists the current ITLRecovery, and
    signs it with the publisher's CallManager key, the CTL's secondary SAST, for when "the
    ITLRecovery certificate that was used to sign the original CTL file has changed and the
    endpoints are locked out" (CLI Reference 12.5(1) "utils ctl"; Security Guide 14 "Reset CTL
    Localkey"; FN70613). Every TFTP node serves it after its restart; the administrator then
    resets the phones and runs ``utils ctl update CTLFile`` to sign with ITLRecovery again.
    """
    action = "utils ctl reset localkey"
    node = cluster.node(node_name)
    problem = (NOT_PUBLISHER if not node.is_publisher else down(node)
               or (None if has_ctl_reset_localkey(cluster.version) else
                   "Executed command unsuccessfully: utils ctl reset localkey needs 12.0 or "
                   "later")
               or (None if cluster.security_mode == "mixed" else
                   "The cluster is not in mixed mode: use utils itl reset localkey"))
    if problem:
        return refuse(cluster, now, action, node.name, problem)
    signer = node.certs[Role.CALLMANAGER]
    cluster.ctl_bytes = build_ctl(cluster, timestamp=timestamp_at(cluster, now), signer=signer)
    return record(cluster, Outcome(now, action, node.name, True,
                                   f"The CTL file was generated successfully (signed by "
                                   f"{signer.common_name})", (tftp_everywhere(cluster),)))
