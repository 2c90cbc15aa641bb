"""The ``itlsim`` command line.

Every command is a small function registered on ``main`` that parses its options and calls a
job function. ``ItlsimGroup.invoke`` is the one place that turns what goes wrong into one line on
stderr and an exit code (README, "Exit codes"):

- 0 success; 1 a signature that does not verify (``SignatureError``); 2 bad input (every other
  ``ItlsimError``, and click's usage errors);
- 130 interrupted (Ctrl-C) after a clean stop: jobs write through staging folders and
  transactions, so nothing half-written is left; 143 the same after SIGTERM (``kill``, a job
  scheduler or service manager stopping itlsim), which ``on_sigterm`` turns into ``Terminated``;
- 70 (``EX_SOFTWARE`` of sysexits.h) an internal error: a bug, never a verdict about a file. The
  line names the file that holds the full traceback (``write_crash_report``).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import traceback
import zoneinfo
from pathlib import Path

import click

from sim import __version__
from sim.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    ItlsimError,
    Terminated,
)

# sim.output.eventlog.FORMATS (a test checks they agree); importing it here would load the
# whole simulator for every `itlsim --help`
EVENT_LOG_FORMATS = ("jsonl", "parquet", "none")
ENGINES = ("agents", "cohort")  # sim.fleet.run.ENGINES, the same way
DEFAULT_ENGINE = "cohort"  # sim.fleet.run.DEFAULT_ENGINE, the same way


def write_crash_report(error: BaseException, argv: list[str]) -> str:
    """Write the traceback of an internal error to ``$TMPDIR/itlsim-crash-*.txt``; its path.

    If even that fails (a full or read-only disk), the traceback goes to stderr instead."""
    text = (f"itlsim {__version__}, Python {sys.version.split()[0]}\n"
            f"command: {' '.join(argv)}\n\n"
            + "".join(traceback.format_exception(error)))
    try:
        handle, path = tempfile.mkstemp(prefix="itlsim-crash-", suffix=".txt")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError:
        sys.stderr.write(text)
        return "the output above"
    return path


def on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM stops a job as Ctrl-C does (the default would end the process on the spot and
    leave a staging folder for the next run to clean)."""
    raise Terminated


class ItlsimGroup(click.Group):
    """A click group that maps every failure to one stderr line and its exit code."""

    def invoke(self, ctx: click.Context) -> object:
        signal.signal(signal.SIGTERM, on_sigterm)
        try:
            return super().invoke(ctx)
        except ItlsimError as error:
            click.echo(f"itlsim: {error}", err=True)
            ctx.exit(error.exit_code)
        except Terminated:
            click.echo("itlsim: terminated (SIGTERM); stopped cleanly (no half-written result "
                       "is left)", err=True)
            ctx.exit(EXIT_TERMINATED)
        except KeyboardInterrupt:
            click.echo("itlsim: interrupted; stopped cleanly (no half-written result is left)",
                       err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # stdout closed early (``itlsim show-itl x | head``): say nothing more, like any
            # command killed by SIGPIPE; stdout goes to /dev/null so the final flush is quiet
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(EXIT_BROKEN_PIPE)
        except Exception as error:  # a bug: its own exit code and a traceback file
            report = write_crash_report(error, sys.argv)
            click.echo(f"itlsim: internal error ({type(error).__name__}: "
                       f"{' '.join(str(error).split())[:200]}); the full traceback is in "
                       f"{report}; please report it with that file", err=True)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=ItlsimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="itlsim")
def main() -> None:
    """Simulate Cisco IP phone fleets and CUCM ITL/CTL trust."""


def show_trust_list(path: str, *, as_json: bool, expected_kind: str, timezone: str) -> None:
    """Print ``path`` like CUCM ``show itl``/``show ctl`` (O1; ``sim.output.showjob``): a note
    on stderr, the text, then the signature failure for the group to exit 1 with."""
    from sim.output.showjob import show_trust_list as shown_file

    shown = shown_file(path, as_json=as_json, expected_kind=expected_kind, timezone=timezone)
    if shown.note:
        click.echo(shown.note, err=True)
    click.echo(shown.text)
    if shown.failure is not None:
        raise shown.failure


