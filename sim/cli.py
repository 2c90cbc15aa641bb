"""The ``itlsim`` command line.

Every command is a small function registered on ``main``; commands added later (make-itl, run,
validate, sweep, plot) follow the same pattern. Errors a user can cause are ``ItlsimError``s:
``ItlsimGroup.invoke`` is the one place that turns them into a single ``itlsim: <message>`` line
on stderr and the error's exit code (TLVError 2, SignatureError 1), never a traceback.
"""

from __future__ import annotations

import json

import click

from sim import __version__, show, trustlist
from sim.errors import ItlsimError, SignatureError


class ItlsimGroup(click.Group):
    """A click group that maps ``ItlsimError`` to one stderr line and ``error.exit_code``."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ItlsimError as error:
            click.echo(f"itlsim: {error}", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=ItlsimGroup)
@click.version_option(__version__, prog_name="itlsim")
def main() -> None:
    """Simulate Cisco IP phone fleets and CUCM ITL/CTL trust."""


def show_trust_list(path: str, *, as_json: bool, expected_kind: str) -> None:
    """Print ``path`` like CUCM ``show itl``/``show ctl`` (O1); exit 0 verified, 1 not, 2 bad.

    The layout follows the file's own kind (from FILENAME); a note goes to stderr when that is
    not the kind the command names. A signature failure is printed, then raised so that the
    group reports it and exits 1.
    """
    tl = trustlist.read(path)
    if tl.kind != expected_kind:
        click.echo(f"itlsim: note: {path} is a {tl.kind} file (FILENAME {tl.filename}); showing "
                   f"it as a {tl.kind}", err=True)
    try:
        trustlist.check(tl)
    except SignatureError as error:
        verified, reason = False, str(error)
    else:
        verified, reason = True, None
    if as_json:
        click.echo(json.dumps(show.to_json(tl, path=path, verified=verified, reason=reason),
                              indent=2))
    else:
        click.echo(show.render(tl, path=path, verified=verified, reason=reason))
    if not verified:
        raise SignatureError(f"{path}: {reason}")


_JSON_OPTION = click.option("--json", "as_json", is_flag=True,
                            help="Print the parsed file as JSON instead of CUCM's layout.")


@main.command("show-itl")
@click.argument("path")
@_JSON_OPTION
def show_itl(path: str, as_json: bool) -> None:
    """Parse, print and verify an ITL file (ITLFile.tlv) like CUCM's `show itl`."""
    show_trust_list(path, as_json=as_json, expected_kind="ITL")


@main.command("show-ctl")
@click.argument("path")
@_JSON_OPTION
def show_ctl(path: str, as_json: bool) -> None:
    """Parse, print and verify a CTL file (CTLFile.tlv) like CUCM's `show ctl`."""
    show_trust_list(path, as_json=as_json, expected_kind="CTL")


@main.command("make-itl")
@click.argument("cluster_file", metavar="CLUSTER.toml")
@click.option("--node", required=True, help="The TFTP node whose ITLFile.tlv to write.")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Where to write the ITL file.")
@click.option("--seed", default=1, show_default=True, help="Seed of the simulated keys.")
@click.option("--reset", is_flag=True,
              help="Write the bulk-reset ITL (`utils itl reset localkey`, A4) instead.")
def make_itl(cluster_file: str, node: str, out: str, seed: int, reset: bool) -> None:
    """Write the ITL a TFTP node of the cluster in CLUSTER.toml serves (its [cluster] section)."""
    from sim.itlfiles import write_node_itl

    written = write_node_itl(cluster_file, node, out, seed=seed, reset=reset)
    click.echo(f"wrote {out} ({written.length} bytes, {len(written.records)} records, signed by "
               f"{written.signer})")


@main.command("validate")
@click.argument("scenario_file", metavar="SCENARIO.toml")
def validate(scenario_file: str) -> None:
    """Check a scenario file; errors name the file, line, key and what would be valid."""
    from sim.scenario import validate_file

    click.echo(f"{scenario_file}: OK - {validate_file(scenario_file)}")


@main.command("run")
@click.argument("scenario_file", metavar="SCENARIO.toml")
@click.option("--seed", type=int, default=None, help="Override [simulation] seed.")
@click.option("--out", default="results", show_default=True, type=click.Path(file_okay=False),
              help="Results folder; the run lands in OUT/<scenario>/<run id>/.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a scenario value, e.g. --set phones.0.count=500 (repeatable).")
@click.option("--quiet", is_flag=True, help="No progress bar and no text summary.")
def run(scenario_file: str, seed: int | None, out: str, overrides: tuple[str, ...],
        quiet: bool) -> None:
    """Simulate a scenario and write summary, time series, event log and recovery.png."""
    from sim.runner import run_scenario_file

    result, folder = run_scenario_file(scenario_file, seed=seed, overrides=overrides, out=out,
                                       progress=not quiet)
    if not quiet:
        from sim.results import text_summary

        click.echo(text_summary(result, folder))
