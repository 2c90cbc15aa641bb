"""The ``[assumptions]`` section: what itlsim assumes where Cisco's documents are silent or
disagree, each a named key a user can see, change and sweep.

``ASSUMPTIONS`` is the one table of assumptions: per key its schema (type, documented default,
choices, help), the inference of docs/inferences.md it replaces and the sources behind the
default and its alternatives. The scenario schema, the README's table
(``markdown_table``), ``summary.json`` and ``run.json`` all read it. Defaults of the keys the
trust engine reads come from ``sim.cluster.assumptions.Assumptions`` (the engine's own
defaults), so each default is written once. Sweeps vary them like any other key
(``--set assumptions.locked_phones_register=true``, ``path = "assumptions.tvs_capacity"``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.cluster import assumptions as engine
from sim.scenario.distributions import Distribution, distribution
from sim.scenario.schema import Table, Value, at_least, validate
from sim.scenario.tomlsource import TomlSource


@dataclass(frozen=True)
class Assumption:
    """One named assumption: its schema (help names the default), what it decides, the
    inference it replaces and its sources. ``between_clusters``: it decides only what passes
    between clusters, so a one-cluster scenario does not record it (``recorded``)."""

    value: Value
    decides: str
    replaces: str
    sources: str
    between_clusters: bool = False


def _shown(default: Any) -> str:
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, dict):
        return "{ " + ", ".join(f'{k} = "{v}"' for k, v in default.items()) + " }"
    return str(default)


def _assumption(value: Value, decides: str, replaces: str, sources: str, *,
                between_clusters: bool = False) -> Assumption:
    help = f"{decides} (default {_shown(value.default)}; replaces {replaces}, docs/inferences.md)"
    return Assumption(dataclasses.replace(value, help=help), decides, replaces, sources,
                      between_clusters)


def _engine(key: str, types: type, choices: tuple[str, ...] | None = None) -> Value:
    """A key the trust engine reads: its default is ``Assumptions``' own."""
    return Value(types, getattr(engine.DOCUMENTED, key), choices=choices)


