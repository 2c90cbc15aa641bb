"""Bytes and crypto: ITL/CTL files as Cisco writes them, certificates, keys, signatures.

Owns the TLV codec (``tlv``), the ITL/CTL model with build, parse and verify (``trustlist``),
CUCM-like X.509 certificates (``certificates``) from a deterministic key source (``keys``),
memoised RSA verification (``verify``), the ``show itl`` / ``show ctl`` layout (``show``) and
its inverse: what that text tells about a file (``shown``) and pasted text read back into it
(``showtext``, ``showrows``). Rules: tlv-format.md, T1-T5, O1.

May import: ``sim.errors`` only. Knows nothing of clusters, phones, scenarios or time.
"""
