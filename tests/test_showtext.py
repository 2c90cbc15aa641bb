"""sim.trust.showtext: `show itl` / `show ctl` text read back into data (O1).

Round trips (render with sim.trust.show, parse, compare with sim.trust.shown's projection of the
file) over every ITL and CTL the project builds and the two real files; the seed document's own
`show itl` output (TechNote 117598 "ITL Enhancements in Version 10.0(1)") with its numbers; the
CLI's tab layout (TechNote 118893); pasted-text tolerance; one line per malformed text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cluster import itlrecovery, tftp
from sim.cluster.cluster import Cluster
from sim.cluster.spec import ClusterSpec
from sim.cluster.variants import itl_variants
from sim.errors import ShowTextError, SignatureError
from sim.scenario.clusters import load_clusters
from sim.trust import show, showtext, trustlist
from sim.trust.shown import ShownTrustList, differences, shown
from sim.trust.trustlist import Function, Record, TrustList

SCENARIOS = sorted((Path(__file__).parents[1] / "scenarios").glob("*.toml"))
SEED_DOC = Path(__file__).parents[1] / ".." / "shared" / "docs" / "000_6fc7ec40f5b238b8.txt"
SAST = "System Administrator Security Token"


def render(tl: TrustList) -> str:
    """``show itl`` as itlsim prints it, with CUCM's verdict for the file."""
    try:
        trustlist.check(tl)
    except SignatureError as err:
        return show.render(tl, path="ITLFile.tlv", verified=False, reason=str(err))
    return show.render(tl, path="ITLFile.tlv", verified=True, reason=None)


def projection(tl: TrustList) -> ShownTrustList:
    try:
        trustlist.check(tl)
    except SignatureError:
        return shown(tl, verified=False)
    return shown(tl, verified=True)


def canonical(text: str) -> str:
    """``text`` in itlsim's single-space layout with "(SHA1 Hash HEX)" on its own line, whatever
    layout ``show.render`` uses: the base the paste and breakage tables below edit."""
    lines = []
    for line in text.split("\n"):
        line = " ".join(line.split())
        if line.endswith(" (SHA1 Hash HEX)"):
            lines += [line.removesuffix(" (SHA1 Hash HEX)"), "(SHA1 Hash HEX)"]
        else:
            lines.append(line)
    return "\n".join(lines)


def assert_round_trip(tl: TrustList, text: str | None = None) -> ShownTrustList:
    parsed = showtext.parse(render(tl) if text is None else text, path="show.txt")
    assert parsed is not None
    assert differences(projection(tl), parsed) == []
    assert parsed == projection(tl)
    return parsed


def built_files(path: Path, security_mode: str) -> Iterator[tuple[str, TrustList]]:
    """Every ITL/CTL the nodes of a file's cluster(s) serve: current, 9.x-era, rollback, CTL,
    and the ITLs after `utils itl reset localkey` where the version has one."""
    for spec in load_clusters(str(path)).specs:
        yield from _built_files(dataclasses.replace(spec, security_mode=security_mode))


def _built_files(spec: ClusterSpec) -> Iterator[tuple[str, TrustList]]:
    cluster = Cluster.from_spec(spec, 1)
    tftp.start_all(cluster)
    for node in list(cluster.served):
        variants = itl_variants(cluster, node)
        yield f"{node} current", variants.current
        yield f"{node} pre10", variants.pre10
        yield f"{node} empty", variants.empty
        if variants.ctl is not None:
            yield f"{node} CTL", variants.ctl
    if itlrecovery.itl_reset(cluster, cluster.publisher.name, 0.0).done:
        for node, served in cluster.served.items():
            yield f"{node} after reset", served.itl


@pytest.mark.parametrize("security_mode", ["non-secure", "mixed"])
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_O1_every_built_itl_and_ctl_round_trips(path: Path, security_mode: str) -> None:
    kinds = set()
    for _, tl in built_files(path, security_mode):
        kinds.add(assert_round_trip(tl).kind)
    assert kinds == ({"ITL", "CTL"} if security_mode == "mixed" else {"ITL"})


