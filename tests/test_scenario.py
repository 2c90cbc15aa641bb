"""Scenario files: defaults, errors with file:line [key], events, overrides, identity."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.cluster.assumptions import DOCUMENTED
from sim.errors import ConfigError
from sim.scenario.assumptions import ASSUMPTIONS, engine_assumptions
from sim.scenario.clusterfile import CLUSTER_SCHEMA
from sim.scenario.distributions import KINDS, Fixed, LogNormal, Normal, Uniform
from sim.scenario.events import ACTIONS, EVENT_KEYS
from sim.scenario.migration import MIGRATION_ACTIONS
from sim.scenario.scenario import (
    SCENARIO_SCHEMA,
    Scenario,
    load_scenario,
    resolved_dict,
    scenario_from_dict,
    scenario_hash,
    validate_file,
)
from sim.scenario.schema import REQUIRED, ArrayOf, Table, Value
from sim.scenario.tomlsource import _key_lines

DATA = Path(__file__).parent / "data" / "scenarios"
BASE = """\
[simulation]
duration = "2h"

[cluster]
version = "12.5"
domain = "example.lab"

[cluster.organisation]
ou = "voice"
o = "example"
l = "amsterdam"
st = "nh"
c = "NL"

[[cluster.nodes]]
name = "pub"
role = "publisher"
services = ["CallManager", "TFTP", "TVS", "CAPF"]

[[cluster.nodes]]
name = "sub"
services = ["CallManager", "TVS"]

