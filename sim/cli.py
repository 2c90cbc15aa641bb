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
