"""Explicit exception types.

Every error a user can cause (a bad file, a bad scenario, a refused operation) is an
``ItlsimError`` subclass whose ``str()`` is one line that names the file, where in it, what is
wrong and, where possible, what would be valid. The CLI prints that line and exits; it never
shows a traceback for these.
"""

from __future__ import annotations

# Exit codes (README, "Exit codes"): ItlsimError.exit_code for errors a user can cause, and
# these for the rest. 70 is EX_SOFTWARE of sysexits.h; 130, 141 and 143 are 128 + SIGINT /
# SIGPIPE / SIGTERM, what a shell reports for a command stopped by Ctrl-C, by a closed pipe or
# by ``kill`` (a job scheduler's or a service manager's stop).
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
EXIT_TERMINATED = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread by the CLI's handler. A ``KeyboardInterrupt`` so
    that every clean stop written for Ctrl-C (staging folders, store transactions, a sweep
    cancelling its pending runs) serves ``kill`` too; only the message and exit code differ."""


class ItlsimError(Exception):
    """Base class of every error itlsim reports to a user."""

    exit_code = 2


class TLVError(ItlsimError):
    """An ITL/CTL file that cannot be read: unreadable, truncated or malformed.

    ``path`` is the file (or ``"<bytes>"``), ``offset`` the byte position where the problem
    was found.
    """

    def __init__(self, message: str, *, path: str = "<bytes>", offset: int | None = None):
        self.path = path
        self.offset = offset
        self.reason = message
        where = f" at byte {offset}" if offset is not None else ""
        super().__init__(f"{path}{where}: {message}")


class SignatureError(ItlsimError):
    """A trust list that parses but whose signature does not verify."""

    exit_code = 1


class ConfigError(ItlsimError):
    """A cluster, scenario or sweep file with an error: file, line, key, what was expected."""

    def __init__(self, message: str, *, path: str = "<input>", line: int | None = None,
                 key: str | None = None):
        self.path = path
        self.line = line
        self.key = key
        self.reason = message
        where = f":{line}" if line is not None else ""
        what = f" [{key}]" if key else ""
        super().__init__(f"{path}{where}{what}: {message}")


class ArtefactError(ConfigError):
    """An artefact exported from CUCM that cannot be read: a BAT phone export, an AXL
    ``listPhone`` dump, an ITL status CSV, a device-pool map, pasted ``show itl`` text.

    Same one line as ``ConfigError``: ``file:line [column or key]: what is wrong; what would be
    valid``. ``line`` is the line where the CSV row (or text line) starts; ``key`` names the
    column, JSON key or TOML key.
    """


class ShowTextError(ArtefactError):
    """``show itl`` / ``show ctl`` text (pasted from the CUCM CLI) that cannot be read."""
