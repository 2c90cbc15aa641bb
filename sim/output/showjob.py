"""``show-itl`` / ``show-ctl``: a trust-list file as CUCM's ``show itl`` prints it (O1).

The job reads and verifies the file and hands the command line what to print: a note when the
file's own kind (its FILENAME) is not the kind the command names, the text (CUCM's layout, or
JSON) and, when the signature does not verify, the ``SignatureError`` the command raises after
printing, so the exit code says so (1). Only ``sim.trust`` is loaded: ``itlsim show-itl`` stays
as quick as ``itlsim --help``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sim.errors import SignatureError
from sim.trust import show, trustlist


@dataclass(frozen=True)
class Shown:
    """What ``show-itl``/``show-ctl`` print: an optional note for stderr, the text for stdout,
    and the signature failure to raise after them."""

    note: str | None
    text: str
    failure: SignatureError | None


def show_trust_list(path: str, *, as_json: bool, expected_kind: str,
                    timezone: str = "UTC") -> Shown:
    """``path`` as CUCM's ``show itl``/``show ctl`` shows it, in the layout of the file's own
    kind (from FILENAME), verified (T1, T2)."""
    tl = trustlist.read(path, kind=expected_kind)
    note = None if tl.kind == expected_kind else (
        f"itlsim: note: {path} is a {tl.kind} file (FILENAME {tl.filename}); showing it as a "
        f"{tl.kind}")
    reason: str | None
    try:
        trustlist.check(tl)
    except SignatureError as error:
        verified, reason = False, str(error)
    else:
        verified, reason = True, None
    if as_json:
        text = json.dumps(show.to_json(tl, path=path, verified=verified, reason=reason,
                                       timezone=timezone), indent=2)
    else:
        text = show.render(tl, path=path, verified=verified, reason=reason, timezone=timezone)
    return Shown(note, text, None if verified else SignatureError(f"{path}: {reason}"))
