"""Low-level TLV codec of ITL/CTL files: elements, containers, padding, and the file's structure.

This module knows the syntax only (tlv-format.md "Encoding", "Header", "Records"): which tags exist
where, their fixed sizes, nesting, order and lengths. ``sim.trust.trustlist`` gives the elements
their meaning. Every malformation raises ``TLVError`` with the byte offset and a one-line message
that says what is wrong and what would be valid.

Element: 1-byte tag, u16 big-endian length, value. Tag 13 (PADDING) is a single ``0x0D`` byte.
Header tags 3, 7 and 9 are containers: tag + length only, the length counting the nested elements.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import IntEnum

from sim.errors import TLVError


class HeaderTag(IntEnum):
    """Header tags (tlv-format.md "Header"); 28 is the third-party SIGNERVERSION."""

    VERSION = 1
    HEADERLENGTH = 2
    SIGNERID = 3
    SIGNERNAME = 4
    SERIALNUMBER = 5
    CANAME = 6
    SIGNATUREINFO = 7
    DIGESTALGORITHM = 8
    SIGNATUREALGOINFO = 9
    SIGNATUREALGORITHM = 10
    SIGNATUREMODULUS = 11
    SIGNATURE = 12
    PADDING = 13
    FILENAME = 14
    TIMESTAMP = 15
    SIGNERVERSION = 28


class RecordTag(IntEnum):
    """Record tags (tlv-format.md "Records")."""

    RECORDLENGTH = 1
    DNSNAME = 2
    SUBJECTNAME = 3
    FUNCTION = 4
    ISSUERNAME = 5
    SERIALNUMBER = 6
    PUBLICKEY = 7
    SIGNATURE = 8
    CERTIFICATE = 9
    IPADDRESS = 10
    CERTHASH = 11
    HASH_ALGORITHM = 12


HEADER_NAMES: Mapping[int, str] = {t.value: t.name for t in HeaderTag}
RECORD_NAMES: Mapping[int, str] = {t.value: t.name.replace("_", " ") for t in RecordTag}
CONTAINER_TAGS = frozenset({HeaderTag.SIGNERID, HeaderTag.SIGNATUREINFO,
                            HeaderTag.SIGNATUREALGOINFO})
PADDING_BYTE = bytes([HeaderTag.PADDING])
VERSION_1_2 = b"\x01\x02"
MAX_LENGTH = 0xFFFF

# Elements whose value has one valid size (tlv-format.md tables).
_HEADER_SIZES = {1: 2, 2: 2, 8: 1, 10: 1, 11: 1, 15: 4, 28: 2}
_RECORD_SIZES = {1: 2, 4: 2, 12: 1}
# Cisco header order; SIGNERVERSION (28) is optional, between HEADERLENGTH and SIGNERID.
_HEADER_BODY = (HeaderTag.SIGNERID, HeaderTag.SIGNATUREINFO, HeaderTag.SIGNATURE,
                HeaderTag.FILENAME, HeaderTag.TIMESTAMP)
_SIGNERID_CHILDREN = (HeaderTag.SIGNERNAME, HeaderTag.SERIALNUMBER, HeaderTag.CANAME)
RECORD_MANDATORY = (3, 4, 5, 6, 7, 8)


def tag_label(tag: int, names: Mapping[int, str]) -> str:
    """``"SIGNATURE (tag 12)"``, or ``"tag 99"`` for a tag without a name."""
    return f"{names[tag]} (tag {tag})" if tag in names else f"tag {tag}"


def element(tag: int, value: bytes) -> bytes:
    """One element: tag, u16 big-endian length, value. ValueError if the value exceeds 65535."""
    if len(value) > MAX_LENGTH:
        raise ValueError(f"tag {tag} value is {len(value)} bytes; a TLV length holds at most "
                         f"{MAX_LENGTH}")
    return struct.pack(">BH", tag, len(value)) + value


def container(tag: int, children: bytes) -> bytes:
    """A container (tags 3, 7, 9) followed by its nested elements; length = len(children)."""
    return element(tag, children)


def padding(count: int) -> bytes:
    """``count`` single-byte PADDING elements (tag 13, no length)."""
    return PADDING_BYTE * count


@dataclass(frozen=True, slots=True)
class Element:
    """One decoded element. Containers and padding have an empty ``value``.

    ``length`` is the length field (0 for padding); ``size`` the bytes this element occupies in
    a flat walk (1 for padding, 3 for a container header, 3 + length otherwise).
    """

    tag: int
    offset: int
    length: int
    value: bytes
    size: int
    is_container: bool = False

    @property
    def end(self) -> int:
        """Offset just past this element (for a container: past all of its children)."""
        return self.offset + (3 + self.length if self.is_container else self.size)


class Reader:
    """Walks elements of one context (header or one record) between ``pos`` and a limit.

    Limits nest (file end, header end, container end); an element crossing the current limit
    is an error naming that limit.
    """

    def __init__(self, data: bytes, *, path: str, names: Mapping[int, str], where: str,
                 start: int = 0):
        self.data = data
        self.path = path
        self.names = names
        self.is_header = names is HEADER_NAMES
        self.where = where
        self.sizes = _HEADER_SIZES if self.is_header else _RECORD_SIZES
        self.pos = start
        self.limits: list[tuple[int, str]] = [(len(data), "the end of the file")]

    @property
    def end(self) -> int:
        """The current limit."""
        return self.limits[-1][0]

    def error(self, message: str, offset: int) -> TLVError:
        """A TLVError for this reader's file."""
        return TLVError(message, path=self.path, offset=offset)

    def label(self, tag: int) -> str:
        """A tag's label in this context."""
        return tag_label(tag, self.names)

    def next(self) -> Element:
        """Decode the element at ``pos`` and advance past it (past the header of a container)."""
        pos, limit = self.pos, self.end
        tag = self.data[pos]
        if tag not in self.names:
            valid = "1-15 and 28" if self.is_header else "1-12"
            raise self.error(f"unknown tag {tag} in {self.where}; valid tags there are {valid}",
                             pos)
        if tag == HeaderTag.PADDING:
            self.pos = pos + 1
            return Element(tag, pos, 0, b"", 1)
        if pos + 3 > limit:
            raise self.error(f"truncated {self.label(tag)}: {limit - pos} byte(s) left before "
                             f"{self.limits[-1][1]} (byte {limit}), a tag and its 2-byte length "
                             "need 3", pos)
        length = int.from_bytes(self.data[pos + 1:pos + 3], "big")
        self._check_size(tag, length, pos)
        if pos + 3 + length > limit:
            raise self.error(f"{self.label(tag)} declares {length} bytes but only "
                             f"{limit - pos - 3} remain before {self.limits[-1][1]} "
                             f"(byte {limit})", pos)
        if tag in CONTAINER_TAGS and self.is_header:
            self.pos = pos + 3
            return Element(tag, pos, length, b"", 3, is_container=True)
        self.pos = pos + 3 + length
        return Element(tag, pos, length, self.data[pos + 3:self.pos], 3 + length)

    def _check_size(self, tag: int, length: int, pos: int) -> None:
        expected = self.sizes.get(tag)
        if expected is not None and length != expected:
            raise self.error(f"{self.label(tag)} has length {length}; it must be {expected}", pos)


