"""What the engine assumes where Cisco's documents are silent or disagree, as one plain object.

Each field is a named assumption with its documented default (the value the sources point to,
or the inference itlsim made before it became a setting). A scenario's ``[assumptions]`` section
sets them: ``sim.scenario.assumptions.ASSUMPTIONS`` declares each key with its type, help, the
inference id it replaces and its sources (docs/inferences.md, docs/trust-model-additions.md).
The engine and the fleet model read this object; they never read a file.
"""

from __future__ import annotations

from dataclasses import dataclass

# tvs_learns_new_certificates
AT_TVS_RESTART, AT_ONCE = "at-tvs-restart", "at-once"
# reset_itl_signer_12x
PUBLISHER_CALLMANAGER, NODE_CALLMANAGER = "publisher-callmanager", "node-callmanager"
# remotekey_signer
ITLRECOVERY_KEY, CALLMANAGER_KEY = "itlrecovery", "callmanager"


@dataclass(frozen=True)
class Assumptions:
    """The engine's assumptions (defaults documented in ``sim.scenario.assumptions``).

    - ``tvs_learns_new_certificates``: a node's TVS vouches for certificates that changed after
      its last start only once it restarts (TechNote 214231 restarts TVS after every
      regeneration, before TFTP), or at once (inference I11 before it became a setting).
    - ``tvs_forgets_superseded``: a regenerated certificate leaves what TVS vouches for (I11).
    - ``reset_itl_signer_12x``: on 12.0+ `utils itl reset localkey` signs the publisher's ITL
      with the publisher's CallManager key on every TFTP node (CLI Reference 12.5, I29), or each
      node's ITL with that node's CallManager key.
    - ``remotekey_signer``: `utils itl reset remotekey` signs with the restored ITLRecovery key
      (CLI Reference 12.5) or, like localkey on 12.0+, with the CallManager key.
    - ``ip_change_regenerates_certificates``: an IP-only change regenerates the node's
      certificates (A3 as first written, I9) or not (CUCM certificates name the host, TechNote
      118893 lists hostname and domain, not the address).
    - ``locked_phones_register``: a phone that rejected its ITL, CTL or config still registers
      with its last good config (I15, Cisco Community) or not (TechNotes 214231, 225746).
    - ``bulk_import_restarts_tvs``: Bulk Certificate Import restarts TVS on the importing
      cluster, so it vouches for the other cluster's certificates at once (TN 215539 migrates
      phones without a TVS restart), or TVS learns them as ``tvs_learns_new_certificates``
      says (TN 213407 restarts TVS after uploading them by hand) (I51).
    """

    tvs_learns_new_certificates: str = AT_TVS_RESTART
    tvs_forgets_superseded: bool = True
    reset_itl_signer_12x: str = PUBLISHER_CALLMANAGER
    remotekey_signer: str = ITLRECOVERY_KEY
    ip_change_regenerates_certificates: bool = False
    locked_phones_register: bool = False
    bulk_import_restarts_tvs: bool = True


DOCUMENTED = Assumptions()
