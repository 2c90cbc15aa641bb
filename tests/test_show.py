"""sim.trust.show: `show itl` / `show ctl` with the seed's content (O1) in the English CLI's
layout (O1a, TechNote 118893), and its JSON twin."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sim.trust import show, trustlist

PUB = "CN=test10pub.joemar2.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US"
RECOVERY = "CN=ITLRECOVERY_test10pub.joem.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US"
SAST = "System Administrator Security Token"


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest().upper()


def _spaced(hex_text: str) -> str:
    return " ".join(hex_text[i:i + 2] for i in range(0, len(hex_text), 2))


COLUMNS = ["BYTEPOS\tTAG\t\tLENGTH\tVALUE", "-------\t---\t\t------\t-----"]


def test_O1_O1a_seed_show_itl_content_in_the_cli_layout(seed_itl: bytes, seed_cluster) -> None:
    """The seed's content in the English CLI's layout (TechNote 118893): tab-separated columns,
    "Parse ITL File" underlined with 16 dashes, record titles with 4, column-heading dashes."""
    tl = trustlist.parse(seed_itl)
    text = show.render(tl, path="ITLFile.tlv", verified=True, reason=None)
    cm_hash = _spaced(_sha1(seed_cluster.callmanager.der))
    capf_hash = _spaced(_sha1(seed_cluster.capf.der))
    head = "\n".join([
        "The checksum value of the ITL file:",
        f"{hashlib.md5(seed_itl).hexdigest()}(MD5)",
        f"{hashlib.sha1(seed_itl).hexdigest()}(SHA1)",
        "",
        "Length of ITL file: 5302",
        "The ITL File was last modified on Wed Feb 26 18:21:07 UTC 2014",
        "",
        "Parse ITL File",
        "----------------",
        "",
        "Version:\t1.2",
        "HeaderLength:\t324 (BYTES)",
        "",
        *COLUMNS,
        "3\tSIGNERID\t2\t139",
        f"4\tSIGNERNAME\t57\t{PUB}",
        "5\tSERIALNUMBER\t16\t61:40:52:E9:1E:E9:7C:77:9B:7B:5E:81:0A:B1:46:A5",
        f"6\tCANAME\t\t57\t{PUB}",
        "7\tSIGNATUREINFO\t2\t15",
        "8\tDIGESTALGORTITHM\t1",
        "9\tSIGNATUREALGOINFO\t2\t8",
        "10\tSIGNATUREALGORTITHM\t1",
        "11\tSIGNATUREMODULUS\t1",
        "12\tSIGNATURE\t128",
        *show.signature_rows(tl.signature),
        "14\tFILENAME\t12",
        "15\tTIMESTAMP\t4",
        "",
        "ITL Record #:1",
        "----",
        *COLUMNS,
        "1\tRECORDLENGTH\t2\t1115",
        "2\tDNSNAME\t\t2",
        f"3\tSUBJECTNAME\t57\t{PUB}",
        f"4\tFUNCTION\t2\t{SAST}",
        f"5\tISSUERNAME\t57\t{PUB}",
        "6\tSERIALNUMBER\t16\t61:40:52:E9:1E:E9:7C:77:9B:7B:5E:81:0A:B1:46:A5",
        "7\tPUBLICKEY\t140",
        "8\tSIGNATURE\t128",
        f"9\tCERTIFICATE\t684\t{cm_hash} (SHA1 Hash HEX)",
        "",
        "This etoken was used to sign the ITL file.",
        "",
        "ITL Record #:2",
    ])
    assert text.startswith(head + "\n")
    capf = "\n".join([
        "ITL Record #:3",
        "----",
        *COLUMNS,
        "1\tRECORDLENGTH\t2\t439",
        "2\tDNSNAME\t\t2",
        "3\tSUBJECTNAME\t49\tCN=CAPF-75638ad9;OU=tac;O=cisco;L=rtp;ST=nc;C=US",
        "4\tFUNCTION\t2\tCAPF",
        "5\tISSUERNAME\t49\tCN=CAPF-75638ad9;OU=tac;O=cisco;L=rtp;ST=nc;C=US",
        "6\tSERIALNUMBER\t16\t42:BF:37:77:9B:16:AF:1C:D2:30:88:C2:17:24:9D:AA",
        "7\tPUBLICKEY\t140",
        "8\tSIGNATURE\t128",
        f"11\tCERTHASH\t20\t{capf_hash}",
        "12\tHASH ALGORITHM\t1\tSHA-1",
        "",
        "ITL Record #:4",
    ])
    assert capf in text
    assert "4\tFUNCTION\t2\tTFTP\n" in text
    assert "1\tRECORDLENGTH\t2\t713\n" in text
    assert "7\tPUBLICKEY\t270\n8\tSIGNATURE\t256\n" in text
    assert text.count("This etoken was") == 2
    assert (f"9\tCERTIFICATE\t692\t{_spaced(_sha1(seed_cluster.recovery.der))} (SHA1 Hash HEX)\n"
            "\nThis etoken was not used to sign the ITL file.\n") in text
    assert text.endswith("\n\nThe ITL file was verified successfully.")


def test_O1a_columns_line_up_on_8_column_tab_stops(seed_itl: bytes) -> None:
    """TechNote 118893's copy keeps the spacing: LENGTH at column 24, or 32 after a tag name of
    16 or more characters."""
    text = show.render(trustlist.parse(seed_itl), path="x", verified=True, reason=None)
    expanded = text.expandtabs(8).splitlines()
    assert "BYTEPOS TAG             LENGTH  VALUE" in expanded
    assert "------- ---             ------  -----" in expanded
    assert "3       SIGNERID        2       139" in expanded
    assert "8       DIGESTALGORTITHM        1" in expanded
    assert "2       DNSNAME         2" in expanded
    assert "Version:        1.2" in expanded and "HeaderLength:   324 (BYTES)" in expanded


def _seed_rows(block: str) -> list[str]:
    """The ``N TAG`` of every table row of a show itl block of the seed document, in order (its
    markdown copy collapsed tabs, dropped dashes and misspells one ISSUERNAME)."""
    rows = []
    for line in block.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0].isdigit() and words[1].isupper():
            name = "ISSUERNAME" if words[1] == "ISSUERNAM" else words[1]
            rows.append(f"{words[0]} {name}" + (" ALGORITHM" if words[2:3] == ["ALGORITHM"]
                                                 else ""))
    return rows


def test_O1a_rows_follow_the_seed_documents_show_itl(seed_itl: bytes, seed_document: str
                                                      ) -> None:
    """The seed's English `show itl` (before its first reset) and ours list the same rows, in
    the same order, with the same titles and etoken lines."""
    seed = seed_document.split("admin:show itl")[1].split("The ITL file was verified")[0]
    ours = show.render(trustlist.parse(seed_itl), path="x", verified=True, reason=None)
    assert _seed_rows(ours.replace("\t", " ")) == _seed_rows(seed)
    titles = [line for line in seed.splitlines() if line.startswith(("ITL Record", "This etoken"))]
    assert titles == [line for line in ours.splitlines()
                      if line.startswith(("ITL Record", "This etoken"))]


def test_O1a_time_in_the_clusters_time_zone(seed_itl: bytes) -> None:
    """The seed's cluster printed "Wed Feb 26 10:24:27 PST 2014"."""
    text = show.render(trustlist.parse(seed_itl), path="x", verified=True, reason=None,
                       timezone="America/Los_Angeles")
    assert "The ITL File was last modified on Wed Feb 26 10:21:07 PST 2014\n" in text