def decode(data: bytes, *, start: int = 0, end: int | None = None, names: Mapping[int, str],
           where: str, path: str = "<bytes>") -> Iterator[Element]:
    """Yield the elements between ``start`` and ``end`` in a flat walk, with their offsets.

    Containers (header names only) are yielded as their 3-byte header, followed by their
    children; PADDING is a header tag, so it is accepted with ``HEADER_NAMES`` only.
    """
    reader = Reader(data, path=path, names=names, where=where, start=start)
    if end is not None:
        reader.limits.append((end, "the requested end"))
    while reader.pos < reader.end:
        yield reader.next()


@dataclass(frozen=True, slots=True)
class Layout:
    """The elements of the header or of one record, by tag, and their order as found.

    ``order`` lists every tag in file order (container children included, RECORDLENGTH and
    padding excluded); ``length`` is HEADERLENGTH or RECORDLENGTH; ``padding`` counts tag-13
    bytes (header only).
    """

    offset: int
    length: int
    elements: Mapping[int, Element]
    order: tuple[int, ...]
    padding: int = 0


class _Group:
    """Collects the elements of one nesting level, enforcing presence, uniqueness and order."""

    def __init__(self, reader: Reader, found: dict[int, Element], order: list[int]):
        self.reader = reader
        self.found = found
        self.order = order

    def read(self, expected: tuple[int, ...], *, owner: str, ordered: bool,
             optional: tuple[int, ...] = (), trailing_padding: bool = False) -> None:
        """Read elements up to the current limit.

        Each of ``expected`` must appear exactly once (in that order if ``ordered``), each of
        ``optional`` at most once; with ``trailing_padding`` the level may end in PADDING.
        """
        reader = self.reader
        while reader.pos < reader.end:
            item = reader.next()
            if trailing_padding and item.tag == HeaderTag.PADDING:
                self._rest_is_padding(expected, owner)
                return
            self.accept(item, expected + optional, ordered=ordered, owner=owner)
            if item.is_container:
                self._read_container(item)
        self._require(expected, owner)

    def accept(self, item: Element, allowed: tuple[int, ...], *, ordered: bool,
               owner: str) -> None:
        """Record ``item``: a tag of ``allowed``, not seen before, next in order if ``ordered``."""
        reader, tag = self.reader, item.tag
        if tag in self.found:
            raise reader.error(f"duplicate {reader.label(tag)} in {owner}; it may appear once",
                               item.offset)
        if ordered:
            allowed = tuple(t for t in allowed if t not in self.found)[:1]
        if tag not in allowed:
            wanted = [reader.label(t) for t in allowed if t not in self.found]
            raise reader.error(f"unexpected {reader.label(tag)} in {owner}; expected "
                               f"{' or '.join(wanted) or 'nothing more'}", item.offset)
        self.found[tag] = item
        self.order.append(tag)

    def _read_container(self, item: Element) -> None:
        reader = self.reader
        reader.limits.append((item.end, f"the end of {reader.names[item.tag]}"))
        if item.tag == HeaderTag.SIGNERID:
            self.read(_SIGNERID_CHILDREN, ordered=False, owner="SIGNERID")
        elif item.tag == HeaderTag.SIGNATUREINFO:
            self.read((HeaderTag.DIGESTALGORITHM, HeaderTag.SIGNATUREALGOINFO), ordered=True,
                      owner="SIGNATUREINFO")
        else:
            self.read((HeaderTag.SIGNATUREALGORITHM, HeaderTag.SIGNATUREMODULUS), ordered=True,
                      owner="SIGNATUREALGOINFO")
        reader.limits.pop()

    def _rest_is_padding(self, expected: tuple[int, ...], owner: str) -> None:
        reader = self.reader
        self._require(expected, owner, before=reader.pos - 1)
        while reader.pos < reader.end:
            if reader.data[reader.pos] != HeaderTag.PADDING:
                raise reader.error(f"{reader.label(reader.data[reader.pos])} after PADDING; only "
                                   "PADDING (tag 13) may follow TIMESTAMP up to HEADERLENGTH",
                                   reader.pos)
            reader.pos += 1

    def _require(self, expected: tuple[int, ...], owner: str, before: int | None = None) -> None:
        missing = [self.reader.label(t) for t in expected if t not in self.found]
        if missing:
            at = self.reader.pos if before is None else before
            verb = "is" if len(missing) == 1 else "are"
            raise self.reader.error(f"{owner} ends without {', '.join(missing)}, which {verb} "
                                    "mandatory", at)


