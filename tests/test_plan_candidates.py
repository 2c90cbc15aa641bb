"""Candidate generation (sim.plan.methods, steps, candidates, commands): every generated
procedure is a valid scenario that the engine carries out without refusing a step (A1's hold
timer, A4's publisher-only reset, the version rules of section 2), the references are what
their docstrings say, and each step reads as the CUCM command or page a person would use."""

from __future__ import annotations

from pathlib import Path

import pytest
from plan_helpers import RENAME, base_text, scaled_example, write_plan

from sim.cluster.operations import HOLD_SECONDS
from sim.fleet.run import simulate
from sim.plan.candidates import CISCO, NAIVE, Candidate, generate
from sim.plan.commands import ACTIONS_RENDERED, ITL_STATUS, instructions
from sim.plan.evaluate import Points
from sim.plan.spec import PlanSpec, load_plan
from sim.plan.steps import REGENERATING, Step, Timed, events
from sim.scenario.events import ACTIONS
from sim.scenario.scenario import Scenario, scenario_from_dict
from sim.sweep.spec import Point

RENEWAL = """[goal]
change = "regenerate CallManager, TVS and ITLRecovery"

[choices]
order = "all"
regen_gap = ["1min"]
keep_reset_itl = ["30min"]
"""


def scenario_of(spec: PlanSpec, candidate: Candidate) -> Scenario:
    raw = candidate.overrides(list(spec.base.data.get("events", [])))
    return scenario_from_dict(Points(spec).scenario_data(Point(0, "k", raw, {})),
                              path=spec.base.path)


@pytest.fixture(scope="module")
def renewal(tmp_path_factory: pytest.TempPathFactory) -> PlanSpec:
    folder = tmp_path_factory.mktemp("renewal")
    return load_plan(write_plan(folder, RENEWAL, base_text("12.5(1)", subscribers=2,
                                                          phones=6)))


def test_renewal_candidates_cover_every_order_node_order_and_method(renewal: PlanSpec) -> None:
    generated = generate(renewal)
    made = [c for c in generated.candidates if not c.role]
    assert len(made) == 6 * 2 * 2  # orders x publisher first/last x a8/restart
    assert {c.choices["order"] for c in made} == {
        ("CallManager", "TVS", "ITLRecovery"), ("CallManager", "ITLRecovery", "TVS"),
        ("TVS", "CallManager", "ITLRecovery"), ("TVS", "ITLRecovery", "CallManager"),
        ("ITLRecovery", "CallManager", "TVS"), ("ITLRecovery", "TVS", "CallManager")}
    assert {c.role for c in generated.candidates if c.role} == {NAIVE, CISCO}


def test_the_scheduler_keeps_the_hold_timer_on_every_node_a1(renewal: PlanSpec) -> None:
    """regen_gap = 1 min is under CUCM's 5-minute hold timer: the scheduler waits it out."""
    for candidate in generate(renewal).candidates:
        last: dict[str, float] = {}
        for timed in candidate.timed:
            node = timed.step.args.get("node")
            if timed.step.action in REGENERATING:
                assert timed.at - last.get(node, -HOLD_SECONDS) >= HOLD_SECONDS
                last[node] = timed.at


def test_every_candidate_is_carried_out_by_the_engine_without_a_refusal(renewal: PlanSpec
                                                                        ) -> None:
    """Every generated renewal on a tiny fleet: valid scenario, no version warning, and the
    simulation refuses no step (hold timer A1, ITLRecovery on the publisher T8, A4)."""
    for candidate in generate(renewal).candidates:
        scenario = scenario_of(renewal, candidate)
        assert scenario.warnings == ()
        summary = simulate(scenario).summary
        assert summary["operations"]["refused"] == 0, candidate.label
        assert summary["change_start_s"] is not None


def test_without_the_scheduler_the_hold_timer_refuses_the_second_regeneration(
        renewal: PlanSpec) -> None:
    """The control for the test above: the same two steps one minute apart are refused."""
    steps = [Step("regen_cert", {"node": "pub", "cert": "CallManager"}),
             Step("regen_cert", {"node": "pub", "cert": "TVS"})]
    candidate = generate(renewal).candidates[0]
    naive_timing = (Timed(600.0, steps[0], 0.0), Timed(660.0, steps[1], 0.0))
    unscheduled = Candidate("x", "manual", "", {}, naive_timing, 600.0)
    summary = simulate(scenario_of(renewal, unscheduled)).summary
    assert summary["operations"]["refused"] == 1
    assert candidate.timed != naive_timing


