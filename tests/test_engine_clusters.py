"""Several clusters in the engine: the estate, imported certificates and their roles, the bulk
certificate type, and the assumption on the import's TVS restart (I50-I52)."""

from __future__ import annotations

import pytest
from engine_helpers import PUB, cluster_toml, do, spec_from
from migration_helpers import (
    OLD_GROUP,
    SFTP,
    boot_at,
    cluster_specs,
    make_estate,
    settled_phone,
    tvs_of,
)

from sim.cluster.assumptions import Assumptions
from sim.cluster.bulkcerts import (
    TFTP,
    bulk_consolidate,
    bulk_export,
    bulk_import,
    exported,
    upload_certificates,
)
from sim.cluster.cluster import CALLMANAGER_TRUST, PHONE_SAST_TRUST, Cluster
from sim.cluster.estate import Estate
from sim.cluster.served import ConfigProfile
from sim.cluster.tftp import served_config
from sim.cluster.tvs import vouched_functions
from sim.trust.certificates import Role
from sim.trust.trustlist import Function
from sim.trust.verify import Verifier


def test_the_first_cluster_of_an_estate_is_built_as_it_is_alone():
    """A one-cluster scenario keeps its certificates, byte for byte, with several clusters in
    the code (``Estate.from_specs``)."""
    estate = make_estate()
    alone = Cluster.from_spec(cluster_specs()[0], 1)
    for name, node in estate.clusters["old"].nodes.items():
        assert {r: c.der for r, c in node.certs.items()} == {
            r: c.der for r, c in alone.nodes[name].certs.items()}


def test_no_two_clusters_hold_the_same_key_or_serial():
    estate = make_estate()
    certs = [c for cluster in estate.clusters.values() for c in cluster.all_certificates()]
    keys = {c.public_key_der for c in certs}
    assert len(keys) == len(certs)
    assert len({c.serial for c in certs}) == len(certs)


def test_estate_finds_nodes_and_moves_its_revision_with_any_cluster():
    estate = make_estate()
    assert estate.cluster_of("new-sub").name == "new" and estate.index_of("new-sub") == 1
    assert estate.names == ("old", "new") and estate.several
    before = estate.revision
    estate.clusters["new"].touch()
    assert estate.revision == before + 1
    alone = Cluster.from_spec(spec_from(cluster_toml("10.5(2)", (PUB,))), 1)
    assert Estate([alone]).several is False


@pytest.mark.parametrize(("stores", "functions"), [
    ((PHONE_SAST_TRUST,), {Function.SAST}),
    ((CALLMANAGER_TRUST,), {Function.TFTP}),
    ((CALLMANAGER_TRUST, PHONE_SAST_TRUST), {Function.SAST, Function.TFTP}),
])
def test_I50_imported_certificates_get_the_roles_of_their_stores(stores, functions):
    estate = make_estate()
    old, new = estate.clusters["old"], estate.clusters["new"]
    cert = new.publisher.certs[Role.CALLMANAGER]
    upload_certificates(new, old, (Role.CALLMANAGER,), 10, stores=stores)
    assert vouched_functions(old, cert) == functions
    assert vouched_functions(old, old.publisher.certs[Role.CALLMANAGER]) >= {
        Function.SAST, Function.CCM_TFTP}  # own certificates: by their role (I11)


def test_I50_phone_sast_trust_alone_vouches_for_an_itl_signer_but_not_a_config_signer():
    estate = make_estate()
    old, new = estate.clusters["old"], estate.clusters["new"]
    upload_certificates(new, old, (Role.CALLMANAGER,), 10, stores=(PHONE_SAST_TRUST,))
    old_tvs = tvs_of(old, OLD_GROUP)
    for node in old.nodes_with("TVS"):
        old.start_tvs(node)
    phone = settled_phone(estate)
    config = served_config(new, new.served["new-sub"], ConfigProfile(("new-sub",)))
    decision = phone.decide_config(config, old_tvs, Verifier(), 20)
    assert decision.reason == "config-signer-unknown,tvs-wrong-role"
    assert phone.decide_itl(new.served["new-sub"].itl, old_tvs, Verifier(), 20).via == "tvs"