def test_O1_real_ctl_round_trips_with_dns_names_and_addresses(real_ctl: Path) -> None:
    parsed = assert_round_trip(trustlist.read(real_ctl))
    assert [r.dns_name for r in parsed.records] == ["gigantic-6"] * 2 + ["gigantic-7"] + [
        "gigantic-6"] * 2 + ["ccm-sjcctg-013"]
    assert parsed.records[0].ip_address == bytes([10, 35, 48, 106])
    assert [r.function for r in parsed.records] == [0, 2, 2, 4, 0, 2]
    assert parsed.signature_bits == 1024 and parsed.signer is parsed.records[0]


def test_O1_third_party_itl_round_trips_in_its_own_order(real_itl: Path) -> None:
    parsed = assert_round_trip(trustlist.read(real_itl))
    assert [tag for tag, _ in parsed.header][:4] == [28, 3, 4, 6]
    assert parsed.records[3].subject_name == (
        "C=US,O=Internet Security Research Group,CN=ISRG Root X1")
    assert all(r.dns_name is None for r in parsed.records)


def test_O1_seed_fixtures_round_trip(seed_itl: bytes, seed_reset_itl: bytes) -> None:
    assert_round_trip(trustlist.parse(seed_itl))
    assert_round_trip(trustlist.parse(seed_reset_itl))


# -- the seed document's own output -----------------------------------------------------------

def seed_outputs() -> list[str]:
    """The seed document's three ``admin:show itl`` outputs as a reader would select and copy
    them from the page, the document's code fences included: the first two up to their verdict
    line, the third (only the checksum) its four lines."""
    if not SEED_DOC.is_file():
        pytest.skip(f"seed document not available: {SEED_DOC.resolve()}")
    lines = SEED_DOC.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line == "admin:show itl"]
    ends = [i for i, line in enumerate(lines) if line.startswith("The ITL file was verified")]
    assert len(starts) == 3 and len(ends) == 2
    return ["\n".join(lines[start:end + 1]) for start, end in
            zip(starts, [*ends, starts[2] + 3], strict=True)]


def test_O1_seed_show_itl_numbers() -> None:
    text = seed_outputs()[0]
    parsed = showtext.parse(text, path="seed.txt")
    assert parsed is not None
    assert (parsed.kind, parsed.md5.hex() if parsed.md5 else None, parsed.length) == (
        "ITL", "b331e5bfb450926e816be37f2d8c24a2", 5302)
    assert parsed.sha1 == bytes.fromhex("9d7da73d16c1501b4d27dc1ed79211f390659982")
    assert (parsed.version, parsed.header_length, parsed.verified) == ("1.2", 324, True)
    assert parsed.modified == "Wed Feb 26 10:24:27 PST 2014" and parsed.timestamp is None
    assert dict(parsed.header)[3] == 139 and parsed.signature_bits == 1024
    assert parsed.signature is not None and parsed.signature[:4] == bytes.fromhex("8fd400cb")
    assert parsed.signer_serial == bytes.fromhex("614052E91EE97C779B7B5E810AB146A5")
    records = parsed.records
    assert [r.function for r in records] == [Function.SAST, Function.TFTP, Function.CAPF,
                                             Function.TVS, Function.SAST, Function.TVS]
    assert [r.record_length for r in records] == [1115, 1115, 439, 455, 1141, 713]
    assert [r.key_bits for r in records] == [1024] * 5 + [2048]
    assert [r.signer for r in records] == [True, None, None, None, False, None]
    # the seed wraps this name after "L=rtp;" and truncates the tag to ISSUERNAM
    assert records[4].subject_name == records[4].issuer_name == (
        "CN=ITLRECOVERY_test10pub.joemar2.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US")
    assert records[4].certificate_sha1 == bytes.fromhex("CDC74A39878752FAB0890C28ABCB3632EB8716DC")
    assert records[2].cert_hash == bytes.fromhex("BBC34A1DDE1739C5361A156BF065FEBED1E61903")
    assert records[2].hash_algorithm == 1 and records[2].length(9) is None
    # a certificate's identity is its SHA-1, printed as CERTIFICATE hash or CERTHASH
    assert [r.identity.hex()[:8] if r.identity else None for r in records] == [
        "019c4c3d", "019c4c3d", "bbc34a1d", "7abfceb6", "cdc74a39", "af288916"]
    assert records[5].subject_name == "CN=test10sub.joemar2.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US"