def test_rename_candidates_on_10_5(tmp_path: Path) -> None:
    spec = load_plan(write_plan(tmp_path, RENAME))
    generated = generate(spec)
    labels = [c.label for c in generated.candidates]
    assert labels == ["localkey, keep_reset_itl 30min", "localkey, keep_reset_itl 14h",
                      "rollback", "naive procedure",
                      "Cisco's default guidance (= localkey)"]
    localkey = generated.candidates[0]
    assert [t.step.action for t in localkey.timed] == [
        "backup_itlrecovery", "change_hostname", "itl_reset", "reset_phones",
        "restart_service", "reset_phones"]
    assert [t.at for t in localkey.timed] == [600.0, 900.0, 1020.0, 1140.0, 2940.0, 3060.0]
    for candidate in generated.candidates:
        assert all(e["action"] in ACTIONS for e in events(candidate.timed))
        assert scenario_of(spec, candidate).warnings == ()


def test_version_rules_choose_the_methods_section_2_a9(tmp_path: Path) -> None:
    """9.1 has no ITLRecovery key: no localkey (A4); before 10.5 the rollback parameter does
    not reset the phones, so the procedure resets them (A9)."""
    spec = load_plan(write_plan(tmp_path, '[goal]\nchange = "rename pub to x"\n',
                                base_text("9.1(2)", sftp=False)))
    assert [m.name for m in spec.methods] == ["rollback", "rename-only"]
    rollback = next(c for c in generate(spec).candidates if c.method == "rollback")
    assert [t.step.action for t in rollback.timed] == [
        "set_rollback", "reset_phones", "change_hostname", "set_rollback", "reset_phones"]
    spec = load_plan(write_plan(tmp_path, RENAME))
    rollback = next(c for c in generate(spec).candidates if c.method == "rollback")
    assert "reset_phones" not in [t.step.action for t in rollback.timed]


@pytest.mark.parametrize(("version", "method"), [("10.5(2)", "localkey"),
                                                 ("12.5(1)", "rename-only")])
def test_cisco_guidance_for_a_rename_follows_the_version(tmp_path: Path, version: str,
                                                         method: str) -> None:
    """10.x: the ITL is signed by the renamed CallManager, so the documented recovery (A4,
    A6); 12.0+: it is signed by ITLRecovery, which the rename keeps (T6), so the rename alone."""
    spec = load_plan(write_plan(tmp_path, '[goal]\nchange = "rename pub to x"\n',
                                base_text(version)))
    cisco = next(c for c in generate(spec).candidates if c.role == CISCO)
    assert cisco.method == method


def test_cisco_renewal_order_puts_callmanager_last_and_itlrecovery_by_a8(renewal: PlanSpec
                                                                        ) -> None:
    cisco = next(c for c in generate(renewal).candidates if c.role == CISCO)
    regens = [t.step.args["cert"] for t in cisco.timed if t.step.action == "regen_cert"]
    assert regens[0] == "ITLRecovery" and regens[-1] == "CallManager"
    assert "itl_reset" in [t.step.action for t in cisco.timed]


def test_the_naive_renewal_regenerates_everything_then_restarts_tftp(renewal: PlanSpec) -> None:
    """TN 225746's "at the same time": nothing restarted between the regenerations."""
    naive = next(c for c in generate(renewal).candidates if c.role == NAIVE)
    regens = [t for t in naive.timed if t.step.action == "regen_cert"]
    assert len(regens) == 7 and all(t.step.args["restart_tftp"] is False for t in regens)
    assert [t.step.action for t in naive.timed[-2:]] == ["restart_service", "reset_phones"]


def test_the_window_leaves_out_longer_procedures(tmp_path: Path) -> None:
    spec = load_plan(write_plan(tmp_path, RENAME + '\n[constraints]\nwindow = "2h"\n'))
    generated = generate(spec)
    assert [c.label for c in generated.dropped["window"]] == ["localkey, keep_reset_itl 14h"]


def test_every_step_a_method_can_make_reads_as_commands() -> None:
    used = {"backup_itlrecovery", "change_hostname", "itl_reset", "reset_phones",
            "restart_service", "regen_cert", "set_rollback", "add_device_records",
            "bulk_cert_export", "bulk_cert_consolidate", "bulk_cert_import", "move_phones"}
    assert used <= ACTIONS_RENDERED