def test_I51_without_the_tvs_restart_the_source_tvs_learns_the_import_at_its_next_restart():
    estate = make_estate(assumptions=Assumptions(bulk_import_restarts_tvs=False))
    old, new = estate.clusters["old"], estate.clusters["new"]
    for cluster in (new, old):
        bulk_export(cluster, cluster.publisher.name, SFTP, 10)
    bulk_consolidate(old, "old-pub", 20)
    outcome = do(old, bulk_import(old, "old-pub", 30), 30)
    assert [e.kind for e in outcome.effects] == ["reset_phones"]
    phone = settled_phone(estate)
    locked = boot_at(phone, estate, "new-sub", 100, tvs_of(old, OLD_GROUP))
    assert locked.itl.reason == "itl-signer-unknown,tvs-unknown-cert"
    for node in old.nodes_with("TVS"):
        old.start_tvs(node)  # restart_service TVS
    assert boot_at(phone, estate, "new-sub", 200, tvs_of(old, OLD_GROUP)).itl.via == "tvs"


def test_I52_tftp_type_exports_the_callmanager_certificates_of_tftp_nodes_only():
    estate = make_estate(new="12.5(1)")
    new = estate.clusters["new"]
    assert [c.role for c in exported(new, TFTP)] == [Role.CALLMANAGER, Role.CALLMANAGER]
    assert Role.ITLRECOVERY in {c.role for c in exported(new)}


def test_I52_a_tftp_export_leaves_a_12x_destination_itl_unverifiable():
    """12.0+ signs the ITL with ITLRecovery (section 2): without it in the source's stores the
    source TVS cannot vouch for the destination's ITL (TN 213407: ITLRecovery steps "apply to
    scenarios of migrating phone from 8.x to 12.x")."""
    estate = make_estate(new="12.5(1)")
    old, new = estate.clusters["old"], estate.clusters["new"]
    bulk_export(new, "new-pub", SFTP, 10, certificate_type=TFTP)
    bulk_export(old, "old-pub", SFTP, 10)
    bulk_consolidate(old, "old-pub", 20)
    do(old, bulk_import(old, "old-pub", 30), 30)
    phone = settled_phone(estate)
    result = boot_at(phone, estate, "new-sub", 100, tvs_of(old, OLD_GROUP))
    assert result.itl.reason == "itl-signer-unknown,tvs-unknown-cert"


def test_upload_of_a_certificate_the_source_lacks_is_refused_and_changes_nothing():
    estate = make_estate(old="9.1(2)")
    old, new = estate.clusters["old"], estate.clusters["new"]
    outcome = upload_certificates(old, new, (Role.CALLMANAGER, Role.ITLRECOVERY), 10)
    assert not outcome.done
    assert outcome.message == "ITLRecovery certificate does not exist on old-pub (CUCM 9.1)"
    assert all(not store for store in new.trust_stores.values())


def test_regenerating_a_certificate_removes_its_predecessor_from_the_trust_stores_only():
    """A regeneration drops the superseded certificate from every store (I11); another
    cluster's imported certificates stay."""
    estate = make_estate()
    old, new = estate.clusters["old"], estate.clusters["new"]
    upload_certificates(new, old, (Role.CALLMANAGER,), 10)
    assert old.stores_of(new.publisher.certs[Role.CALLMANAGER].identity)
    cert = old.publisher.certs[Role.CALLMANAGER]
    old.import_certificate(cert)  # as if it had been uploaded to its own cluster
    old.regenerate(old.publisher, Role.CALLMANAGER)
    assert old.stores_of(cert.identity) == ()
    assert old.stores_of(new.publisher.certs[Role.CALLMANAGER].identity)
