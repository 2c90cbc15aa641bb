"""Shared fixtures: the real trust lists in ../shared/testdata, and the seed's certificates.

Keys come from the deterministic pool (``sim.trust.keys``), certificates from
``sim.trust.certificates``, so every fixture is built once per session and byte-identical between
runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sim.trust.certificates import Certificate, Organisation, Role, make_certificate
from sim.trust.keys import KeySource
from sim.trust.trustlist import Function, Record, build, record_for

SEED_ORG = Organisation("tac", "cisco", "rtp", "nc", "US")
NOT_BEFORE = dt.datetime(2014, 2, 26, 18, 0, tzinfo=dt.UTC)
SEED_TIMESTAMP = 1393438867  # Wed Feb 26 18:21:07 UTC 2014
# The seed prints the ITLRecovery name as CN=ITLRECOVERY_test10pub.joemar2.lab;... (68
# characters) but with length 66, and every total it prints (SIGNERID 157, HeaderLength 344,
# RECORDLENGTH 1141) needs 66. The fixture keeps the lengths: a CN three characters shorter.
RECOVERY_CN = "ITLRECOVERY_test10pub.joem.lab"


@pytest.fixture(scope="session")
def shared_testdata() -> Path:
    """``../shared/testdata`` beside the project: real CUCM/third-party files, never copied."""
    path = Path(__file__).parents[1] / ".." / "shared" / "testdata"
    if not path.is_dir():
        pytest.skip(f"real trust lists not available: {path.resolve()} does not exist "
                    "(they live outside the project, see shared/testdata/README.md)")
    return path


@pytest.fixture(scope="session")
def seed_document(shared_testdata: Path) -> str:
    """The seed document (``../shared/docs``): the English `show itl` output it quotes."""
    return (shared_testdata.parent / "docs" / "000_6fc7ec40f5b238b8.txt").read_text()


@pytest.fixture(scope="session")
def real_ctl(shared_testdata: Path) -> Path:
    return shared_testdata / "cucm-ctl-gigantic6.tlv"


@pytest.fixture(scope="session")
def real_itl(shared_testdata: Path) -> Path:
    return shared_testdata / "usecallmanager-itl.tlv"


def sized_certificate(key: rsa.RSAPrivateKey, common_name: str, serial: bytes,
                      size: int) -> Certificate:
    """A self-signed certificate of exactly ``size`` DER bytes (filler extension tuned)."""
    name = SEED_ORG.name(common_name)
    filler_oid = x509.ObjectIdentifier("1.3.6.1.4.1.9.99.1")
    for filler in range(0, 200):
        builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(int.from_bytes(serial, "big"))
                   .not_valid_before(NOT_BEFORE)
                   .not_valid_after(NOT_BEFORE.replace(year=NOT_BEFORE.year + 20))
                   .add_extension(x509.UnrecognizedExtension(filler_oid, bytes(filler)), False))
        cert = builder.sign(key, hashes.SHA256())
        if len(cert.public_bytes(serialization.Encoding.DER)) == size:
            return Certificate(Role.ITLRECOVERY, cert, key)
    raise AssertionError(f"no filler gives a {size}-byte certificate for {common_name}")


@dataclass(frozen=True)
class SeedCluster:
    """The certificates behind the seed's ``show itl`` (test10pub/test10sub)."""

    callmanager: Certificate
    capf: Certificate
    tvs_pub: Certificate
    recovery: Certificate
    tvs_sub: Certificate

    def records(self) -> list[Record]:
        """The six records in the seed's order: SAST, TFTP, CAPF, TVS, ITLRecovery, TVS."""
        return [
            record_for(self.callmanager.cert, Function.SAST, with_certificate=True),
            record_for(self.callmanager.cert, Function.TFTP, with_certificate=True),
            record_for(self.capf.cert, Function.CAPF, with_certificate=False),
            record_for(self.tvs_pub.cert, Function.TVS, with_certificate=False),
            record_for(self.recovery.cert, Function.SAST, with_certificate=True),
            record_for(self.tvs_sub.cert, Function.TVS, with_certificate=False),
        ]


@pytest.fixture(scope="session")
def seed_cluster() -> SeedCluster:
    """Names, serials and key sizes from the seed; CallManager is 684 bytes, ITLRecovery 692."""
    keys = KeySource(2014)

    def issue(role: Role, cn: str, serial: str, bits: int = 1024) -> Certificate:
        return make_certificate(role, cn, SEED_ORG, keys.next_key(bits),
                                serial=bytes.fromhex(serial), not_before=NOT_BEFORE)

    return SeedCluster(
        callmanager=issue(Role.CALLMANAGER, "test10pub.joemar2.lab",
                          "614052E91EE97C779B7B5E810AB146A5"),
        capf=issue(Role.CAPF, "CAPF-75638ad9", "42BF37779B16AF1CD23088C217249DAA"),
        tvs_pub=issue(Role.TVS, "test10pub.joemar2.lab", "765984D8B730606336E5C7B6A7DDB9D6"),
        recovery=sized_certificate(keys.next_key(1024), RECOVERY_CN,
                                   bytes.fromhex("6E3F65C297B3E01FE74281AB52CC55DC"), 692),
        tvs_sub=issue(Role.TVS, "test10sub.joemar2.lab", "67D1A19EF8AB91E6C0A610352630EE02",
                      2048),
    )


@pytest.fixture(scope="session")
def other_certificate() -> Certificate:
    """A certificate that appears in no fixture's records (a foreign signer)."""
    return make_certificate(Role.CALLMANAGER, "stranger.example.lab", SEED_ORG,
                            KeySource(99).next_key(1024), serial=bytes.fromhex("11" * 16),
                            not_before=NOT_BEFORE)


@pytest.fixture(scope="session")
def seed_itl(seed_cluster: SeedCluster) -> bytes:
    """The seed's first ``show itl`` file: signed by test10pub's CallManager key (5302 bytes)."""
    signer = seed_cluster.callmanager
    return build(seed_cluster.records(), signer_cert=signer.cert, signer_key=signer.key,
                 timestamp=SEED_TIMESTAMP)


@pytest.fixture(scope="session")
def seed_reset_itl(seed_cluster: SeedCluster) -> bytes:
    """The seed's second ``show itl``: the same records re-signed with ITLRecovery (5322)."""
    signer = seed_cluster.recovery
    return build(seed_cluster.records(), signer_cert=signer.cert, signer_key=signer.key,
                 timestamp=SEED_TIMESTAMP + 619)


@pytest.fixture(scope="session")
def rename_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    """The small rename plan of ``plan_helpers.RENAME`` searched once for the session: the plan
    file, its results folder (``plan.duckdb``; jobs on it read the runs back) and the
    ``PlanResult``. Shared by the planner's end-to-end tests and the plan report's tests."""
    from plan_helpers import RENAME, write_plan
    from sweep_helpers import CountingExecutor

    from sim.plan.planner import run_plan
    from sim.plan.spec import load_plan

    folder = tmp_path_factory.mktemp("rename-plan")
    plan = write_plan(folder, RENAME)
    with CountingExecutor() as pool:
        return plan, folder / "out", run_plan(load_plan(plan), pool, 2, folder / "out")