def test_O1_seed_fixture_differs_from_the_seed_text_only_in_crypto_outputs(
        seed_itl: bytes) -> None:
    """The conftest ITL rebuilds the seed's cluster; the text and it agree on every field but
    what needs Cisco's keys (hashes, signature, certificates), the time stamp (the seed prints
    PST) and the ITLRecovery name that conftest shortens to keep the seed's lengths (I3)."""
    parsed = showtext.parse(seed_outputs()[0], path="seed.txt")
    assert parsed is not None
    found = {re.sub(r":.*", "", line) for line in differences(
        shown(trustlist.parse(seed_itl), verified=True), parsed)}
    assert found == {"md5", "sha1", "timestamp", "signature",
                     *(f"record #{i} certificate_sha1" for i in (1, 2, 5)),
                     *(f"record #{i} cert_hash" for i in (3, 4, 6)),
                     "record #5 subject_name", "record #5 issuer_name"}


def test_O1_seed_second_output_lost_a_signature_row() -> None:
    """The document prints 15 signature rows (120 bytes) for a 128-byte SIGNATURE."""
    text = seed_outputs()[1]
    line = text.splitlines().index("12 SIGNATURE 128") + 1
    with pytest.raises(ShowTextError) as caught:
        showtext.parse(text, path="seed.txt")
    assert str(caught.value) == (f"seed.txt:{line}: SIGNATURE printed 120 of its 128 bytes; "
                                 "the paste lost lines")


def test_O1_seed_third_output_is_only_the_checksum() -> None:
    text = seed_outputs()[2]
    with pytest.raises(ShowTextError, match=r"ends before CUCM's verdict"):
        showtext.parse(text, path="seed.txt")


# -- the CLI's layout and pasted text ---------------------------------------------------------

def cli_layout(text: str) -> str:
    """itlsim's text in the CLI's layout (TN 118893): one TAB between columns, the dash
    underlines, "(SHA1 Hash HEX)" on the hash line, CRLF, the prompt before and after."""
    out = ["admin:show itl"]
    for line in text.split("\n"):
        if line == "BYTEPOS TAG LENGTH VALUE":
            out += ["BYTEPOS\tTAG\t\tLENGTH\tVALUE", "-------\t---\t\t------\t-----"]
        elif line == "-----" and out[-1].startswith("-------\t"):
            continue
        elif line == "-----":
            out.append("-" * 16)
        elif line == "(SHA1 Hash HEX)":
            out[-1] += " (SHA1 Hash HEX)"
        elif re.match(r"^\d+ [A-Z]", line):
            number, rest = line.split(" ", 1)
            tag = "HASH ALGORITHM" if rest.startswith("HASH ALGORITHM") else rest.split(" ")[0]
            out.append("\t".join([number, tag, *rest[len(tag) + 1:].split(" ", 1)]))
        elif line.startswith(("Version: ", "HeaderLength: ")):
            out.append(line.replace(": ", ":\t", 1))
        else:
            out.append(line)
    return "\r\n".join(out + ["admin: "])


def test_O1_cli_tab_layout_parses_like_itlsims(seed_itl: bytes, real_ctl: Path) -> None:
    for tl in (trustlist.parse(seed_itl), trustlist.read(real_ctl)):
        text = cli_layout(canonical(render(tl)))
        assert "\t" in text and "\r\n" in text
        assert_round_trip(tl, text)


def wrap_names(text: str, width: int = 60) -> str:
    """Names longer than ``width`` broken after a ';' onto the next line, as the seed shows."""
    out = []
    for line in text.split("\n"):
        match = re.match(r"^(\d+ (?:SUBJECTNAME|ISSUERNAME|SIGNERNAME|CANAME) \d+ )(.+)$", line)
        if match and len(line) > width:
            cut = line.rfind(";", 0, width) + 1
            out += [line[:cut], line[cut:]]
        else:
            out.append(line)
    return "\n".join(out)


