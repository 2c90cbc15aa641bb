"""``show itl`` / ``show ctl`` text pasted from the CUCM CLI, read back into data (O1).

Many administrators can copy CLI output but cannot fetch ``ITLFile.tlv``. ``parse`` turns the
text into a ``ShownTrustList`` (``sim.trust.shown``): the inverse of ``sim.trust.show.render``,
as far as the text carries information.

Accepted layouts: itlsim's own, the CLI's (one TAB between columns at 8-column stops, dash
underlines under "Parse ITL File" and the column header; TechNote 118893 "Migrate CUCM Mixed
Mode with Tokenless CTL") and the seed's (TechNote 117598 "ITL Enhancements in Version
10.0(1)"). Tolerated, as pasted text arrives: tabs or spaces, CRLF, blank lines and dash lines
anywhere, the ``admin:`` prompt (with or without a command), Markdown code fences from a wiki or
chat, long names wrapped onto the next line, "(SHA1 Hash HEX)" on the hash's line or its own,
CUCM's spellings DIGESTALGORTITHM and SIGNATUREALGORTITHM, the truncated ISSUERNAM of the seed,
and the tag "HASH ALGORITHM" with its space. CUCM's answer when there is no file ("CTL File not
found ...", a non-secure cluster) gives ``None``.

Strict where a half result would follow: text that ends before CUCM's verdict line, a hex dump
cut short, records out of sequence, a second output in the same text, a serial or hash whose
byte count disagrees with its LENGTH. Each is a ``ShowTextError`` naming the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sim.errors import ShowTextError
from sim.trust import showrows as rows
from sim.trust.shown import ShownTrustList
from sim.trust.showrows import Row, Section
from sim.trust.tlv import HeaderTag as H
from sim.trust.tlv import RecordTag as R

_HEADER_TAGS: Mapping[str, int] = {t.name: t for t in H} | {
    "DIGESTALGORTITHM": H.DIGESTALGORITHM, "SIGNATUREALGORTITHM": H.SIGNATUREALGORITHM}
_RECORD_TAGS: Mapping[str, int] = {t.name.replace("_", " "): t for t in R} | {
    "ISSUERNAM": R.ISSUERNAME}
# Rows whose text value a narrow terminal or a document may wrap onto the next line.
_HEADER_TEXT_TAGS = frozenset({H.SIGNERNAME, H.CANAME})
_RECORD_TEXT_TAGS = frozenset({R.DNSNAME, R.SUBJECTNAME, R.ISSUERNAME, R.FUNCTION})
_RECORD_HEX_TAGS = frozenset({R.PUBLICKEY, R.SIGNATURE, R.CERTIFICATE, R.CERTHASH})
_SHA1_SIZE = 20
_HASH_MARK = re.compile(r"\s*\(SHA1 Hash HEX\)$", re.IGNORECASE)
_TAG_ROW = re.compile(r"^(\d+)\s+(HASH\s+ALGORITHM|[A-Z][A-Z_]*)\s+(\d+)(?:\s+(.*?))?$")
_HEX_ROW = re.compile(r"^[0-9A-Fa-f]{1,2}(?:\s+[0-9A-Fa-f]{1,2})*$")
_KIND = r"(ITL|CTL)"


@dataclass
class _State:
    """Everything read so far; ``rows`` of the section being read are appended in place."""

    path: str
    kind: str | None = None
    started: int | None = None
    checksums: dict[str, bytes] = field(default_factory=dict)
    length: int | None = None
    modified: str | None = None
    version: str | None = None
    header_length: int | None = None
    header: Section | None = None
    records: list[Section] = field(default_factory=list)
    verdict: tuple[int, bool, str] | None = None
    absent: int | None = None

    def error(self, line: int, message: str) -> ShowTextError:
        return ShowTextError(message, path=self.path, line=line)

    def see_kind(self, line: int, kind: str) -> None:
        """Every "ITL"/"CTL" in one output must agree."""
        kind = kind.upper()
        if self.kind is None:
            self.kind = kind
        elif kind != self.kind:
            raise self.error(line, f"this line is about the {kind} file but the text before it "
                                   f"is a show {self.kind.lower()} output; paste one output at "
                                   "a time")

    def not_after_verdict(self, line: int) -> None:
        if self.verdict is not None:
            raise self.error(line, "output after CUCM's verdict line "
                                   f"(line {self.verdict[0]}); paste one output at a time")

    def section(self, line: int) -> Section:
        """The section rows go to: the last record, else the header table."""
        self.not_after_verdict(line)
        if self.records:
            return self.records[-1]
        if self.header is None:
            self.header = Section(line)
        return self.header

    def last_row(self) -> Row | None:
        current = self.records[-1] if self.records else self.header
        return current.rows[-1] if current is not None and current.rows else None


# -- line handlers: each gets the state, the line number and the regex match -------------------

Handler = Callable[[_State, int, re.Match[str]], None]


def _start(state: _State, line: int, match: re.Match[str]) -> None:
    if state.started is not None:
        raise state.error(line, f"a second output starts here (the first began at line "
                                f"{state.started}); paste one show itl / show ctl at a time")
    state.started = line
    state.see_kind(line, match.group(1))


def _checksum(state: _State, line: int, match: re.Match[str]) -> None:
    digest, name = match.group(1), match.group(2).upper().replace("-", "")
    size = {"MD5": 32, "SHA1": 40, "SHA256": 64, "SHA512": 128}[name]
    if len(digest) != size:
        raise state.error(line, f"the {name} checksum has {len(digest)} hex digits; "
                                f"a {name} checksum has {size}")
    state.checksums[name] = bytes.fromhex(digest)


def _length(state: _State, line: int, match: re.Match[str]) -> None:
    state.see_kind(line, match.group(1))
    state.length = int(match.group(2))


def _modified(state: _State, line: int, match: re.Match[str]) -> None:
    state.see_kind(line, match.group(1))
    state.modified = match.group(2).strip()


def _kind_only(state: _State, line: int, match: re.Match[str]) -> None:
    state.see_kind(line, match.group(1))


def _version(state: _State, line: int, match: re.Match[str]) -> None:
    state.version = match.group(1)


def _header_length(state: _State, line: int, match: re.Match[str]) -> None:
    state.header_length = int(match.group(1))


def _record(state: _State, line: int, match: re.Match[str]) -> None:
    state.see_kind(line, match.group(1))
    number = int(match.group(2))
    state.not_after_verdict(line)
    if number != len(state.records) + 1:
        expected = len(state.records) + 1
        raise state.error(line, f"record #{number} where record #{expected} was due; the "
                                "paste lost or repeated lines")
    state.records.append(Section(line))


def _etoken(state: _State, line: int, match: re.Match[str]) -> None:
    state.see_kind(line, match.group(2))
    if not state.records:
        raise state.error(line, "an etoken line before any record")
    state.records[-1].signer = match.group(1) is None


def _verdict(state: _State, line: int, match: re.Match[str]) -> None:
    state.see_kind(line, match.group(1))
    if state.verdict is not None:
        raise state.error(line, f"a second verdict line (the first is line {state.verdict[0]})")
    ok = match.group(2).lower().startswith("was verified successfully")
    state.verdict = (line, ok, match.group(0))


def _absent(state: _State, line: int, match: re.Match[str]) -> None:
    state.see_kind(line, match.group(1) or match.group(2))
    if state.absent is None:
        state.absent = line


def _hash_mark(state: _State, line: int, match: re.Match[str]) -> None:
    row = state.last_row()
    if row is None or not state.records or row.tag != R.CERTIFICATE:
        raise state.error(line, "'(SHA1 Hash HEX)' belongs after a record's CERTIFICATE row")


def _skip(state: _State, line: int, match: re.Match[str]) -> None:
    """Prompts, fences, dash underlines, the column header: decoration."""


_LINES: tuple[tuple[re.Pattern[str], Handler], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), handler) for pattern, handler in (
        (r"^$|^admin:.*$|^`{3}.*$|^-+(?:\s+-+)*$|^BYTEPOS\s+TAG\s+LENGTH\s+VALUE$", _skip),
        (rf"^The checksum value of the {_KIND} file:?$", _start),
        (r"^([0-9A-F]+)\s*\((MD5|SHA-?1|SHA-?256|SHA-?512)\)$", _checksum),
        (rf"^Length of {_KIND} file:\s*(\d+)$", _length),
        (rf"^The {_KIND} File was last modified on (.+)$", _modified),
        (rf"^Parse {_KIND} File$", _kind_only),
        (r"^Version:\s*(\S+)$", _version),
        (r"^HeaderLength:\s*(\d+)\s*\(BYTES\)$", _header_length),
        (rf"^{_KIND} Record #:?\s*(\d+)$", _record),
        (rf"^This etoken was (not )?used to sign the {_KIND} file\.?$", _etoken),
        (rf"^The {_KIND} file (.*(?:verified|fail|error).*)$", _verdict),
        (rf"^{_KIND} File not found\b.*$|^Error parsing the {_KIND} File\.?$", _absent),
        (r"^\(SHA1 Hash HEX\)$", _hash_mark),
    ))


def _feed(state: _State, line: int, text: str) -> None:
    """Dispatch one stripped line: a sentence, a hex row, a tag row or a continuation."""
    for pattern, handler in _LINES:
        match = pattern.match(text)
        if match:
            handler(state, line, match)
            return
    row = state.last_row()
    if row is not None and row.target and len(row.data) < row.target and _HEX_ROW.match(text):
        _add_hex(state, row, text, line)
        return
    match = _TAG_ROW.match(text)
    if match and _tag_of(state, match.group(2)) is not None:
        _new_row(state, line, match)
        return
    text_tags = _RECORD_TEXT_TAGS if state.records else _HEADER_TEXT_TAGS
    if row is not None and row.tag in text_tags and row.value:
        row.pieces.append(text)  # a long name wrapped onto the next line
        return
    raise state.error(line, f"unexpected text {text[:60]!r}; expected a 'TAG LENGTH VALUE' "
                            "row or a line of show itl / show ctl output")


def _tag_of(state: _State, label: str) -> int | None:
    label = " ".join(label.split())
    return (_RECORD_TAGS if state.records else _HEADER_TAGS).get(label)


def _new_row(state: _State, line: int, match: re.Match[str]) -> None:
    label = " ".join(match.group(2).split())
    tag, number, length = _tag_of(state, label), int(match.group(1)), int(match.group(3))
    assert tag is not None  # checked by the caller
    if number != tag:
        raise state.error(line, f"{label} is tag {tag}, the row says {number}")
    section = state.section(line)
    if any(row.tag == tag for row in section.rows):
        raise state.error(line, f"a second {label} row in this "
                                f"{'record' if state.records else 'header'}")
    value = match.group(4) or ""
    marked = _HASH_MARK.search(value)
    if marked:
        value = value[:marked.start()]
    row = Row(line, tag, label, length, [value])
    section.rows.append(row)
    if (tag in _RECORD_HEX_TAGS) if state.records else (tag == H.SIGNATURE):
        row.pieces = []
        row.target = _SHA1_SIZE if tag == R.CERTIFICATE and value else length
        if value:
            _add_hex(state, row, value, line)


def _add_hex(state: _State, row: Row, text: str, line: int) -> None:
    try:
        row.data += bytes(int(token, 16) for token in text.split())
    except ValueError:
        raise state.error(line, f"{row.label} value {text[:60]!r} is not hex bytes") from None
    if row.tag == R.CERTIFICATE and len(row.data) > row.target:
        row.target = row.length  # the whole certificate printed, not its SHA-1
    if len(row.data) > row.target:
        raise state.error(line, f"{row.label} (line {row.line}) has {len(row.data)} bytes of "
                                f"hex; {row.target} expected")


def _check_dumps(state: _State) -> None:
    """A hex dump that stopped part-way is a cut paste."""
    sections = [state.header] if state.header is not None else []
    for row in (row for section in sections + state.records for row in section.rows):
        if row.data and len(row.data) < row.target:
            raise state.error(row.line, f"{row.label} printed {len(row.data)} of its "
                                        f"{row.target} bytes; the paste lost lines")


def parse(text: str, *, path: str = "<text>") -> ShownTrustList | None:
    """Read one ``show itl`` / ``show ctl`` output; ``None`` when CUCM says there is no file.

    Raises ``ShowTextError`` (``path:line: ...``) for anything else that cannot be read.
    """
    state = _State(path)
    lines = text.splitlines()
    for number, raw in enumerate(lines, 1):
        _feed(state, number, raw.strip())
    return _build(state, len(lines))


def _build(state: _State, last: int) -> ShownTrustList | None:
    if state.absent is not None:
        if state.records or state.header is not None:
            raise state.error(state.absent, "CUCM says the file is absent, yet the text "
                                            "shows its contents")
        return None
    if state.kind is None:
        raise ShowTextError("no show itl / show ctl output found; expected text starting "
                            "'The checksum value of the ITL file:'", path=state.path)
    if state.verdict is None:
        raise state.error(last, f"the text ends before CUCM's verdict ('The {state.kind} file "
                                "was verified successfully.'); the paste is cut short")
    if state.header is None or not state.records:
        raise state.error(last, f"no header table or no {state.kind} Record; the paste is "
                                "cut short")
    _check_dumps(state)
    header = rows.rows_of(state.path, state.header, "the header")
    _, ok, verdict = state.verdict
    return ShownTrustList(
        kind=state.kind, md5=state.checksums.get("MD5"), sha1=state.checksums.get("SHA1"),
        length=state.length, timestamp=rows.timestamp(state.modified), version=state.version,
        header_length=state.header_length,
        header=tuple((row.tag, rows.size(state.path, row)) for row in state.header.rows),
        signer_name=rows.name(header[H.SIGNERNAME]), ca_name=rows.name(header[H.CANAME]),
        signer_serial=rows.serial(state.path, header[H.SERIALNUMBER]),
        signature=bytes(header[H.SIGNATURE].data) if H.SIGNATURE in header
        and header[H.SIGNATURE].data else None,
        records=tuple(rows.shown_record(state.path, section, index)
                      for index, section in enumerate(state.records, 1)),
        verified=ok, modified=state.modified, verdict=verdict,
    )