def test_seed_reset_itl_is_signed_by_the_recovery_record(seed_reset_itl: bytes) -> None:
    tl = trustlist.parse(seed_reset_itl)
    text = show.render(tl, path="ITLFile.tlv", verified=True, reason=None)
    assert "Length of ITL file: 5322\n" in text and "HeaderLength:\t344 (BYTES)\n" in text
    assert f"3\tSIGNERID\t2\t157\n4\tSIGNERNAME\t66\t{RECOVERY}\n" in text
    used = [line for line in text.splitlines() if line.startswith("This etoken")]
    assert used == ["This etoken was not used to sign the ITL file.",
                    "This etoken was used to sign the ITL file."]


def test_signature_rows_like_cucm() -> None:
    assert show.signature_rows(bytes.fromhex("8fd400cba823bcb00f75699e25d19b2449")) == [
        "8f d4 0 cb a8 23 bc b0", "f 75 69 9e 25 d1 9b 24", "49"]


def test_real_ctl_says_ctl_everywhere(real_ctl: Path) -> None:
    tl = trustlist.read(real_ctl)
    text = show.render(tl, path=str(real_ctl), verified=True, reason=None)
    assert "ITL" not in text.replace("ITLRECOVERY", "")
    assert text.count("CTL Record #:") == 6
    assert "Length of CTL file: 7166\nThe CTL File was last modified on Thu May 07 03:10:47 " \
           "UTC 2015\n" in text
    assert "HeaderLength:\t312 (BYTES)\n" in text
    assert "1\tRECORDLENGTH\t2\t1147\n2\tDNSNAME\t\t11\tgigantic-6\n" in text
    assert "9\tCERTIFICATE\t712\t" in text and "10\tIPADDRESS\t4\t10.35.48.106\n" in text
    assert "5\tSERIALNUMBER\t8\t24:49:1F:10:70:3F:EA:9B\n" in text
    assert text.count("This etoken was used to sign the CTL file.") == 1
    assert text.count("This etoken was not used to sign the CTL file.") == 1
    assert text.endswith("The CTL file was verified successfully.")