PASTES: dict[str, Callable[[str], str]] = {
    "wrapped names": wrap_names,
    "indented, tabs and trailing blanks": lambda t: "\n".join(f"    {ln}\t " for ln in
                                                             t.split("\n")),
    "markdown fences and prompts": lambda t: f"```\nadmin:show itl\n{t}\n```\nadmin:",
    "hash marker on the hash line": lambda t: t.replace("\n(SHA1 Hash HEX)", " (SHA1 Hash HEX)"),
    "old Mac line ends": lambda t: t.replace("\n", "\r"),
    "double space in HASH ALGORITHM": lambda t: t.replace("HASH ALGORITHM", "HASH  ALGORITHM"),
    "ISSUERNAM as in the seed": lambda t: t.replace("ISSUERNAME", "ISSUERNAM"),
    "blank lines inside the signature": lambda t: re.sub(r"(\n[0-9a-f ]+\n)", r"\1\n", t,
                                                                count=3),
}


@pytest.mark.parametrize("paste", list(PASTES), ids=list(PASTES))
def test_O1_pasted_text_is_tolerated(seed_reset_itl: bytes, paste: str) -> None:
    tl = trustlist.parse(seed_reset_itl)
    base = canonical(render(tl))
    text = PASTES[paste](base)
    assert text != base
    assert_round_trip(tl, text)


def test_O1_no_ctl_on_a_non_secure_cluster_is_none() -> None:
    """TN 118893: what `show ctl` prints when there is no CTL file."""
    text = ("admin:show ctl\nLength of CTL file: 0\nCTL File not found . Please run CTLClient "
            "plugin or run the CLI - utils ctl.. to generate the CTL file.\nError parsing the "
            "CTL File.\nadmin:")
    assert showtext.parse(text) is None


_NAME = st.text(st.sampled_from("abcXYZ019=;,.-_ éø"), min_size=1, max_size=40).map(
    str.strip).filter(bool)


@settings(max_examples=40, deadline=None)
@given(names=st.lists(st.tuples(_NAME, _NAME), min_size=1, max_size=3),
       function=st.sampled_from(list(Function)) | st.integers(0, 0xFFFF),
       dns=st.none() | _NAME.map(lambda s: s.encode() + b"\x00"))
def test_O1_any_names_round_trip(seed_cluster, names: list[tuple[str, str]], function: int,
                                 dns: bytes | None) -> None:
    signer = seed_cluster.callmanager
    extra = [Record(s, i, function, b"\x01\x02", b"k" * 140, b"s" * 128, certificate=b"c" * 9,
                    dns_name=dns) for s, i in names]
    data = trustlist.build([seed_cluster.records()[0], *extra], signer_cert=signer.cert,
                           signer_key=signer.key, timestamp=99)
    assert_round_trip(trustlist.parse(data))


# -- malformed text: one line, with the line number ---------------------------------------------

def _line(text: str, prefix: str, nth: int = 0) -> int:
    """1-based number of the ``nth`` line of ``text`` starting with ``prefix``."""
    return [i for i, line in enumerate(text.split("\n"), 1) if line.startswith(prefix)][nth]


def _drop(text: str, prefix: str, nth: int = 0) -> str:
    lines = text.split("\n")
    del lines[_line(text, prefix, nth) - 1]
    return "\n".join(lines)


def _drop_after(text: str, prefix: str, offset: int) -> str:
    """``text`` without the line ``offset`` lines below the first starting with ``prefix``."""
    lines = text.split("\n")
    del lines[_line(text, prefix) - 1 + offset]
    return "\n".join(lines)