def read_header(data: bytes, *, path: str = "<bytes>") -> Layout:
    """Decode and check the header: VERSION 01 02, HEADERLENGTH, [28], SIGNERID, SIGNATUREINFO,
    SIGNATURE, FILENAME, TIMESTAMP, then padding to exactly HEADERLENGTH (tlv-format.md).

    SIGNERID children may come in any order (the third-party file writes 4, 6, 5); everything
    else is strict. A HEADERLENGTH that is not a multiple of 4 is tolerated: the rule binds
    writers (``trustlist.build`` pads), and the padding that is there must fill the header.
    """
    if not data:
        raise TLVError("empty input: 0 bytes; an ITL/CTL file starts with VERSION (tag 1, "
                       "value 01 02)", path=path, offset=0)
    reader = Reader(data, path=path, names=HEADER_NAMES, where="the header")
    found: dict[int, Element] = {}
    order: list[int] = []
    group = _Group(reader, found, order)
    group.accept(_first(reader, HeaderTag.VERSION), (HeaderTag.VERSION,), ordered=True,
                 owner="the header")
    if found[HeaderTag.VERSION].value != VERSION_1_2:
        raise reader.error(f"VERSION is {found[HeaderTag.VERSION].value.hex(' ')}; only 01 02 "
                           "(1.2) is valid", 0)
    length_el = _first(reader, HeaderTag.HEADERLENGTH)
    group.accept(length_el, (HeaderTag.HEADERLENGTH,), ordered=True, owner="the header")
    header_length = int.from_bytes(length_el.value, "big")
    if not reader.pos < header_length <= len(data):
        raise reader.error(f"HEADERLENGTH {header_length} does not fit the file: it must lie "
                           f"between {reader.pos + 1} and the file size {len(data)}",
                           length_el.offset)
    reader.limits.append((header_length, "the end of the header"))
    expected: tuple[HeaderTag, ...] = _HEADER_BODY
    if data[reader.pos] == HeaderTag.SIGNERVERSION:
        expected = (HeaderTag.SIGNERVERSION, *_HEADER_BODY)
    group.read(expected, owner="the header", ordered=True, trailing_padding=True)
    pad = header_length - found[HeaderTag.TIMESTAMP].end
    return Layout(0, header_length, found, tuple(order), pad)