ASSUMPTIONS: dict[str, Assumption] = {
    "tvs_learns_new_certificates": _assumption(
        _engine("tvs_learns_new_certificates", str, (engine.AT_TVS_RESTART, engine.AT_ONCE)),
        "when a node's TVS starts vouching for a certificate that changed: at its next restart "
        "(regenerations with restart_tftp restart TVS first; an ITLRecovery regeneration "
        "restarts nothing) or at once",
        "I11", "TN 214231 (every regeneration procedure restarts TVS, publisher first, before "
               "TFTP); TN 225746 (CallManager, TVS and ITLRecovery renewed: phones unregistered, "
               "`utils itl reset localkey` recovers them, which holds only if TVS has not yet "
               "learned the new ITLRecovery); TN 118893 (TVS answers from its certificate "
               "caches)"),
    "tvs_forgets_superseded": _assumption(
        _engine("tvs_forgets_superseded", bool),
        "a regenerated certificate's predecessor leaves what TVS vouches for",
        "I11", "silent (TN 213407 and TN 118893 show TVS looking certificates up by serial and "
               "issuer, not what happens to a superseded one)"),
    "reset_itl_signer_12x": _assumption(
        _engine("reset_itl_signer_12x", str, (engine.PUBLISHER_CALLMANAGER,
                                              engine.NODE_CALLMANAGER)),
        "12.0+ `utils itl reset localkey`: the publisher's ITL signed by the publisher's "
        "CallManager key on every TFTP node, or each node's own ITL signed by its own "
        "CallManager key",
        "I29", "CLI Reference 12.5(1)SU5 'utils itl reset' (takes the existing ITL on the "
               "publisher, signs it with the CallManager key, transfers it to the TFTP nodes); "
               "Security Guide 14 'Perform Bulk Reset of ITL File'"),
    "remotekey_signer": _assumption(
        _engine("remotekey_signer", str, (engine.ITLRECOVERY_KEY, engine.CALLMANAGER_KEY)),
        "`utils itl reset remotekey` signs with the ITLRecovery key it restored, or (12.0+) "
        "with the CallManager key as localkey does",
        "I30", "CLI Reference 12.5(1)SU5 'utils itl reset' (remotekey signs the new ITL with the "
               "recovery private key from ITLRecovery.p12); seed (10.0)"),
    "ip_change_regenerates_certificates": _assumption(
        _engine("ip_change_regenerates_certificates", bool),
        "an IP-only change regenerates the node's CallManager, TVS and CAPF certificates",
        "I9", "TN 118893 (the publisher's CallManager certificate changes with the hostname, "
              "the domain or a regeneration); 'Changing the IP Address and Hostname for "
              "CUCM 12.5(1)' (regenerate only with a USB-token CTL)"),
    "locked_phones_register": _assumption(
        _engine("locked_phones_register", bool),
        "a phone that rejected its ITL, CTL or config still registers with its last good "
        "config",
        "I15", "TN 214231 and TN 225746 (phones with a bad ITL do not register), FN70613; "
               "against: Cisco Community 'Migrating IP Phones Between Clusters with CUCM 8 and "
               "ITL Files' (usually registers)"),
    "bulk_import_restarts_tvs": _assumption(
        _engine("bulk_import_restarts_tvs", bool),
        "Bulk Certificate Import restarts TVS on the importing cluster, so its TVS vouches for "
        "the other cluster's certificates at once (false: at its next restart, as "
        "tvs_learns_new_certificates says)",
        "I51", "TN 215539 (export, consolidate, import, then move and reset the phones: no TVS "
               "restart, and the source TVS verifies the destination's signers); Feature "
               "Configuration Guide 'Import the Certificates into the Clusters' (the phones "
               "restart after the import); against: TN 213407 method 2 restarts TVS after "
               "uploading the certificates by hand", between_clusters=True),
    "tvs_capacity": _assumption(
        Value(int, 100, check=at_least(1)), "concurrent TLS sessions per TVS node",
        "I31", "none: Cisco publishes no figure"),
    "tvs_latency": _assumption(
        distribution({"dist": "uniform", "low": "0.5s", "high": "1.7s"}),
        "how long one TVS verification takes",
        "I32", "TN 214535 and TN 213407 phone logs (0.5-1.7 s); the uniform shape is inferred"),
}

ASSUMPTIONS_SCHEMA = Table({key: a.value for key, a in ASSUMPTIONS.items()}, required=False,
                           help="what itlsim assumes where Cisco is silent (docs/inferences.md)")


def documented_values() -> dict[str, Any]:
    """Every assumption at its documented default, as ``summary.json`` records values
    (distributions as their plain dict), so a report can tell which ones a run changed."""
    values = validate(TomlSource("<defaults>", {}), ASSUMPTIONS_SCHEMA, {}, ("assumptions",))
    return {key: v.to_dict() if isinstance(v, Distribution) else v for key, v in values.items()}
def recorded(values: Mapping[str, Any], several_clusters: bool) -> dict[str, Any]:
    """The assumptions a run records (``summary.json``, ``run.json``, the scenario's identity):
    all of them with several clusters; without the between-cluster ones otherwise, since they
    decide nothing there (and a one-cluster scenario keeps its identity)."""
    return {key: value for key, value in values.items()
            if several_clusters or not ASSUMPTIONS[key].between_clusters}


def engine_assumptions(values: Mapping[str, Any]) -> engine.Assumptions:
    """The engine's part of validated ``[assumptions]`` values."""
    return engine.Assumptions(**{f.name: values[f.name]
                                 for f in dataclasses.fields(engine.Assumptions)})


def markdown_table() -> str:
    """The README's table of assumptions, generated from ``ASSUMPTIONS``."""
    lines = ["| key | default | replaces | what it decides | sources |", "|---|---|---|---|---|"]
    for key, a in ASSUMPTIONS.items():
        choices = f" (or {', '.join(f'`{c}`' for c in a.value.choices if c != a.value.default)})" \
            if a.value.choices else ""
        lines.append(f"| `{key}` | `{_shown(a.value.default)}`{choices} | {a.replaces} | "
                     f"{a.decides} | {a.sources} |")
    return "\n".join(lines)