def test_third_party_itl_keeps_its_order(real_itl: Path) -> None:
    text = show.render(trustlist.read(real_itl), path="x", verified=True, reason=None)
    assert ("-----\n28\tSIGNERVERSION\t2\n3\tSIGNERID\t2\t71\n"
            "4\tSIGNERNAME\t23\tCN=SAST,O=SAST,OU=SAST\n6\tCANAME\t\t23\tCN=SAST,O=SAST,OU=SAST\n"
            "5\tSERIALNUMBER\t16\t") in text
    assert ("-----\n1\tRECORDLENGTH\t2\t2585\n3\tSUBJECTNAME\t56\tC=US,O=Internet Security "
            "Research Group,CN=ISRG Root X1\n") in text
    assert text.count("4\tFUNCTION\t2\tAPP-SERVER") == 2
    assert text.count("4\tFUNCTION\t2\tCCM\n") == 2
    assert "DNSNAME" not in text


def test_failure_line_names_the_file_and_reason(seed_itl: bytes) -> None:
    tl = trustlist.parse(seed_itl)
    text = show.render(tl, path="/tftp/ITLFile.tlv", verified=False, reason="bad signature")
    assert text.endswith("\n\nThe ITL file /tftp/ITLFile.tlv was not verified: bad signature")


def test_unprintable_names_are_escaped(seed_cluster) -> None:
    signer = seed_cluster.callmanager
    odd = trustlist.Record("CN=a\nb", "CN=\udcff", 99, b"\x01", b"", b"")
    data = trustlist.build([seed_cluster.records()[0], odd], signer_cert=signer.cert,
                           signer_key=signer.key, timestamp=0)
    text = show.render(trustlist.parse(data), path="x", verified=True, reason=None)
    assert "3\tSUBJECTNAME\t7\tCN=a\\nb\n4\tFUNCTION\t2\t99\n5\tISSUERNAME\t5\tCN=\ufffd\n" in text


def test_json_carries_the_same_information(seed_itl: bytes, seed_cluster) -> None:
    tl = trustlist.parse(seed_itl)
    data = show.to_json(tl, path="ITLFile.tlv", verified=False, reason="why")
    assert json.loads(json.dumps(data)) == data
    assert {k: data[k] for k in ("path", "kind", "length", "header_length", "signer_record",
                                 "verified", "reason", "digest_algorithm",
                                 "signature_modulus_bits", "filename", "timestamp")} == {
        "path": "ITLFile.tlv", "kind": "ITL", "length": 5302, "header_length": 324,
        "signer_record": 1, "verified": False, "reason": "why", "digest_algorithm": "SHA-1",
        "signature_modulus_bits": 1024, "filename": "ITLFile.tlv", "timestamp": 1393438867}
    assert data["sha1"] == hashlib.sha1(seed_itl).hexdigest()
    records = data["records"]
    assert isinstance(records, list)
    assert [r["function_name"] for r in records] == [
        "System Administrator Security Token", "TFTP", "CAPF", "TVS",
        "System Administrator Security Token", "TVS"]
    assert [r["signer"] for r in records] == [True, False, False, False, False, False]
    assert [r["record_length"] for r in records] == [1115, 1115, 439, 455, 1141, 713]
    assert records[0]["certificate_sha1"] == hashlib.sha1(seed_cluster.callmanager.der).hexdigest()
    assert records[2]["cert_hash"] == hashlib.sha1(seed_cluster.capf.der).hexdigest()
    assert records[2]["hash_algorithm"] == "SHA-1" and records[2]["certificate_length"] is None
    assert records[3]["serial"] == "76:59:84:D8:B7:30:60:63:36:E5:C7:B6:A7:DD:B9:D6"