def test_instructions_of_the_localkey_rename(tmp_path: Path) -> None:
    spec = load_plan(write_plan(tmp_path, RENAME))
    localkey = generate(spec).candidates[0]
    steps = instructions(localkey.timed, spec.base, spec.base.scenario.start)
    backup, rename, reset_itl, reset, restart, _ = steps
    assert backup.cli[0] == "file get tftp ITLRecovery.p12" and backup.clock == \
        "Tue 2024-03-05 20:00"
    assert ITL_STATUS in rename.checks
    assert "ITLRecovery.p12 is on sftp1 (the RTMT backup alert has stopped, A7)" in rename.checks
    assert rename.cli[0] == "set network hostname" and rename.wait == \
        "5 min after the previous step"
    assert reset_itl.cli == ("utils itl reset localkey",)
    assert reset_itl.where.startswith("CLI of pub-new (publisher)")  # renamed by then
    assert "Enterprise Parameters > Reset" in reset.gui[0]
    assert "they now hold the reset ITL (A6)" in restart.checks[0]


def test_a_start_moves_the_procedure_on_the_bases_clock_not_the_base_i65(tmp_path: Path
                                                                         ) -> None:
    """The base (Tuesday 19:50, 10 % of the phones off until Wednesday 06:50-08:50) stays as it
    is; a start on Wednesday at 10:00 puts the first step 14 h 10 min after its t = 0, when every
    phone is back: with 30 minutes of the reset ITL 99 % of the locked phones work again within
    minutes, while on Tuesday at 20:00 the phones that were off come back to the new ITL, lock
    (P2) and wait for the technician's working hours."""
    plan = RENAME.replace('keep_reset_itl = ["30min", "14h"]', 'keep_reset_itl = ["30min"]'
                          ).replace('"localkey", "rollback"', '"localkey"').replace(
        'rollback_keep = ["30min"]\n', '')
    spec = load_plan(write_plan(tmp_path, plan + "start = [2024-03-06T10:00:00, "
                                                 "2024-03-05T20:00:00]\n"))
    wednesday, tuesday = generate(spec).candidates[:2]
    assert (wednesday.begin, tuesday.begin) == (14 * 3600 + 600, 600)
    for candidate in (wednesday, tuesday):
        assert scenario_of(spec, candidate).start == spec.base.scenario.start
        assert scenario_of(spec, candidate).populations == spec.base.scenario.populations
    first = instructions(wednesday.timed, spec.base, spec.base.scenario.start)
    assert first[0].clock == "Wed 2024-03-06 10:00"
    assert wednesday.label.endswith("start Wed 2024-03-06 10:00")
    assert events(wednesday.timed)[0]["at"] == 14 * 3600 + 600
    wed, tue = (simulate(scenario_of(spec, c)).summary for c in (wednesday, tuesday))
    assert wed["time_to_99pct_locked_recovered_s"] < 600  # every phone on takes the reset ITL
    assert tue["time_to_99pct_locked_recovered_s"] > 11 * 3600  # the returning ones wait
    assert wed["manual_visits"] < tue["manual_visits"]
    default = generate(load_plan(write_plan(tmp_path, RENAME))).candidates[0]
    assert default.begin == spec.begin == 600


def test_every_migration_candidate_is_carried_out_without_a_refusal(tmp_path: Path) -> None:
    """The migration example's base on 60 phones, every method (TN 215539's export,
    consolidate and import on both publishers; TN 213407's rollback on the source; the move
    alone), batches and the references: valid scenarios without a version warning, no step
    refused, the phones moved (A13, A15, A9)."""
    plan = scaled_example("migration-old-to-new.toml", tmp_path, divisor=10)
    spec = load_plan(plan)
    generated = generate(spec)
    assert {c.method for c in generated.candidates} == {"bulk", "rollback", "by-hand"}
    for candidate in generated.candidates:
        scenario = scenario_of(spec, candidate)
        assert scenario.warnings == (), candidate.label
        summary = simulate(scenario).summary
        assert summary["operations"]["refused"] == 0, candidate.label
        assert summary["change_start_s"] is not None, candidate.label
        assert summary["clusters"]["new"]["phones"] == 60, candidate.label
