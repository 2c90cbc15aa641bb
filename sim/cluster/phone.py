"""A Cisco IP phone's trust decisions on real bytes (P1-P8, P3a, P3b, P6a), free of simulated time.

A ``PhoneTrust`` holds what a phone has installed (ITL, CTL, a 24-hour TVS cache) and decides
whether to accept each file its TFTP server offers. Every ``Decision`` carries a short reason
code (``itl-signer-unknown,tvs-untrusted``) that reports and plots group by. ``now`` is a plain
number of seconds used only for the TVS cache; the simulation supplies it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sim.cluster.cluster import Cluster, Node
from sim.cluster.served import SignedConfig
from sim.cluster.tvs import CONFIG_SIGNING, ITL_SIGNING, Identity, query
from sim.trust.trustlist import MAX_ITL_BYTES, Function, Record, TrustList
from sim.trust.verify import Verifier

TRUST_LIST_UPDATE_FAILED = "Trust List Update Failed"
NO_SBD = "no-security-by-default"  # P3b: the phone cannot ask TVS
TVS_CACHE_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class Decision:
    """Accept or reject one file; ``via`` says how it was accepted, ``reasons`` why not."""

    accepted: bool
    via: str = ""
    reasons: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return ",".join(self.reasons) if self.reasons else self.via


def sast_records(tl: TrustList) -> dict[Identity, Record]:
    """SAST records by (serial, issuer): the keys a phone accepts a new ITL from (P2)."""
    return {(r.serial, r.issuer_name): r for r in tl.records if r.function == Function.SAST}


def tftp_records(tl: TrustList) -> dict[Identity, Record]:
    """TFTP and CCM+TFTP records: the keys a phone accepts config signatures from (P4)."""
    return {(r.serial, r.issuer_name): r for r in tl.records
            if r.function in (Function.TFTP, Function.CCM_TFTP)}


def tvs_hashes(tl: TrustList | None) -> frozenset[bytes]:
    """CERTHASHes of the TVS records: the TVS servers a phone will talk TLS to (P5)."""
    if tl is None:
        return frozenset()
    return frozenset(r.cert_hash for r in tl.records
                     if r.function == Function.TVS and r.cert_hash is not None)


def is_empty_itl(tl: TrustList) -> bool:
    """An ITL without TFTP and TVS records: the rollback state (P6)."""
    return not any(r.function in (Function.TFTP, Function.CCM_TFTP, Function.TVS)
                   for r in tl.records)


@dataclass(frozen=True)
class TvsContext:
    """How a phone reaches TVS: its cluster, CM group order and reachability (P5)."""

    cluster: Cluster
    servers: Sequence[Node]
    reachable: Callable[[Node], bool] = lambda node: True
    cache_seconds: float = TVS_CACHE_SECONDS  # P5: 24 h; a scenario's [tvs] cache_hours


@dataclass(slots=True)
class PhoneTrust:
    """What one phone has installed, and its decisions (P1-P8)."""

    itl: TrustList | None = None
    ctl: TrustList | None = None
    itl_support: bool = True
    # P5: certificates TVS vouched for, kept 24 h: identity -> (valid until, public key DER)
    tvs_cache: dict[Identity, tuple[float, bytes]] = field(default_factory=dict)
    status: str = ""

    # -- ITL / CTL ---------------------------------------------------------------------------

    def decide_itl(self, offered: TrustList, tvs: TvsContext, verifier: Verifier,
                   now: float = 0.0) -> Decision:
        """Would the phone accept ``offered`` as its new ITL? (P1, P2, P3, P5, P6, P6a, P8, T5)"""
        if not self.itl_support:
            return Decision(True, "no-itl-support")  # P8
        if len(offered.raw) > MAX_ITL_BYTES:
            return Decision(False, reasons=("itl-too-large",))  # T5, even on first use
        if self.itl is None and self.ctl is None:
            return Decision(True, "first-use")  # P1
        if self.itl is not None and offered.raw == self.itl.raw:
            return Decision(True, "unchanged")
        identity = (offered.signer_serial, offered.ca_name)
        if self.ctl is not None:  # P3, P6a: the CTL authenticates the ITL first, empty ITL or not
            record = _ctl_signers(self.ctl).get(identity)
            if record is not None and verifier.trust_list(offered, record.public_key):
                return Decision(True, "ctl")
        if self.itl is not None and is_empty_itl(self.itl):
            return Decision(True, "empty-itl")  # P6
        if self.itl is not None:  # P2
            record = sast_records(self.itl).get(identity)
            if record is not None:
                if verifier.trust_list(offered, record.public_key):
                    return Decision(True, "sast")
                return Decision(False, reasons=("itl-bad-signature",))
        return self._via_tvs(identity, ITL_SIGNING, tvs, now, "itl",
                             lambda key: verifier.trust_list(offered, key))

    def decide_ctl(self, offered: TrustList, tvs: TvsContext, verifier: Verifier,
                   now: float = 0.0) -> Decision:
        """Would the phone accept ``offered`` as its new CTL? (P1, P3a, P3b, P6a)

        On first use, or when a SAST record of the installed CTL signed it; otherwise a phone
        with Security by Default asks TVS, as for an ITL (P3a: TechNotes 118893, 213407,
        215539), which needs a TVS record in its ITL, so a phone with the empty rollback ITL
        cannot (P6a: TechNote 213407). A phone without Security by Default (7940/7960, Jabber:
        ``itl_support`` false) cannot ask TVS: it keeps its CTL until the CTL is deleted by hand
        (P3b: TechNote 118893).
        """
        if self.ctl is None:
            return Decision(True, "first-use")  # P1
        if offered.raw == self.ctl.raw:
            return Decision(True, "unchanged")
        identity = (offered.signer_serial, offered.ca_name)
        record = sast_records(self.ctl).get(identity)
        if record is not None:
            if verifier.trust_list(offered, record.public_key):
                return Decision(True, "sast")
            return Decision(False, reasons=("ctl-bad-signature",))
        if not self.itl_support:
            return Decision(False, reasons=("ctl-signer-unknown", NO_SBD))  # P3b
        return self._via_tvs(identity, ITL_SIGNING, tvs, now, "ctl",
                             lambda key: verifier.trust_list(offered, key))

    def install_itl(self, itl: TrustList) -> None:
        """Keep ``itl``; a new ITL also clears the TVS cache [I: cached trust came from the
        old one]."""
        if self.itl is None or itl.raw != self.itl.raw:
            self.tvs_cache.clear()
        self.itl = itl

    # -- config ------------------------------------------------------------------------------

    def decide_config(self, config: SignedConfig | None, tvs: TvsContext, verifier: Verifier,
                      now: float = 0.0) -> Decision:
        """Would the phone apply ``config``? (P4; ``None`` is an unsigned config, P1/P6/P8)

        A phone without Security by Default that holds a CTL checks configs against the CTL's
        CCM+TFTP records alone (P3b: TechNote 118893, a publisher CallManager change "prevents
        normal functionality of those devices until the CTL is manually deleted")."""
        if not self.itl_support:
            return self._decide_config_by_ctl(config, verifier)
        if self.itl is None and self.ctl is None:
            return Decision(True, "first-use")  # P1
        if self.itl is not None and is_empty_itl(self.itl):
            return Decision(True, "empty-itl")  # P6
        if config is None:
            return Decision(False, reasons=("config-unsigned",))
        record = self._config_signers().get(config.signer)
        if record is not None:
            if verifier.blob(config.xml, config.signature, record.public_key):
                return Decision(True, "itl")
            return Decision(False, reasons=("config-bad-signature",))
        return self._via_tvs(config.signer, CONFIG_SIGNING, tvs, now, "config",
                             lambda key: verifier.blob(config.xml, config.signature, key))

    def _decide_config_by_ctl(self, config: SignedConfig | None, verifier: Verifier
                              ) -> Decision:
        """P8 without a CTL; P3b with one: only the CTL's TFTP and CCM+TFTP keys, no TVS."""
        if self.ctl is None:
            return Decision(True, "no-itl-support")  # P8
        if config is None:
            return Decision(False, reasons=("config-unsigned",))
        record = tftp_records(self.ctl).get(config.signer)
        if record is None:
            return Decision(False, reasons=("config-signer-unknown", NO_SBD))
        if verifier.blob(config.xml, config.signature, record.public_key):
            return Decision(True, "ctl")
        return Decision(False, reasons=("config-bad-signature",))

    def _config_signers(self) -> dict[Identity, Record]:
        signers: dict[Identity, Record] = {}
        for tl in (self.ctl, self.itl):
            if tl is not None:
                signers.update(tftp_records(tl))
        return signers

    # -- TVS (P5) ----------------------------------------------------------------------------

    def _via_tvs(self, identity: Identity, wanted, tvs: TvsContext, now: float, kind: str,
                 check: Callable[[bytes], bool]) -> Decision:
        """The signer is not in the installed lists: the 24-hour cache, then TVS (P5).

        Rejections read ``<kind>-signer-unknown,<why TVS failed>``; a signer TVS vouches for
        whose key does not verify the file is ``<kind>-bad-signature``, as in P2/P4.
        """
        cached = self.tvs_cache.get(identity)
        if cached is not None and cached[0] > now and check(cached[1]):
            return Decision(True, "tvs-cache")
        answer = query(tvs.cluster, tvs.servers, identity, tvs_hashes(self.itl), wanted,
                       tvs.reachable)
        if answer.certificate is None:
            return Decision(False, reasons=(f"{kind}-signer-unknown",) + answer.reasons)
        if not check(answer.certificate.public_key_der):
            return Decision(False, reasons=(f"{kind}-bad-signature",))
        self.tvs_cache[identity] = (now + tvs.cache_seconds, answer.certificate.public_key_der)
        return Decision(True, "tvs")

    # -- observation -------------------------------------------------------------------------

    def erase(self) -> None:
        """Settings > Security > reset (or a factory reset): no ITL, no CTL, no cached TVS
        answers; the next boot trusts on first use (section 7, P1)."""
        self.itl = self.ctl = None
        self.tvs_cache.clear()

    def fail(self) -> None:
        """Show the status message of a locked phone (P7)."""
        self.status = TRUST_LIST_UPDATE_FAILED

    def holds_sast(self, identity: Identity) -> bool:
        """Does the installed ITL list ``identity`` as SAST? (bulk-reset recoverability, A4)"""
        return self.itl is not None and identity in sast_records(self.itl)


def _ctl_signers(ctl: TrustList) -> dict[Identity, Record]:
    return {(r.serial, r.issuer_name): r for r in ctl.records
            if r.function in (Function.SAST, Function.CCM_TFTP, Function.TFTP)}

