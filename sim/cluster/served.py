"""What a TFTP node hands out: its ITL, the CTL and signed configs (data only).

``sim.cluster.tftp`` builds these when TFTP starts (T4); the cluster keeps one ``ServedFiles``
per running TFTP node. Kept apart from the builders so the cluster can hold them without
importing the code that makes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sim.trust.certificates import Certificate
from sim.trust.trustlist import TrustList


@dataclass(frozen=True)
class SignedConfig:
    """``SEP<MAC>.cnf.xml.sgn``: the XML config and its real RSA signature (P4).

    The signer is identified by serial and issuer, as in an ITL header.
    """

    xml: bytes
    signer_serial: bytes
    signer_issuer: str
    signature: bytes
    # the CM group as the XML names it: (node, address) in priority order; a phone registers
    # by these addresses until a newer config names others (P9, A3a)
    callmanagers: tuple[tuple[str, str], ...] = ()

    @property
    def signer(self) -> tuple[bytes, str]:
        return self.signer_serial, self.signer_issuer


class ConfigProfile(NamedTuple):
    """What a phone's config says: its CM group (priority order) and its access settings. A
    named tuple: it keys the configs a TFTP node serves, looked up at every boot."""

    cm_group: tuple[str, ...]
    settings_access: bool = True
    web_access: bool = False


@dataclass
class ServedFiles:
    """What one TFTP node hands out until its next restart."""

    node: str
    itl: TrustList
    ctl: TrustList | None
    reset: bool
    config_signer: Certificate
    # Built on demand by ``sim.cluster.tftp.served_config``: one per profile per TFTP start.
    configs: dict[ConfigProfile, SignedConfig] = field(default_factory=dict, repr=False)