[[phones]]
name = "office"
count = 10
"""
SFTP = '\n[[sftp]]\nhost = "backup"\nuser = "cucm"\npassword = "secret"\n'
DOES_NOT_PARSE = ("is not a duration; expected a number of seconds or e.g. '90s', '5min', "
                  "'2h', '3d'")


def load(tmp_path: Path, text: str, **kwargs) -> Scenario:
    path = tmp_path / "s.toml"
    path.write_text(text)
    return load_scenario(path, **kwargs)


def fails(tmp_path: Path, text: str, **kwargs) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text, **kwargs)
    return info.value


def line(text: str, needle: str) -> int:
    """The 1-based line of the one line of ``text`` that contains ``needle``."""
    found = [i for i, row in enumerate(text.splitlines(), start=1) if needle in row]
    assert len(found) == 1, (needle, found)
    return found[0]


def event(action: str, at: str = "1h", **args: object) -> str:
    rows = [f'at = "{at}"', f'action = "{action}"'] + [
        f"{key} = {json.dumps(value)}" for key, value in args.items()]
    return "\n[[events]]\n" + "\n".join(rows) + "\n"


# -- fixtures and defaults ----------------------------------------------------------------------


def test_minimal_fixture_gets_the_documented_defaults():
    s = load_scenario(DATA / "minimal.toml")
    assert (s.name, s.duration, s.seed, s.resolution, s.description) == \
        ("minimal", 3600.0, 1, 60.0, "")
    assert s.tftp.max_serving_count == 500
    assert s.tftp.itl_transfer == Uniform(0.3, 0.7)
    assert s.tftp.restart == Fixed(30.0)
    assert s.tvs.cache_hours == 24.0
    assert (s.assumptions["tvs_capacity"], s.assumptions["tvs_latency"]) == (100, Uniform(0.5, 1.7))
    assert engine_assumptions(s.assumptions) == DOCUMENTED  # every engine default as documented
    assert s.phone_boot.hardware == Uniform(30.0, 90.0)
    assert s.phone_boot.retry == Fixed(30.0)
    office = s.populations[0]
    assert (office.model, office.firmware, office.itl_support, office.tftp, office.cm_group,
            office.initial_itl, office.initial_ctl, office.settings_access,
            office.web_access) == ("CP-8841", "12.8(1)", True, ("pub",), ("pub",), "current",
                                   False, True, False)
    assert office.availability.returns is None
    assert s.events == () and s.sftp == ()
    assert (s.recovery.technicians, s.recovery.start, s.recovery.methods,
            s.recovery.working_hours) == (0, None, ("remote", "menu", "factory"), None)
    assert s.recovery.visit == Uniform(600.0, 1200.0)


def test_full_fixture():
    s = load_scenario(DATA / "full.toml")
    assert s.name == "full-example" and s.phone_count == 1200
    assert s.phone_boot.hardware == Normal(60.0, 15.0, 20.0)
    hq, branch, jabber = s.populations
    assert hq.cm_group == ("sub1", "pub") and branch.cm_group == ("pub", "sub1")
    assert branch.availability.returns == Uniform(2 * 86400.0, 2 * 86400.0 + 7200.0)
    assert jabber.initial_itl == "none"
    assert [e.index for e in s.events] == [2, 0, 1, 3, 4, 5, 6]  # by time, ties in file order
    assert s.tvs.cache_hours == 12.0
    assert (s.assumptions["tvs_capacity"], s.assumptions["locked_phones_register"]) == (50, True)
    assert s.assumptions["tvs_latency"] == LogNormal(1.0, 0.3)
    assert s.recovery.working_hours == (8, 17)


def test_validate_file_summarises():
    assert validate_file(DATA / "minimal.toml") == (
        "scenario 'minimal': 1-node 12.5 non-secure cluster, 1 population / 10 phones, "
        "0 events over 1 h")
    assert validate_file(DATA / "full.toml") == (
        "scenario 'full-example': 2-node 12.5 non-secure cluster, 3 populations / 1,200 phones, "
        "7 events over 3 d")


def test_cluster_derived_defaults(tmp_path):
    mixed = BASE.replace('domain = "example.lab"', 'domain = "example.lab"\n'
                         'security_mode = "mixed"')
    office = load(tmp_path, mixed.replace('services = ["CallManager", "TVS"]', "")).populations[0]
    assert office.tftp == ("pub", "sub") and office.cm_group == ("pub", "sub")
    assert office.initial_ctl is True


# -- errors: file, line, key, reason ------------------------------------------------------------

ERRORS = [
    # (what the file becomes, the line the error is on, key, reason)
    (BASE.replace('duration = "2h"', 'durration = "2h"'), 'durration', "simulation.durration",
     "unknown key 'durration'; did you mean 'duration'? (valid keys: name, description, "
     "duration, seed, resolution, start)"),
    (BASE.replace('duration = "2h"', 'duration = "5 mins"'), '5 mins', "simulation.duration",
     f"'5 mins' {DOES_NOT_PARSE}"),
    (BASE.replace('duration = "2h"', 'duration = 0'), 'duration = 0', "simulation.duration",
     "must be longer than 0"),
    (BASE.replace('duration = "2h"', 'seed = 3'), '[simulation]', "simulation",
     "missing required key 'duration' (a duration: a number of seconds or e.g. '90s', '5min', "
     "'2h', '3d')"),
    (BASE.replace('version = "12.5"\n', ""), "[cluster]", "cluster",
     "missing required key 'version' (a string)"),
    (BASE.replace("count = 10", "count = 0"), "count = 0", "phones.0.count", "must be >= 1, got 0"),
    (BASE + 'tftp = ["pbu"]\n', "pbu", "phones.0.tftp.0",
     "no node called 'pbu'; did you mean 'pub'? (nodes running TFTP: pub)"),
    (BASE + 'tftp = ["sub"]\n', 'tftp = ["sub"]', "phones.0.tftp.0",
     "node 'sub' does not run TFTP (nodes running TFTP: pub)"),
    (BASE + 'cm_group = ["pub", "pub"]\n', "cm_group", "phones.0.cm_group.1",
     "node 'pub' appears twice"),
    (BASE + '\n[[phones]]\nname = "office"  # again\ncount = 1\n', "# again", "phones.1.name",
     "name 'office' appears twice"),
    (BASE + 'initial_itl = "curent"\n', "curent", "phones.0.initial_itl",
     "'curent' is not valid; did you mean 'current'? (expected one of 'current', 'none', "
     "'pre10', 'empty')"),
    (BASE + 'itl_support = false\ninitial_itl = "pre10"\n', "initial_itl", "phones.0.initial_itl",
     "a phone without ITL support holds no ITL (itl_support = false, P8); use 'none'"),
    (BASE + "\n[phones.availability]\noffline_share = 0.5\n", "offline_share",
     "phones.0.availability.offline_share",
     "offline_share > 0 needs returns: how long until offline phones come back"),
    (BASE + "\n[phones.availability]\noffline_share = 1.5\n", "offline_share",
     "phones.0.availability.offline_share", "a share is between 0 and 1, got 1.5"),
    (BASE + '\n[phones.availability]\noffline_share = 0.5\nreturns = "1d"\n'
     "always_off_share = 0.6\n", "always_off_share", "phones.0.availability.always_off_share",
     "offline_share + always_off_share is more than 1"),
    (BASE + '\n[phone_boot]\nhardware = { dist = "uniform", low = "30s" }\n', "hardware",
     "phone_boot.hardware", "a uniform distribution needs high (its parameters: low, high)"),
    (BASE + '\n[assumptions]\ntvs_latency = { dist = "lognormel", median = "1s", sigma = 1 }\n',
     "tvs_latency", "assumptions.tvs_latency.dist", "'lognormel' is not a distribution; did you "
     "mean 'lognormal'? "
     "(expected one of fixed, uniform, exponential, lognormal, normal, empirical)"),
    (BASE + 'firmware = "Jabber 14"\n', "firmware", "phones.0.firmware",
     "'Jabber 14' is not a firmware version; expected e.g. '12.8(1)', '9.4(2)SR3' or "
     "'sip88xx.14-2-1-0001-14'"),
    (BASE + '\n[tvs]\ncapacity = 50\n', "capacity", "tvs.capacity",
     "'capacity' has moved: set assumptions.tvs_capacity instead"),
    (BASE + '\n[assumptions]\nlocked_phone_register = true\n', "locked_phone_register",
     "assumptions.locked_phone_register", "unknown key 'locked_phone_register'; did you mean "
     "'locked_phones_register'? (valid keys: " + ", ".join(ASSUMPTIONS) + ")"),
    (BASE + '\n[assumptions]\ntvs_learns_new_certificates = "at-restart"\n', "at-restart",
     "assumptions.tvs_learns_new_certificates", "'at-restart' is not valid; did you mean "
     "'at-tvs-restart'? (expected one of 'at-tvs-restart', 'at-once')"),
    (BASE.replace('domain = "example.lab"', 'domain = "example.lab"\ntimezone = "Europe/Brusels"'),
     "Brusels", "cluster.timezone", "'Europe/Brusels' is not a time zone; did you mean "
     "'Europe/Brussels'? (expected an IANA name such as 'UTC', 'Europe/Brussels' or "
     "'America/Los_Angeles')"),
    (BASE + '\n[tftp]\nrestart = [1, 2]\n', "restart", "tftp.restart",
     'expected a distribution: a duration (fixed) or an inline table such as { dist = '
     '"uniform", low = "30s", high = "90s" }, got a list'),
    (BASE + SFTP + '\n[[sftp]]\nhost = "backup"  # again\nuser = "x"\npassword = "y"\n',
     "# again", "sftp.1.host", "host 'backup' appears twice"),
    (BASE + "\n[recovery]\nworking_hours = [17, 8]\n", "working_hours", "recovery.working_hours",
     "expected [start_hour, end_hour] with 0 <= start < end <= 24, e.g. [8, 17]; got [17, 8]"),
    (BASE + '\n[recovery]\nmethods = ["remote", "menus"]\n', "methods", "recovery.methods",
     "unknown method 'menus'; did you mean 'menu'? (valid: remote, menu, factory)"),
    (BASE + '\n[recovery]\nstart = "1d"\n', "start", "recovery.start",
     "start 1 d is after the end of the simulation (2 h)"),
    (BASE + '\n[tftp]\nserving_count = { pub = 1500, sbu = 100 }\n', "serving_count",
     "tftp.serving_count.sbu", "no node 'sbu'; did you mean 'sub'? (nodes: pub, sub)"),
    (BASE + '\n[tftp]\nserving_count = { pub = 0 }\n', "serving_count",
     "tftp.serving_count.pub", "must be >= 1, got 0"),
    (BASE + '\n[recovery]\ntechnicans = 2\n', "technicans", "recovery.technicans",
     "unknown key 'technicans'; did you mean 'technicians'? (valid keys: technicians, start, "
     "visit, remote, working_hours, working_days, methods, factory_reprovision)"),
]


@pytest.mark.parametrize(("text", "needle", "key", "reason"), ERRORS,
                         ids=[case[2] for case in ERRORS])
def test_errors_name_file_line_and_key(tmp_path, text, needle, key, reason):
    err = fails(tmp_path, text)
    assert str(err) == f"{tmp_path / 's.toml'}:{line(text, needle)} [{key}]: {reason}"


def test_per_node_serving_count_overrides_the_default(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(BASE + "\n[tftp]\nmax_serving_count = 500\nserving_count = { pub = 1500 }\n")
    tftp = load_scenario(path).tftp
    assert (tftp.serving_count_of("pub"), tftp.serving_count_of("sub")) == (1500, 500)


def test_missing_phones(tmp_path):
    err = fails(tmp_path, BASE.split("[[phones]]")[0])
    assert str(err) == f"{tmp_path / 's.toml'}: missing [[phones]] entries (at least 1)"


def test_bad_toml_is_a_config_error_with_its_line(tmp_path):
    err = fails(tmp_path, BASE + "count = \n")
    assert err.line == BASE.count("\n") + 1 and "not valid TOML" in err.reason


# -- events -------------------------------------------------------------------------------------

# one valid event per action (a 14 cluster so that every action is allowed)
SAMPLE_ARGS: dict[str, dict[str, object]] = {
    "regen_cert": {"node": "pub", "cert": "TVS"},
    "change_hostname": {"node": "sub", "new_name": "sub2"},
    "change_ip": {"node": "sub", "new_ip": "10.0.0.12"},
    "change_domain": {"new_domain": "new.lab"},
    "restart_service": {"node": "all", "service": "TFTP"},
    "reset_phones": {},
    "itl_reset": {"mode": "localkey"},
    "ctl_reset_localkey": {},
    "update_option150": {"population": "office"},
    "backup_itlrecovery": {"sftp_host": "backup"},
    "change_security_password": {"new_password": "n3w"},
    "set_rollback": {"enabled": True},
    "set_phone_interaction": {"enabled": False},
    "rebuild_publisher": {},
    "upgrade": {"version": "15"},
    "set_mixed_mode": {"enabled": True},
    "ctl_update": {},
    "node_down": {"node": "sub"},
    "node_up": {"node": "sub"},
    "stop_service": {"node": "pub", "service": "TVS"},
    "start_service": {"node": "pub", "service": "TVS"},
    "partition": {"population": "office"},
    "heal": {"population": "all"},
    "sftp_down": {"host": "backup"},
    "sftp_up": {"host": "backup"},
    "start_recovery": {},
}
V14 = BASE.replace('version = "12.5"', 'version = "14"') + SFTP


def test_every_action_has_a_sample():
    """The actions between clusters have theirs in tests/test_migration_scenario.py (they need
    two clusters)."""
    assert set(SAMPLE_ARGS) | set(MIGRATION_ACTIONS) == set(ACTIONS)


@pytest.mark.parametrize("action", sorted(SAMPLE_ARGS))
def test_every_action_validates_and_fills_its_arguments(tmp_path, action):
    (e,) = load(tmp_path, V14 + event(action, **SAMPLE_ARGS[action])).events
    assert (e.at, e.action, e.index) == (3600.0, action, 0)
    assert set(e.args) == set(ACTIONS[action].args)


def test_defaults_and_derived_arguments(tmp_path):
    text = (V14 + event("reset_phones") + event("itl_reset", mode="localkey")
            + event("itl_reset", mode="remotekey", sftp_host="backup", sftp_password="wrong")
            + event("regen_cert", node="sub", cert="CallManager"))
    reset, local, remote, regen = load(tmp_path, text).events
    assert dict(reset.args) == {"population": "all", "batch_size": 0, "batch_pause": 0.0}
    assert local.args["node"] == "pub" and local.args["sftp_host"] is None
    assert dict(remote.args) == {"mode": "remotekey", "node": "pub", "sftp_host": "backup",
                                 "sftp_user": "cucm", "sftp_path": "/ITLRecovery.p12",
                                 "sftp_password": "wrong"}
    assert regen.args["restart_tftp"] is True  # I8: CallManager, TVS, CAPF; ITLRecovery: A8
    with pytest.raises(TypeError):
        regen.args["node"] = "pub"  # type: ignore[index]


def test_events_sort_by_time_keeping_file_order_for_ties(tmp_path):
    text = (BASE + event("ctl_update", at="1h") + event("node_down", at="10min", node="sub")
            + event("rebuild_publisher", at="1h") + event("node_up", at="10min", node="sub"))
    events = load(tmp_path, text).events
    assert [(e.action, e.index) for e in events] == [
        ("node_down", 1), ("node_up", 3), ("ctl_update", 0), ("rebuild_publisher", 2)]


def test_version_follows_upgrade_events(tmp_path):
    text = (BASE + event("set_phone_interaction", at="2h", enabled=True)
            + event("upgrade", at="1h", version="14"))
    scenario = load(tmp_path, text)
    assert scenario.events[1].action == "set_phone_interaction"
    assert scenario.warnings == ()  # 14 by then: CUCM accepts it


def test_operations_the_version_refuses_are_warnings_not_errors(tmp_path):
    """K8, A4, section 2: the engine's version rules (sim.cluster.versions) decide; the run
    simulates the refusal, so the file is valid and validate warns."""
    text = (BASE.replace('version = "12.5"', 'version = "9.1"')
            + event("set_phone_interaction", at="10min", enabled=True)
            + event("itl_reset", at="20min", mode="localkey")
            + event("regen_cert", at="30min", node="pub", cert="ITLRecovery")
            + event("regen_cert", at="40min", node="pub", cert="TVS")
            + event("upgrade", at="50min", version="10.5")
            + event("itl_reset", at="1h", mode="localkey"))
    scenario = load(tmp_path, text)
    where = f"{tmp_path / 's.toml'}"
    assert scenario.warnings == (  # each at its action line, right below its "at"
        f"{where}:{line(text, '10min') + 1} [events.0.action]: CUCM 9.1 refuses "
        f"set_phone_interaction at 10 min: the parameter exists from CUCM 14.0 on (A1b, K8); "
        f"the run simulates the refusal (nothing changes)",
        f"{where}:{line(text, '20min') + 1} [events.1.action]: CUCM 9.1 refuses itl_reset at "
        f"20 min: there is no ITLRecovery key before CUCM 10.0(1) (section 2); the run "
        f"simulates the refusal (nothing changes)",
        f"{where}:{line(text, '30min') + 1} [events.2.action]: CUCM 9.1 refuses regen_cert "
        f"at 30 min: there is no ITLRecovery key before CUCM 10.0(1) (section 2); the run "
        f"simulates the refusal (nothing changes)")


def test_simulation_start_sets_the_clock_of_working_days(tmp_path):
    """I18: without a start t = 0 is a Monday 00:00; with one, its weekday and time."""
    assert load(tmp_path, BASE).week_offset == 0.0
    friday = load(tmp_path, BASE.replace('duration = "2h"',
                                         'duration = "2h"\nstart = 2019-01-18T20:30:00'))
    assert friday.start == dt.datetime(2019, 1, 18, 20, 30)
    assert friday.week_offset == 4 * 86400 + 20.5 * 3600
    again = scenario_from_dict(resolved_dict(friday))  # a sweep's JSON round trip
    assert again.start == friday.start and scenario_hash(again) == scenario_hash(friday)
    err = fails(tmp_path, BASE.replace('duration = "2h"', 'duration = "2h"\nstart = "Friday"'))
    assert (err.key, err.reason) == ("simulation.start", "'Friday' is not a date-time; expected "
                                                         "e.g. 2025-03-07T20:00:00 (TOML, no "
                                                         "quotes)")


EVENT_ERRORS = [
    (event("regen_cret"), "regen_cret", "events.0.action",
     "'regen_cret' is not valid; did you mean 'regen_cert'? (expected one of "
     + ", ".join(repr(a) for a in ACTIONS) + ")"),
    (event("regen_cert", nod="pub", cert="TVS"), "nod =", "events.0.nod",
     "unknown key 'nod'; did you mean 'node'? (valid keys: at, action, note, skip, cluster, "
     "node, cert, restart_tftp)"),
    (event("regen_cert", node="pbu", cert="TVS"), "pbu", "events.0.node",
     "no node called 'pbu'; did you mean 'pub'? (valid: pub, sub)"),
    (event("regen_cert", node="pub", cert="CallManger"), "CallManger", "events.0.cert",
     "'CallManger' is not valid; did you mean 'CallManager'? (expected one of 'CallManager', "
     "'TVS', 'CAPF', 'ITLRecovery')"),
    (event("stop_service", node="pub", service="CAPF"), 'service = "CAPF"', "events.0.service",
     "'CAPF' is not valid (expected one of 'CallManager', 'TFTP', 'TVS')"),
    (event("restart_service", node="al", service="TFTP"), '"al"', "events.0.node",
     "no node called 'al'; did you mean 'all'? (valid: pub, sub, all)"),
    (event("partition", population="ofice"), "ofice", "events.0.population",
     "no population called 'ofice'; did you mean 'office'? (valid: office, all)"),
    (event("sftp_down", host="bakup"), "bakup", "events.0.host",
     "SFTP host 'bakup' is not declared in [[sftp]] (declared hosts: backup)"),
    (event("ctl_update", at="3h"), "3h", "events.0.at",
     "at 3 h is after the end of the simulation (simulation.duration = 2 h)"),
    (event("ctl_update", at="5 mins"), "5 mins", "events.0.at", f"'5 mins' {DOES_NOT_PARSE}"),
    (event("reset_phones", batch_size=-1), "batch_size", "events.0.batch_size",
     "must be >= 0, got -1"),
    (event("itl_reset", mode="remotekey"), "remotekey", "events.0.mode",
     "mode = 'remotekey' needs sftp_host, the [[sftp]] host holding ITLRecovery.p12 (A5)"),
    (event("itl_reset", mode="localkey", sftp_path="/x.p12"), "sftp_path", "events.0.sftp_path",
     "sftp_path is only used with mode = 'remotekey' (A5)"),
    (event("backup_itlrecovery"), "[[events]]", "events.0",
     "missing required key 'sftp_host' (a string)"),
    (event("upgrade", version="16"), "16", "events.0.version",
     "version '16' is outside 8.x-15.x, the range itlsim models (trust-model 2)"),
    (event("change_ip", node="sub", new_ip="1.2.3"), "1.2.3", "events.0.new_ip",
     "'1.2.3' is not an IPv4 address (e.g. '10.0.0.11')"),
    (event("change_ip", node="sub", new_ip=""), "new_ip", "events.0.new_ip", "must not be empty"),
    ("\n[[events]]\naction = \"ctl_update\"\n", "[[events]]", "events.0",
     "missing required key 'at' (a duration: a number of seconds or e.g. '90s', '5min', '2h', "
     "'3d')"),
]


@pytest.mark.parametrize(("events", "needle", "key", "reason"), EVENT_ERRORS,
                         ids=[case[3][:40] for case in EVENT_ERRORS])
def test_event_errors_name_line_key_and_alternatives(tmp_path, events, needle, key, reason):
    text = BASE + SFTP + events
    err = fails(tmp_path, text)
    assert str(err) == f"{tmp_path / 's.toml'}:{line(text, needle)} [{key}]: {reason}"


def test_undeclared_sftp_host_when_none_is_declared(tmp_path):
    err = fails(tmp_path, BASE + event("backup_itlrecovery", sftp_host="backup"))
    assert err.reason == "SFTP host 'backup' is not declared in [[sftp]] (declared hosts: none)"


# -- overrides ----------------------------------------------------------------------------------


def test_overrides_are_read_as_toml_values(tmp_path):
    s = load(tmp_path, BASE + event("ctl_update"), overrides=[
        "simulation.seed=3", "phones.0.count=500", "events.0.at=10min",
        "recovery.technicians=4", 'simulation.name="renamed"', "simulation.description=plain",
        'phones.0.tftp=["pub"]', "phones.0.web_access=true"])
    assert (s.seed, s.populations[0].count, s.events[0].at, s.recovery.technicians) == \
        (3, 500, 600.0, 4)
    assert (s.name, s.description, s.populations[0].web_access) == ("renamed", "plain", True)


def test_seed_argument_wins(tmp_path):
    assert load(tmp_path, BASE, seed=9, overrides=["simulation.seed=3"]).seed == 9


@pytest.mark.parametrize(("override", "message"), [
    ("phones.0.cont=5", "--set phones.0.cont=5 [phones.0.cont]: unknown key 'cont'; did you mean "
     "'count'? (valid keys: name, count, cluster, model, firmware, itl_support, tftp, cm_group, "
     "initial_itl, initial_itl_from, initial_ctl, settings_access, web_access, availability)"),
    ("simulation.duration=5 mins",
     f"--set simulation.duration=5 mins [simulation.duration]: '5 mins' {DOES_NOT_PARSE}"),
    ("phones.0.availability={ offline_share = 2 }", "--set phones.0.availability={ "
     "offline_share = 2 } [phones.0.availability.offline_share]: a share is between 0 and 1, "
     "got 2"),
    ("simulation.seed", "--set simulation.seed: expected dotted.key=value, e.g. "
     "simulation.seed=3"),
    ("phones.3.count=1", "--set phones.3.count=1: phones has 1 entry, so there is no phones.3"),
    ("phones.count=1", "--set phones.count=1: phones is an array; index it with a number, e.g. "
     "phones.0.count"),
    ("sftp.0.host=x", "--set sftp.0.host=x: there is no sftp, so there is no sftp.0"),
    ("simulation.0=x", "--set simulation.0=x: simulation is a table, not an array: use a key "
     "name, not 0"),
    ("simulation.duration.unit=s", "--set simulation.duration.unit=s: simulation.duration is "
     "'2h', not a table or an array"),
])
def test_bad_overrides_are_named(tmp_path, override, message):
    assert str(fails(tmp_path, BASE, overrides=[override])) == message


def test_bad_seed_argument_is_named(tmp_path):
    assert str(fails(tmp_path, BASE, seed=-1)) == \
        "--seed -1 [simulation.seed]: must be >= 0, got -1"


def test_scenario_from_dict_with_overrides_leaves_the_input_alone():
    data = tomllib.loads(BASE)
    before = json.dumps(data, sort_keys=True)
    s = scenario_from_dict(data, path="sweep/3", overrides=["phones.0.count=7"])
    assert (s.populations[0].count, s.path, s.name) == (7, "sweep/3", "3")
    assert json.dumps(data, sort_keys=True) == before


def test_scenario_from_dict_errors_have_no_line():
    data = tomllib.loads(BASE.replace("count = 10", "count = 0"))
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data)
    assert str(info.value) == "<dict> [phones.0.count]: must be >= 1, got 0"


# -- identity -----------------------------------------------------------------------------------


def test_resolved_dict_is_json_and_reads_back():
    s = load_scenario(DATA / "full.toml")
    plain = json.loads(json.dumps(resolved_dict(s)))
    assert plain["simulation"]["duration"] == 3 * 86400.0
    assert plain["events"][3] == {"at": 86400.0, "action": "itl_reset", "mode": "remotekey",
                                  "node": "pub", "sftp_host": "backup.example.lab",
                                  "sftp_user": "cucm", "sftp_path": "/ITLRecovery.p12",
                                  "sftp_password": "secret", "note": ""}
    # JSON has no date-time: the cluster's issued comes back as a string (see report)
    plain["cluster"]["issued"] = dt.datetime.fromisoformat(plain["cluster"]["issued"])
    again = scenario_from_dict(plain)
    assert resolved_dict(again) == resolved_dict(s)
    assert scenario_hash(again) == scenario_hash(s)


def test_hash_ignores_layout_and_path_but_not_content(tmp_path):
    original = load_scenario(DATA / "minimal.toml")
    copy = tmp_path / "minimal.toml"
    shutil.copy(DATA / "minimal.toml", copy)
    text = copy.read_text()
    copy.write_text("# a comment\n" + text.replace('duration = "1h"', "duration = 3600"))
    assert scenario_hash(load_scenario(copy)) == scenario_hash(original)
    assert scenario_hash(load_scenario(copy, seed=2)) != scenario_hash(original)
    assert scenario_hash(dataclasses.replace(original, seed=2)) != scenario_hash(original)
    assert len(scenario_hash(original)) == 64


# -- key lines (property) -----------------------------------------------------------------------

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
TABLE = st.dictionaries(NAMES, st.integers(-5, 5), max_size=4)


@given(tables=st.dictionaries(NAMES, TABLE, max_size=4),
       arrays=st.dictionaries(NAMES, st.lists(TABLE, min_size=1, max_size=3), max_size=3),
       blank=st.booleans())
def test_key_lines_finds_every_key(tables, arrays, blank):
    rows: list[str] = []
    expected: dict[tuple, int] = {}

    def emit(header: str, path: tuple, body: dict) -> None:
        rows.extend(["# comment", ""] if blank else [])
        rows.append(header)
        expected[path] = len(rows)
        for key, value in body.items():
            rows.append(f"{key} = {value}")
            expected[path + (key,)] = len(rows)

    for name, body in tables.items():
        emit(f"[t_{name}]", (f"t_{name}",), body)
    for name, entries in arrays.items():
        for i, body in enumerate(entries):
            emit(f"[[a_{name}]]", (f"a_{name}", i), body)
    text = "\n".join(rows) + "\n"
    tomllib.loads(text)  # the generated file is valid TOML
    assert _key_lines(text) == expected


# -- the schema documents itself ----------------------------------------------------------------


def _documented_values():
    """Every (name, Value) of the scenario schema (the cluster's is sim.scenario.clusterfile's),
    event arguments and distribution parameters."""
    def walk(table: Table, prefix: str):
        for key, spec in table.fields.items():
            if isinstance(spec, Value):
                yield f"{prefix}{key}", spec
            elif spec is not CLUSTER_SCHEMA:
                inner = spec.item if isinstance(spec, ArrayOf) else spec
                yield from walk(inner, f"{prefix}{key}.")
    yield from walk(SCENARIO_SCHEMA, "")
    yield from walk(Table(EVENT_KEYS), "events.")
    for name, action in ACTIONS.items():
        yield from walk(Table(dict(action.args)), f"events.{name}.")
    for kind, cls in KINDS.items():
        yield from walk(Table(cls.params), f"dist.{kind}.")


@pytest.mark.parametrize(("name", "spec"), list(_documented_values()),
                         ids=[name for name, _ in _documented_values()])
def test_every_key_documents_its_default_or_that_it_is_required(name, spec):
    assert ("required" if spec.default is REQUIRED else "default") in spec.help


def test_every_action_has_help_and_a_simulator_handler():
    from sim.fleet.timeline import HANDLERS

    assert set(HANDLERS) == set(ACTIONS)
    assert all(action.help for action in ACTIONS.values())