def _first(reader: Reader, tag: HeaderTag) -> Element:
    """The next element, which must be ``tag`` (VERSION and HEADERLENGTH open every file)."""
    if reader.pos >= reader.end:
        raise reader.error(f"file ends before {reader.label(tag)}", reader.pos)
    item = reader.next()
    if item.tag != tag:
        raise reader.error(f"expected {reader.label(tag)} here, found {reader.label(item.tag)}",
                           item.offset)
    return item


def read_records(data: bytes, start: int, *, path: str = "<bytes>") -> tuple[Layout, ...]:
    """Decode the records that follow the header back to back up to the end of the file.

    Each record opens with RECORDLENGTH (its whole size) and must hold tags 3-8 exactly once;
    the other tags are optional and may come in any order (the third-party file writes
    1, 3, 5, 6, 4, 7, 8, 9).
    """
    records: list[Layout] = []
    pos = start
    while pos < len(data):
        records.append(_read_record(data, pos, len(records) + 1, path))
        pos += records[-1].length
    return tuple(records)


def _read_record(data: bytes, pos: int, index: int, path: str) -> Layout:
    where = f"record #{index}"
    reader = Reader(data, path=path, names=RECORD_NAMES, where=where, start=pos)
    first = reader.next()
    if first.tag != RecordTag.RECORDLENGTH:
        raise reader.error(f"{where} starts with {reader.label(first.tag)}; a record starts "
                           "with RECORDLENGTH (tag 1)", pos)
    length = int.from_bytes(first.value, "big")
    if length <= first.size or pos + length > len(data):
        raise reader.error(f"record length mismatch: RECORDLENGTH {length} of {where} must be "
                           f"between {first.size + 1} and the {len(data) - pos} bytes left in "
                           "the file", pos)
    reader.limits.append((pos + length, f"the end of {where}"))
    found: dict[int, Element] = {}
    order: list[int] = []
    optional = tuple(t for t in RECORD_NAMES if t != 1 and t not in RECORD_MANDATORY)
    _Group(reader, found, order).read(RECORD_MANDATORY, owner=where, ordered=False,
                                      optional=optional)
    return Layout(pos, length, found, tuple(order))
