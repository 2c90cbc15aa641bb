"""``--set dotted.key=value`` overrides: edit a scenario's raw data before it is validated.

``simulation.seed=3``, ``phones.0.count=500``, ``events.2.at=10min``, ``recovery.technicians=4``:
numeric parts index arrays of tables, other parts name keys (missing tables are created). The
value is read as TOML (``500`` is an integer, ``"a"`` a string, ``[1, 2]`` a list) and falls back
to the plain text, so ``10min`` needs no quotes. Because overrides change the data *before*
validation, a bad override gets the same error as a bad file, attributed to the override
(``--set phones.0.cont=5 [phones.0.cont]: unknown key 'cont'; did you mean 'count'?``) through
``TomlSource.origins``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from sim.errors import ConfigError
from sim.scenario.tomlsource import KeyPath, NestingError, TomlSource


def parse_override(text: str) -> tuple[KeyPath, Any]:
    """``"phones.0.count=500"`` -> ``(("phones", 0, "count"), 500)``."""
    name, sep, raw = text.partition("=")
    parts = [part.strip() for part in name.split(".")]
    if not sep or not all(parts):
        raise ConfigError("expected dotted.key=value, e.g. simulation.seed=3",
                          path=origin_name(text))
    return key_path(parts), _toml_value(raw.strip(), origin_name(text))


def key_path(parts: Iterable[str] | str) -> KeyPath:
    """Dotted text (or its parts) as a key path: ``"phones.0.count"`` ->
    ``("phones", 0, "count")``, digits as list positions."""
    if isinstance(parts, str):
        parts = parts.split(".")
    return tuple(int(part) if part.isdigit() else part for part in parts)


def origin_name(text: str) -> str:
    """How errors name an override: ``--set <text>``, shortened past 80 characters so the
    error stays one readable line."""
    return f"--set {text if len(text) <= 80 else text[:77] + '...'}"


def _toml_value(raw: str, origin: str) -> Any:
    """The value as TOML, else the plain text; too deep a nesting is an error like a file's."""
    try:
        return TomlSource.parse(f"value = {raw}", origin).data["value"]
    except NestingError as error:
        raise ConfigError(error.reason, path=origin) from None
    except ConfigError:
        return raw


def apply_overrides(data: dict[str, Any], overrides: Iterable[str]
                    ) -> tuple[dict[str, Any], dict[KeyPath, str]]:
    """A deep copy of ``data`` with every override applied, and each changed key's origin."""
    result = copy.deepcopy(data)
    origins: dict[KeyPath, str] = {}
    for text in overrides:
        key, value = parse_override(text)
        set_key(result, key, value, origin_name(text))
        origins[key] = origin_name(text)
    return result, origins


def set_key(data: dict[str, Any], key: KeyPath, value: Any, origin: str) -> None:
    """Set ``data[k0][k1]...`` = ``value``, creating missing tables; errors name ``origin``."""
    container: Any = data
    for depth, part in enumerate(key[:-1]):
        _check_slot(container, part, key[:depth], origin)
        if isinstance(container, dict) and part not in container:
            if isinstance(key[depth + 1], int):
                missing = _dotted(key[:depth + 1])
                raise ConfigError(f"there is no {missing}, so there is no {missing}."
                                  f"{key[depth + 1]}", path=origin)
            container[part] = {}
        container = container[part]
    _check_slot(container, key[-1], key[:-1], origin)
    container[key[-1]] = value


def _check_slot(container: Any, part: str | int, where: KeyPath, origin: str) -> None:
    """``container[part]`` may be read or set: a key of a table or an index within an array."""
    name = _dotted(where) or "the scenario"
    if isinstance(container, list):
        if not isinstance(part, int):
            raise ConfigError(f"{name} is an array; index it with a number, e.g. {name}.0.{part}",
                              path=origin)
        if part >= len(container):
            count = f"{len(container)} {'entry' if len(container) == 1 else 'entries'}"
            raise ConfigError(f"{name} has {count}, so there is no {name}.{part}", path=origin)
    elif not isinstance(container, dict):
        raise ConfigError(f"{name} is {container!r}, not a table or an array", path=origin)
    elif isinstance(part, int):
        raise ConfigError(f"{name} is a table, not an array: use a key name, not {part}",
                          path=origin)


def _dotted(key: KeyPath) -> str:
    return ".".join(str(part) for part in key)
