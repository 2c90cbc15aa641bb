"""Declarative validation of TOML data: types, choices, defaults, did-you-mean for typos.

Cluster, scenario and sweep files share this one validator, so every file gets the same kind
of error: ``file:line [dotted.key]: what is wrong; expected ...; did you mean 'x'?``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.scenario.names import TEXT_MAX
from sim.scenario.tomlsource import KeyPath, TomlSource

REQUIRED = object()
Check = Callable[[Any], str | None]
Convert = Callable[[TomlSource, Any, KeyPath], Any]


@dataclass(frozen=True)
class Value:
    """A scalar or list field."""

    types: type | tuple[type, ...]
    default: Any = REQUIRED
    choices: tuple[Any, ...] | None = None
    check: Check | None = None
    help: str = ""
    convert: Convert | None = None
    """Turns the raw value into its typed form (a duration into seconds, an inline table into a
    ``Distribution``); called as ``convert(source, value, keypath)`` after the type check and
    before ``check``, and on a non-``None`` default too. It may raise ``ValueError`` (reported
    at the key) or ``source.error(...)`` for a key inside the value."""
    expect: str = ""
    """How errors describe a valid value, instead of listing ``types`` (e.g. "a duration")."""

    def expected(self) -> str:
        if self.expect:
            return self.expect
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        types = self.types if isinstance(self.types, tuple) else (self.types,)
        return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)


@dataclass(frozen=True)
class Table:
    """A TOML table with known keys; ``extra`` validates keys not listed (e.g. free maps)."""

    fields: Mapping[str, Value | Table | ArrayOf]
    required: bool = True
    extra: Value | None = None
    help: str = ""
    moved: Mapping[str, str] = field(default_factory=dict)
    """Keys that moved elsewhere: old key -> its new dotted place, named in the error."""


@dataclass(frozen=True)
class ArrayOf:
    """An array of tables (``[[name]]``)."""

    item: Table
    min_items: int = 0
    default: list[Any] = field(default_factory=list)


_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               list: "a list", dict: "a table"}


def at_least(low: int) -> Check:
    """A ``check`` for numbers that must be ``>= low``."""
    return lambda n: None if n >= low else f"must be >= {low}, got {n}"


def suggest(word: str, options: list[str]) -> str:
    """`` did you mean 'x'?`` for the closest option, or ``""``."""
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def validate(source: TomlSource, schema: Table, data: Any = None, at: KeyPath = ()) -> dict:
    """Check ``data`` (default: the whole file) against ``schema`` and fill in defaults."""
    return _table(source, schema, source.data if data is None else data, at)


def _table(source: TomlSource, schema: Table, data: Any, at: KeyPath) -> dict:
    if not isinstance(data, dict):
        raise source.error(at, f"expected a table, got {_describe(data)}")
    known = list(schema.fields)
    result: dict[str, Any] = {}
    for key, value in data.items():
        if key not in schema.fields:
            if schema.extra is not None:
                result[key] = _value(source, schema.extra, value, at + (key,))
                continue
            if key in schema.moved:
                raise source.error(at + (key,), f"'{key}' has moved: set {schema.moved[key]} "
                                                f"instead")
            raise source.error(at + (key,), f"unknown key '{key}'{suggest(key, known)} "
                                            f"(valid keys: {', '.join(known)})")
    for key, spec in schema.fields.items():
        path = at + (key,)
        if key in data:
            result[key] = _any(source, spec, data[key], path)
        elif isinstance(spec, Value):
            if spec.default is REQUIRED:
                raise source.error(at, f"missing required key '{key}' ({spec.expected()})")
            result[key] = _default(source, spec, path)
        elif isinstance(spec, Table):
            if spec.required:
                raise source.error(at, f"missing required table [{'.'.join(map(str, path))}]")
            result[key] = _table(source, spec, {}, path)
        else:
            if spec.min_items:
                raise source.error(at, f"missing [[{'.'.join(map(str, path))}]] entries "
                                       f"(at least {spec.min_items})")
            result[key] = list(spec.default)
    return result


def _any(source: TomlSource, spec: Value | Table | ArrayOf, data: Any, at: KeyPath) -> Any:
    if isinstance(spec, Table):
        return _table(source, spec, data, at)
    if isinstance(spec, ArrayOf):
        if not isinstance(data, list):
            raise source.error(at, f"expected an array of tables, got {_describe(data)}")
        if len(data) < spec.min_items:
            raise source.error(at, f"needs at least {spec.min_items} entries, got {len(data)}")
        return [_table(source, spec.item, item, at + (i,)) for i, item in enumerate(data)]
    return _value(source, spec, data, at)


def _value(source: TomlSource, spec: Value, data: Any, at: KeyPath) -> Any:
    types = spec.types if isinstance(spec.types, tuple) else (spec.types,)
    if float in types and isinstance(data, int) and not isinstance(data, bool):
        data = float(data)
    if not isinstance(data, types) or (isinstance(data, bool) and bool not in types
                                       and object not in types):
        raise source.error(at, f"expected {spec.expected()}, got {_describe(data)}")
    if spec.choices is not None and data not in spec.choices:
        hint = suggest(str(data), [str(c) for c in spec.choices])
        raise source.error(at, f"{data!r} is not valid{hint} (expected {spec.expected()})")
    if spec.convert is not None:
        try:
            data = spec.convert(source, data, at)
        except ValueError as exc:
            raise source.error(at, str(exc)) from None
    if spec.check is not None:
        problem = spec.check(data)
        if problem:
            raise source.error(at, problem)
    if isinstance(data, str) and len(data) > TEXT_MAX:
        raise source.error(at, f"{len(data):,} characters; text values hold at most "
                               f"{TEXT_MAX:,} (sim.scenario.names)")
    return data


def _default(source: TomlSource, spec: Value, at: KeyPath) -> Any:
    """A missing key's default, converted like a given value (``None`` means "derived later")."""
    if spec.convert is None or spec.default is None:
        return spec.default
    return spec.convert(source, spec.default, at)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"
