"""Plan files (sim.plan.spec, sim.plan.goals): a valid plan loads with its defaults; every
invalid plan is one line naming the file, the line, the key and what would be valid: a goal the
cluster's version cannot do, a method it cannot use, an empty choice set, a choice no chosen
method uses, constraints that contradict the goal or each other."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from plan_helpers import RENAME, base_text, write_plan

from sim.cli import main
from sim.errors import ConfigError
from sim.fleet.run import DEFAULT_ENGINE, ENGINES
from sim.plan.candidates import generate
from sim.plan.goals import Regenerate, Rename
from sim.plan.spec import load_plan


def error_of(tmp_path: Path, plan: str, base: str | None = None) -> str:
    path = write_plan(tmp_path, plan, base)
    with pytest.raises(ConfigError) as caught:
        generate(load_plan(path))
    text = str(caught.value)
    assert "\n" not in text and "Traceback" not in text
    return text


def test_a_valid_plan_loads_with_its_defaults(tmp_path: Path) -> None:
    spec = load_plan(write_plan(tmp_path, RENAME + '\n# Question: a question\n'))
    assert spec.goal == Rename("pub", "pub-new")
    assert [m.name for m in spec.methods] == ["localkey", "rollback"]
    assert spec.values("keep_reset_itl") == (1800.0, 50400.0)
    assert spec.values("batch_size") == (0,) and spec.values("technicians") == (1,)
    assert spec.values("backup_itlrecovery") == (True,)  # the base declares an [[sftp]]
    assert spec.schedule.first == 2 and spec.schedule.most == 4
    assert spec.objective.metrics[0] == "locked_final"
    assert spec.question == ""  # no comment at the top


def test_the_engine_comes_from_the_command_line_then_the_file_then_the_default(
        tmp_path: Path) -> None:
    """``[plan] engine`` is the fleet engine of every run, ``--engine`` (``load_plan(engine=)``)
    wins over it, and without either it is ``DEFAULT_ENGINE``."""
    assert load_plan(write_plan(tmp_path, RENAME)).engine == DEFAULT_ENGINE
    for engine in ENGINES:
        path = write_plan(tmp_path, f'[plan]\nbase = "base.toml"\nengine = "{engine}"\n'
                                    + RENAME)
        assert load_plan(path).engine == engine
        other = next(e for e in ENGINES if e != engine)
        assert load_plan(path, engine=other).engine == other


def test_the_question_is_the_first_paragraph_of_the_header(tmp_path: Path) -> None:
    header = ("# Question: rename the publisher\n# on Tuesday evening?\n#\n# Answer (measured "
              "when written): localkey.\n")
    path = write_plan(tmp_path, RENAME)
    path.write_text(header + path.read_text())
    assert load_plan(path).question == "Question: rename the publisher\non Tuesday evening?"


def test_goals_as_sentences_and_tables(tmp_path: Path) -> None:
    base = base_text("12.5(1)", subscribers=2)
    spec = load_plan(write_plan(tmp_path, '[goal]\nchange = "renew CallManager and '
                                          'ITLRecovery on sub1, pub"\n', base))
    assert spec.goal == Regenerate(("CallManager", "ITLRecovery"),
                                   {"CallManager": ("sub1", "pub"), "ITLRecovery": ("pub",)})
    spec = load_plan(write_plan(tmp_path, '[goal]\nregenerate = ["TVS", "CAPF"]\n', base))
    assert spec.goal == Regenerate(("TVS", "CAPF"), {"TVS": ("pub", "sub1", "sub2"),
                                                     "CAPF": ("pub",)})
    spec = load_plan(write_plan(tmp_path, '[goal]\nrename = { node = "sub2", '
                                          'new_name = "cucm-b" }\n', base))
    assert spec.goal == Rename("sub2", "cucm-b")


@pytest.mark.parametrize(("plan", "expected"), [
    ('[goal]\nchange = "regenerate ITLRecovery"\n',
     ":4 [goal.change]: CUCM 9.1 has no ITLRecovery certificate (it exists from 10.0(1), "
     "section 2)"),
    ('[goal]\nchange = "rename publisher to x"\n[choices]\nmethods = ["localkey"]\n',
     ":6 [choices.methods.0]: method 'localkey' cannot be used here: utils itl reset needs "
     "CUCM 10.0 or later (A4, section 2)"),
], ids=["itlrecovery-on-9x", "localkey-on-9x"])
def test_a_goal_or_method_the_version_cannot_do(tmp_path: Path, plan: str, expected: str
                                                ) -> None:
    assert expected in error_of(tmp_path, plan, base_text("9.1(2)", sftp=False))


def test_itlrecovery_of_a_subscriber_from_12_5_is_refused_t8(tmp_path: Path) -> None:
    text = error_of(tmp_path, '[goal]\nchange = "regenerate ITLRecovery on sub1"\n',
                    base_text("12.5(1)", subscribers=1))
    assert "[goal.change]: ITLRecovery is regenerated on the publisher pub" in text
    assert "from 12.5 the cluster has one ITLRecovery certificate" in text


@pytest.mark.parametrize(("plan", "expected"), [
    ('[goal]\nchange = "rename pubb to x"\n',
     ":4 [goal.change]: no node 'pubb' in the base scenario; did you mean 'pub'?"),
    ('[goal]\nchange = "rename publisher to sub1"\n',
     "[goal.change]: host name 'sub1' is already in use"),
    ('[goal]\nchange = "make it work"\n', "[goal.change]: cannot read 'make it work' as a "
                                          "change; write e.g."),
    ('[goal]\nchange = "regenerate CallManger"\n',
     "unknown certificate 'CallManger'; did you mean 'CallManager'?"),
    ('[goal]\nchange = "rename pub to x"\nregenerate = ["TVS"]\n',
     "[goal]: give exactly one of change, rename, regenerate, migrate (got change, regenerate)"),
    ('[goal]\nchange = "migrate all from a to b"\n',
     "[goal.change]: a migration needs a base scenario with two or more [[clusters]]"),
], ids=["unknown-node", "name-in-use", "unreadable", "typo-cert", "two-goals", "migrate-1"])
def test_goal_errors(tmp_path: Path, plan: str, expected: str) -> None:
    assert expected in error_of(tmp_path, plan, base_text(subscribers=1))


@pytest.mark.parametrize(("choices", "expected"), [
    ("keep_reset_itl = []", ":6 [choices.keep_reset_itl]: an empty choice set: give at least "
                            "one value"),
    ("bach_size = [0]", ":6 [choices.bach_size]: unknown key 'bach_size'; did you mean "
                        "'batch_size'?"),
    ('methods = ["lokalkey"]', "[choices.methods.0]: no method 'lokalkey' for a rename goal; "
                               "did you mean 'localkey'?"),
    ('methods = ["localkey"]\nrollback_keep = ["1h"]',
     "[choices.rollback_keep]: rollback_keep is not a choice of the chosen methods (localkey); "
     "it is used by rollback"),
    ('regen_gap = ["5min"]', "[choices.regen_gap]: regen_gap is not a choice of the goal's "
                             "methods"),
    ('keep_reset_itl = ["30min", "30 minutes"]',
     "[choices.keep_reset_itl.1]: '30 minutes' is not a duration"),
    ('keep_reset_itl = ["30min", "1800s"]', "[choices.keep_reset_itl.1]: 1800.0 appears twice"),
    ("batch_size = [-5]", "[choices.batch_size.0]: expected a whole number >= 0, got -5"),
], ids=["empty", "typo", "method-typo", "unused", "other-goal", "not-duration", "repeat",
        "negative"])
def test_choice_errors(tmp_path: Path, choices: str, expected: str) -> None:
    plan = f'[goal]\nchange = "rename publisher to x"\n[choices]\n{choices}\n'
    assert expected in error_of(tmp_path, plan)


@pytest.mark.parametrize(("start", "base", "expected"), [
    ("2024-03-05T19:00:00", base_text(), "[choices.start.0]: start 2024-03-05T19:00:00 is "
     "outside the base scenario (2024-03-05T19:50:00 to 2024-03-06T19:50:00, its [simulation] "
     "start and duration)"),
    ("2024-03-06T19:50:00", base_text(), "outside the base scenario"),
    ("2024-03-05T20:00:00Z", base_text(), "[choices.start.0]: give start as a local date-time "
     "like the base's [simulation] start (2024-03-05T19:50:00)"),
    ("2024-03-05T20:00:00", base_text().replace("start = 2024-03-05T19:50:00\n", ""),
     "[choices.start.0]: a start needs [simulation] start in the base scenario"),
], ids=["before", "at-the-end", "offset", "no-base-clock"])
def test_a_start_is_a_clock_time_within_the_base_i65(tmp_path: Path, start: str, base: str,
                                                     expected: str) -> None:
    plan = f'[goal]\nchange = "rename pub to x"\n[choices]\nstart = [{start}]\n'
    assert expected in error_of(tmp_path, plan, base)


def test_backup_needs_an_sftp_server_a7(tmp_path: Path) -> None:
    text = error_of(tmp_path, '[goal]\nchange = "rename pub to x"\n[choices]\n'
                              'backup_itlrecovery = [true]\n', base_text(sftp=False))
    assert "[choices.backup_itlrecovery]: backing up ITLRecovery.p12 needs an [[sftp]]" in text


# the shortest localkey procedure: backup, 5 min, rename, 10 min, reset ITL, 2 min, reset,
# 30 min, restart TFTP, 2 min, reset: 49 min
@pytest.mark.parametrize(("constraints", "expected"), [
    ('window = "20min"', "[constraints.window]: no procedure fits the 20 min window: the "
                         "shortest of the 2 that would run takes 49 min"),
    ("max_phones_down = 10", "[constraints.max_phones_down]: every procedure resets more than "
                             "10 phones at once (the fewest is 40); add smaller batch_size"),
], ids=["window", "max-down"])
def test_contradictory_constraints(tmp_path: Path, constraints: str, expected: str) -> None:
    plan = ('[goal]\nchange = "rename pub to x"\n[choices]\nmethods = ["localkey"]\n'
            f'keep_reset_itl = ["30min", "2h"]\n[constraints]\n{constraints}\n')
    assert expected in error_of(tmp_path, plan)


def test_a_procedure_longer_than_the_base_scenario_is_refused(tmp_path: Path) -> None:
    text = error_of(tmp_path, '[goal]\nchange = "rename pub to x"\n[choices]\n'
                              'methods = ["localkey"]\nkeep_reset_itl = ["2d"]\n')
    assert "[plan.base]: no procedure ends within the base scenario's duration (1 d)" in text


@pytest.mark.parametrize(("plan", "expected"), [
    ('[plan]\nbase = "base.toml"\nreplications = 3\nfirst_replications = 4\n[goal]\n'
     'change = "rename pub to x"\n', ":4 [plan.first_replications]: first_replications 4 is "
                                     "more than replications 3"),
    ('[plan]\nbase = "nowhere.toml"\n[goal]\nchange = "rename pub to x"\n',
     "[plan.base]: base scenario"),
    ('[plan]\nbase = "base.toml"\n[goal]\nchange = "rename pub to x"\n[objective]\n'
     'metrics = ["locked_finale"]\n', "[objective.metrics]: unknown metric 'locked_finale'; did "
                                      "you mean 'locked_final'?"),
    ('[plan]\nbase = "base.toml"\n[goal]\nchange = "rename pub to x"\n[objective]\n'
     'metrics = ["locked_final"]\ntolerances = { ever_locked = 2.0 }\n',
     "[objective.tolerances.ever_locked]: 'ever_locked' is not one of the objective's metrics"),
    ('[plan]\nbase = "base.toml"\nengine = "cohrot"\n[goal]\nchange = "rename pub to x"\n',
     ":3 [plan.engine]: 'cohrot' is not valid; did you mean 'cohort'? (expected one of "
     "'agents', 'cohort')"),
], ids=["replications", "no-base", "metric-typo", "tolerance-not-in-objective", "engine"])
def test_plan_section_errors(tmp_path: Path, plan: str, expected: str) -> None:
    assert expected in error_of(tmp_path, plan)


def test_a_base_that_already_carries_out_the_change_is_refused(tmp_path: Path) -> None:
    event = '\n[[events]]\nat = "1h"\naction = "change_hostname"\nnode = "pub"\nnew_name = "y"\n'
    text = error_of(tmp_path, '[goal]\nchange = "rename pub to x"\n', base_text(events=event))
    assert "[plan.base]: the base scenario already carries out change_hostname (events.0)" in text


def test_mixed_mode_bases_are_refused_for_now(tmp_path: Path) -> None:
    text = error_of(tmp_path, '[goal]\nchange = "rename pub to x"\n', base_text(mixed=True))
    assert "[goal]: the base cluster is in mixed mode" in text


def test_the_command_line_gives_one_line_and_exit_2(tmp_path: Path) -> None:
    path = write_plan(tmp_path, '[goal]\nchange = "rename pub to x"\n[choices]\n'
                                'keep_reset_itl = []\n')
    result = CliRunner().invoke(main, ["plan", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [f"itlsim: {path}:6 [choices.keep_reset_itl]: an empty choice set: give at "
                     f"least one value, or leave the key out for its default"]
    assert not (tmp_path / "out").exists()