# (name, how to break the text, where the error points (prefix of that line in the broken
# text, nth), expected message)
BROKEN: list[tuple[str, Callable[[str], str], tuple[str, int] | None, str]] = [
    ("cut before the verdict", lambda t: t[:t.index("ITL Record #:4")].rstrip(), None,
     "the text ends before CUCM's verdict"),
    ("signature row lost", lambda t: _drop_after(t, "12 SIGNATURE 128", 2),
     ("12 SIGNATURE 128", 0), "SIGNATURE printed 120 of its 128 bytes"),
    ("serial byte lost", lambda t: t.replace("6 SERIALNUMBER 16 61:40:52:E9:",
                                             "6 SERIALNUMBER 16 61:40:52:", 1),
     ("6 SERIALNUMBER", 0), "SERIALNUMBER value has 15 bytes; LENGTH says 16"),
    ("record skipped", lambda t: t.replace("ITL Record #:2", "ITL Record #:3", 1),
     ("ITL Record #:3", 0), "record #3 where record #2 was due"),
    ("two outputs", lambda t: t + "\n" + t, ("The checksum value", 1),
     "a second output starts here (the first began at line 1)"),
    ("unknown function", lambda t: t.replace("4 FUNCTION 2 CAPF", "4 FUNCTION 2 CAPS"),
     ("4 FUNCTION 2 CAPS", 0), "FUNCTION 'CAPS' unknown; expected one of System Administrator"),
    ("stray text", lambda t: t.replace("7 PUBLICKEY 140\n", "7 PUBLICKEY 140\nhello there\n", 1),
     ("hello there", 0), "unexpected text 'hello there'"),
    ("tag number wrong", lambda t: t.replace("4 FUNCTION 2 TFTP", "7 FUNCTION 2 TFTP"),
     ("7 FUNCTION", 0), "FUNCTION is tag 4, the row says 7"),
    ("row lost", lambda t: _drop(t, "3 SUBJECTNAME", 1), ("ITL Record #:2", 0),
     "record #2 has no SUBJECTNAME row; the paste lost lines"),
    ("ITL and CTL mixed", lambda t: t.replace("ITL Record #:3", "CTL Record #:3"),
     ("CTL Record #:3", 0), "this line is about the CTL file"),
    ("short checksum", lambda t: re.sub(r"^[0-9a-f]{40}\(SHA1\)$", "9d7da73d(SHA1)", t,
                                        flags=re.M),
     ("9d7da73d(SHA1)", 0), "the SHA1 checksum has 8 hex digits; a SHA1 checksum has 40"),
    ("not hex", lambda t: re.sub(r"CERTHASH 20 \w\w", "CERTHASH 20 QQ", t, count=1),
     ("11 CERTHASH 20 QQ", 0), "CERTHASH value 'QQ"),
    ("unknown hash algorithm", lambda t: t.replace("1 SHA-1", "1 MD7", 1),
     ("12 HASH ALGORITHM 1 MD7", 0), "HASH ALGORITHM 'MD7' unknown; expected SHA-1, SHA-256"),
    ("text after the verdict", lambda t: t + "\n1 RECORDLENGTH 2 5", None,
     "output after CUCM's verdict line"),
    ("second row of a tag", lambda t: t.replace("7 PUBLICKEY 140\n", "7 PUBLICKEY 140\n"
                                                "7 PUBLICKEY 140\n", 1),
     ("7 PUBLICKEY", 1), "a second PUBLICKEY row in this record"),
    ("etoken before records", lambda t: t.replace("Parse ITL File", "This etoken was used to "
                                                  "sign the ITL file."),
     ("This etoken", 0), "an etoken line before any record"),
]


@pytest.mark.parametrize("case", BROKEN, ids=[c[0] for c in BROKEN])
def test_O1_malformed_text_is_one_line_with_its_line_number(
        seed_itl: bytes, case: tuple[str, Callable[[str], str], tuple[str, int] | None, str]
) -> None:
    _, breaking, where, message = case
    text = breaking(canonical(render(trustlist.parse(seed_itl))))
    line = len(text.split("\n")) if where is None else _line(text, *where)
    with pytest.raises(ShowTextError) as caught:
        showtext.parse(text, path="pasted.txt")
    error = str(caught.value)
    assert "\n" not in error
    assert error.startswith(f"pasted.txt:{line}: {message}"), error


def test_O1_empty_text_says_what_was_expected() -> None:
    with pytest.raises(ShowTextError) as caught:
        showtext.parse("admin:\n\n", path="empty.txt")
    assert str(caught.value) == ("empty.txt: no show itl / show ctl output found; expected text "
                                 "starting 'The checksum value of the ITL file:'")
