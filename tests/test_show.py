"""sim.trust.show: the `show itl` / `show ctl` layout of the seed (O1) and its JSON twin."""

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


def test_seed_show_itl_layout(seed_itl: bytes, seed_cluster) -> None:
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
        "-----",
        "",
        "Version: 1.2",
        "HeaderLength: 324 (BYTES)",
        "",
        "BYTEPOS TAG LENGTH VALUE",
        "-----",
        "3 SIGNERID 2 139",
        f"4 SIGNERNAME 57 {PUB}",
        "5 SERIALNUMBER 16 61:40:52:E9:1E:E9:7C:77:9B:7B:5E:81:0A:B1:46:A5",
        f"6 CANAME 57 {PUB}",
        "7 SIGNATUREINFO 2 15",
        "8 DIGESTALGORTITHM 1",
        "9 SIGNATUREALGOINFO 2 8",
        "10 SIGNATUREALGORTITHM 1",
        "11 SIGNATUREMODULUS 1",
        "12 SIGNATURE 128",
        *show.signature_rows(tl.signature),
        "14 FILENAME 12",
        "15 TIMESTAMP 4",
        "",
        "ITL Record #:1",
        "",
        "BYTEPOS TAG LENGTH VALUE",
        "-----",
        "1 RECORDLENGTH 2 1115",
        "2 DNSNAME 2",
        f"3 SUBJECTNAME 57 {PUB}",
        f"4 FUNCTION 2 {SAST}",
        f"5 ISSUERNAME 57 {PUB}",
        "6 SERIALNUMBER 16 61:40:52:E9:1E:E9:7C:77:9B:7B:5E:81:0A:B1:46:A5",
        "7 PUBLICKEY 140",
        "8 SIGNATURE 128",
        f"9 CERTIFICATE 684 {cm_hash}",
        "(SHA1 Hash HEX)",
        "",
        "This etoken was used to sign the ITL file.",
        "",
        "ITL Record #:2",
    ])
    assert text.startswith(head + "\n")
    capf = "\n".join([
        "ITL Record #:3",
        "",
        "BYTEPOS TAG LENGTH VALUE",
        "-----",
        "1 RECORDLENGTH 2 439",
        "2 DNSNAME 2",
        "3 SUBJECTNAME 49 CN=CAPF-75638ad9;OU=tac;O=cisco;L=rtp;ST=nc;C=US",
        "4 FUNCTION 2 CAPF",
        "5 ISSUERNAME 49 CN=CAPF-75638ad9;OU=tac;O=cisco;L=rtp;ST=nc;C=US",
        "6 SERIALNUMBER 16 42:BF:37:77:9B:16:AF:1C:D2:30:88:C2:17:24:9D:AA",
        "7 PUBLICKEY 140",
        "8 SIGNATURE 128",
        f"11 CERTHASH 20 {capf_hash}",
        "12 HASH ALGORITHM 1 SHA-1",
        "",
        "ITL Record #:4",
    ])
    assert capf in text
    assert "4 FUNCTION 2 TFTP\n" in text
    assert "1 RECORDLENGTH 2 713\n" in text and "7 PUBLICKEY 270\n8 SIGNATURE 256\n" in text
    assert text.count("This etoken was") == 2
    assert (f"9 CERTIFICATE 692 {_spaced(_sha1(seed_cluster.recovery.der))}\n(SHA1 Hash HEX)\n\n"
            "This etoken was not used to sign the ITL file.\n") in text
    assert text.endswith("\n\nThe ITL file was verified successfully.")


def test_seed_reset_itl_is_signed_by_the_recovery_record(seed_reset_itl: bytes) -> None:
    tl = trustlist.parse(seed_reset_itl)
    text = show.render(tl, path="ITLFile.tlv", verified=True, reason=None)
    assert "Length of ITL file: 5322\n" in text and "HeaderLength: 344 (BYTES)\n" in text
    assert f"3 SIGNERID 2 157\n4 SIGNERNAME 66 {RECOVERY}\n" in text
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
    assert "HeaderLength: 312 (BYTES)\n" in text
    assert "1 RECORDLENGTH 2 1147\n2 DNSNAME 11 gigantic-6\n" in text
    assert "9 CERTIFICATE 712 " in text and "10 IPADDRESS 4 10.35.48.106\n" in text
    assert "5 SERIALNUMBER 8 24:49:1F:10:70:3F:EA:9B\n" in text
    assert text.count("This etoken was used to sign the CTL file.") == 1
    assert text.count("This etoken was not used to sign the CTL file.") == 1
    assert text.endswith("The CTL file was verified successfully.")


def test_third_party_itl_keeps_its_order(real_itl: Path) -> None:
    text = show.render(trustlist.read(real_itl), path="x", verified=True, reason=None)
    assert ("-----\n28 SIGNERVERSION 2\n3 SIGNERID 2 71\n4 SIGNERNAME 23 CN=SAST,O=SAST,OU=SAST\n"
            "6 CANAME 23 CN=SAST,O=SAST,OU=SAST\n5 SERIALNUMBER 16 ") in text
    assert ("-----\n1 RECORDLENGTH 2 2585\n3 SUBJECTNAME 56 C=US,O=Internet Security Research "
            "Group,CN=ISRG Root X1\n") in text
    assert text.count("4 FUNCTION 2 APP-SERVER") == 2 and text.count("4 FUNCTION 2 CCM\n") == 2
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
    assert "3 SUBJECTNAME 7 CN=a\\nb\n4 FUNCTION 2 99\n5 ISSUERNAME 5 CN=\ufffd\n" in text


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