class Size(click.ParamType):
    """A byte size such as 8GB, 512MB or 2GiB (``sim.fleet.budget.parse_size``)."""

    name = "size"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        from sim.fleet.budget import parse_size

        try:
            return parse_size(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


_MAX_MEMORY = click.option("--max-memory", type=Size(), default=None, metavar="SIZE",
                           help="Refuse runs estimated to need more memory (e.g. 8GB; default "
                                "half the physical memory).")
_MAX_OUTPUT = click.option("--max-output", type=Size(), default=None, metavar="SIZE",
                           help="Refuse runs estimated to write more (e.g. 2GB; default the "
                                "free disk space).")
_EVENT_LOG = click.option("--event-log", type=click.Choice(EVENT_LOG_FORMATS), default="jsonl",
                          show_default=True, help="Event log as JSON lines, Parquet (a "
                                                  "fraction of the size), or none.")
_WORKERS = click.option("--workers", type=click.IntRange(min=1), default=None,
                        help="Local worker processes (default: every core).")
_SCHEDULER = click.option("--scheduler", metavar="ADDRESS", default=None,
                          help="Run on a Dask cluster instead, e.g. tcp://host:8786.")
_ENGINE_HELP = ("agents: a SimPy agent per phone boot (the reference); cohort: the phones of a "
                "reset boot together where that is exact (faster).")
_ENGINE = click.option("--engine", type=click.Choice(ENGINES), default=DEFAULT_ENGINE,
                       show_default=True, help=_ENGINE_HELP)


def _file_engine(table: str) -> str:
    """``--engine`` help of a command whose file may name the engine (``[table] engine``)."""
    return f"{_ENGINE_HELP} Overrides [{table}] engine; default: that key, else {DEFAULT_ENGINE}."


# not given is None, so the file's key wins over the default but not over the option
_SWEEP_ENGINE = click.option("--engine", type=click.Choice(ENGINES), default=None,
                             help=_file_engine("sweep"))
_PLAN_ENGINE = click.option("--engine", type=click.Choice(ENGINES), default=None,
                            help=_file_engine("plan"))
_JSON_OPTION = click.option("--json", "as_json", is_flag=True,
                            help="Print the parsed file as JSON instead of CUCM's layout.")


def _time_zone(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """An IANA time zone name, as the cluster's ``timezone`` key takes (O1a)."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{value!r} is not a time zone (expected an IANA name such as "
                                 f"'UTC', 'Europe/Brussels' or 'America/Los_Angeles')") from None
    return value


_TIMEZONE_OPTION = click.option("--timezone", default="UTC", show_default=True,
                                callback=_time_zone, metavar="ZONE",
                                help="Print times in this IANA time zone, as CUCM prints them in "
                                     "the cluster's (e.g. America/Los_Angeles).")


@main.command("show-itl")
@click.argument("path")
@_JSON_OPTION
@_TIMEZONE_OPTION
def show_itl(path: str, as_json: bool, timezone: str) -> None:
    """Parse, print and verify an ITL file (ITLFile.tlv) like CUCM's `show itl`."""
    show_trust_list(path, as_json=as_json, expected_kind="ITL", timezone=timezone)


@main.command("show-ctl")
@click.argument("path")
@_JSON_OPTION
@_TIMEZONE_OPTION
def show_ctl(path: str, as_json: bool, timezone: str) -> None:
    """Parse, print and verify a CTL file (CTLFile.tlv) like CUCM's `show ctl`."""
    show_trust_list(path, as_json=as_json, expected_kind="CTL", timezone=timezone)


@main.command("make-itl")
@click.argument("cluster_file", metavar="CLUSTER.toml")
@click.option("--node", required=True, help="The TFTP node whose ITLFile.tlv to write.")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Where to write the ITL file.")
@click.option("--seed", default=1, show_default=True, help="Seed of the simulated keys.")
@click.option("--reset", is_flag=True,
              help="Write the bulk-reset ITL (`utils itl reset localkey`, A4) instead.")
@click.option("--cluster", "cluster_name", default=None,
              help="The cluster, when the file has several ([[clusters]]).")
def make_itl(cluster_file: str, node: str, out: str, seed: int, reset: bool,
             cluster_name: str | None) -> None:
    """Write the ITL a TFTP node of the cluster in CLUSTER.toml serves (its [cluster] section,
    or the [[clusters]] entry --cluster names)."""
    from sim.output.itlfiles import write_node_itl

    written = write_node_itl(cluster_file, node, out, seed=seed, reset=reset,
                             cluster_name=cluster_name)
    click.echo(f"wrote {out} ({written.length} bytes, {len(written.records)} records, signed by "
               f"{written.signer})")


@main.command("validate")
@click.argument("file", metavar="FILE.toml")
@_EVENT_LOG
@_MAX_MEMORY
@_MAX_OUTPUT
def validate(file: str, event_log: str, max_memory: int | None, max_output: int | None) -> None:
    """Check a scenario, cluster or sweep file and estimate what running it needs. Events
    CUCM will refuse at the cluster's version are warnings (stderr)."""
    from sim.output.validation import validate_any

    checked = validate_any(file, event_log=event_log, max_memory=max_memory,
                           max_output=max_output)
    for warning in checked.warnings:
        click.echo(f"itlsim: warning: {warning}", err=True)
    click.echo(f"{file}: OK - {checked.line}")


@main.command("run")
@click.argument("scenario_file", metavar="SCENARIO.toml")
@click.option("--seed", type=int, default=None, help="Override [simulation] seed.")
@click.option("--out", default="results", show_default=True, type=click.Path(file_okay=False),
              help="Results folder; the run lands in OUT/<scenario>/<run id>/.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a scenario value, e.g. --set phones.0.count=500 (repeatable).")
@_EVENT_LOG
@_ENGINE
@_MAX_MEMORY
@_MAX_OUTPUT
@click.option("--json", "as_json", is_flag=True,
              help="Print the summary as JSON (summary.json) instead of the text summary.")
@click.option("--quiet", is_flag=True,
              help="No progress bar and no summary; only the line saying where results went.")
def run(scenario_file: str, seed: int | None, out: str, overrides: tuple[str, ...],
        event_log: str, engine: str, max_memory: int | None, max_output: int | None,
        as_json: bool, quiet: bool) -> None:
    """Simulate a scenario and write summary, time series, event log and recovery.png."""
    from sim.output.runfolder import text_summary
    from sim.output.runjob import run_scenario

    done = run_scenario(scenario_file, seed=seed, overrides=overrides, out=out,
                        progress=not quiet, event_log=event_log, max_memory=max_memory,
                        max_output=max_output, engine=engine)
    folder = done.published.path
    where = f"results: {folder}" + (" (an identical result was already there; kept it)"
                                     if done.published.identical else "")
    if as_json:
        click.echo(json.dumps(done.result.summary, indent=2, sort_keys=True))
        click.echo(f"itlsim: {where}", err=True)
    elif quiet:
        click.echo(where)
    else:
        click.echo(text_summary(done.result, None))
        click.echo(f"  {where}")


@main.command("import")
@click.option("--itl", multiple=True, metavar="FILE",
              help="ITLFile.tlv or pasted `show itl` text of a TFTP node (repeatable: one per "
                   "TFTP node).")
@click.option("--ctl", metavar="FILE", help="CTLFile.tlv or pasted `show ctl` text.")
@click.option("--phones", metavar="FILE",
              help="BAT 'Export Phones' CSV (All or Specific Details) or AXL listPhone JSON.")
@click.option("--device-pools", metavar="FILE",
              help="Device pool -> CM group and TFTP servers (TOML; needed with --phones).")
@click.option("--itl-status", metavar="FILE",
              help="CSV of the phones' reported ITL hashes / ITL File Status.")
@click.option("--plan", metavar="FILE",
              help="TOML with [simulation], [[events]], [recovery], ...: the change to simulate.")
@click.option("--version", "version", metavar="RELEASE",
              help="CUCM release, within the era the files show (default: one of that era).")
@click.option("--publisher", metavar="NODE",
              help="The publisher, where the files do not name it (8.x-9.x without a CTL).")
@click.option("--name", metavar="NAME", help="Cluster and scenario name (default: the first "
                                             "label of the domain).")
@click.option("--unknown-itl", type=click.Choice(["pre10", "current", "none"]), default="pre10",
              show_default=True,
              help="The ITL of phones that reported a hash no imported ITL has.")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder for scenario.toml, inventory.csv and certificates.toml.")
def import_(itl: tuple[str, ...], ctl: str | None, phones: str | None,
            device_pools: str | None, itl_status: str | None, plan: str | None,
            version: str | None, publisher: str | None, name: str | None, unknown_itl: str,
            out: str) -> None:
    """Build a scenario from a real cluster's ITL/CTL files and phone exports."""
    from sim.importer.clusterspec import ClusterOptions
    from sim.output.importjob import ImportRequest, import_scenario

    request = ImportRequest(out=out, itl=itl, ctl=ctl, phones=phones, device_pools=device_pools,
                            itl_status=itl_status, plan=plan, unknown_itl=unknown_itl,
                            options=ClusterOptions(name=name, version=version,
                                                   publisher=publisher))
    click.echo(import_scenario(request).describe())


@main.command("report")
@click.argument("target", metavar="RUN_SWEEP_OR_PLAN_DIR")
@click.option("--out", default=None, type=click.Path(dir_okay=False),
              help="The HTML file to write (default: report.html in the folder).")
def report(target: str, out: str | None) -> None:
    """Write one self-contained HTML report of a run, a sweep or a plan (no network needed)."""
    from sim.output.reportjob import write_report

    click.echo(f"wrote {write_report(target, out)}")


@main.command("sweep")
@click.argument("sweep_file", metavar="SWEEP.toml")
@click.option("--dry-run", is_flag=True, help="Print the points and what is stored; run nothing.")
@_WORKERS
@_SCHEDULER
@click.option("--replications", type=click.IntRange(min=1), default=None,
              help="Override [sweep] replications; raising it later adds runs.")
@click.option("--root-seed", type=click.IntRange(min=0), default=None,
              help="Override [sweep] root_seed.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Results folder (default results/sweeps/<sweep name>).")
@click.option("--allow-mixed", is_flag=True,
              help="Add runs to a store made by other code, another engine, root seed or "
                   "scenario.")
@click.option("--retry-failed", is_flag=True, help="Run the stored failed runs again.")
@_SWEEP_ENGINE
@_MAX_MEMORY
@_MAX_OUTPUT
@click.option("--quiet", is_flag=True, help="No progress bar.")
def sweep(sweep_file: str, dry_run: bool, workers: int | None, scheduler: str | None,
          replications: int | None, root_seed: int | None, out: str | None, allow_mixed: bool,
          retry_failed: bool, engine: str | None, max_memory: int | None,
          max_output: int | None, quiet: bool) -> None:
    """Run a parameter sweep with replications; resumes what an earlier run left undone."""
    from sim.sweep.executors import open_executor
    from sim.sweep.runner import Limits, default_out, dry_run_text, run_sweep
    from sim.sweep.spec import load_sweep

    if workers and scheduler:
        raise click.UsageError("--workers and --scheduler exclude each other")
    spec = load_sweep(sweep_file, replications=replications, root_seed=root_seed, engine=engine)
    folder = Path(out) if out else None
    if dry_run:
        click.echo(dry_run_text(spec, folder))
        return
    limits = Limits.given(folder or default_out(spec), max_memory=max_memory,
                          max_output=max_output, remote=scheduler is not None)
    with open_executor(workers, scheduler) as (executor, slots):
        report = run_sweep(spec, executor, slots=slots, out=folder, allow_mixed=allow_mixed,
                           retry_failed=retry_failed, progress=not quiet, limits=limits)
    click.echo(report.describe(spec))


@main.command("plan")
@click.argument("plan_file", metavar="PLAN.toml")
@_WORKERS
@_SCHEDULER
@click.option("--replications", type=click.IntRange(min=2), default=None,
              help="Override [plan] replications (the most runs per candidate).")
@click.option("--root-seed", type=click.IntRange(min=0), default=None,
              help="Override [plan] root_seed.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Results folder (default results/plans/<plan name>).")
@_PLAN_ENGINE
@_MAX_MEMORY
@_MAX_OUTPUT
@click.option("--quiet", is_flag=True, help="Print only where the recommendation went.")
def plan(plan_file: str, workers: int | None, scheduler: str | None, replications: int | None,
         root_seed: int | None, out: str | None, engine: str | None, max_memory: int | None,
         max_output: int | None, quiet: bool) -> None:
    """Search the procedures for a planned change and recommend the safest one."""
    from sim.output.planjob import plan_job

    if workers and scheduler:
        raise click.UsageError("--workers and --scheduler exclude each other")
    done = plan_job(plan_file, workers=workers, scheduler=scheduler, out=out,
                    replications=replications, root_seed=root_seed, engine=engine,
                    max_memory=max_memory, max_output=max_output,
                    say=(lambda text: None) if quiet else lambda text: click.echo(
                        f"itlsim: {text}", err=True))
    click.echo(done.describe(quiet=quiet))


@main.command("plot")
@click.argument("target", metavar="STORE_OR_SWEEP_DIR")
@click.option("--kind", type=click.Choice(["curves", "metric", "heatmap"]), default=None,
              help="One kind of plot (default: curves, plus metric and heatmap plots of the "
                   "sweep's metrics).")
@click.option("--metric", default=None, help="Summary metric, e.g. locked_final (default: the "
                                             "sweep file's metrics).")
@click.option("--x", "x", default=None, help="Parameter on the x axis (default: the first that "
                                             "varies).")
@click.option("--y", "y", default=None, help="Heatmap y axis (default: the next that varies).")
@click.option("--where", default=None, help="Only points where this holds, e.g. "
                                            "\"technicians == 2\" (times in seconds).")
@click.option("--format", "formats", type=click.Choice(["png", "svg"]), multiple=True,
              help="png and/or svg (repeatable; default both).")
@click.option("--out", default=None, help="Folder (default STORE_DIR/plots), or a .png/.svg "
                                          "file for one plot.")
def plot(target: str, kind: str | None, metric: str | None, x: str | None, y: str | None,
         where: str | None, formats: tuple[str, ...], out: str | None) -> None:
    """Plot a sweep: recovery curves with confidence bands, metric vs parameter, heatmaps."""
    from sim.output.sweepplots import FORMATS, render

    suffix = Path(out).suffix[1:] if out else ""
    if suffix in ("png", "svg") and formats and set(formats) != {suffix}:
        raise click.UsageError(f"--format {' --format '.join(formats)} does not match --out "
                               f"{out}: one file is written in the format its suffix names")

    for path in render(target, kind=kind, metric=metric, x=x, y=y, where=where,
                       formats=formats or FORMATS, out=out):
        click.echo(f"wrote {path}")
