"""TOML files with line numbers: where each key stands, so every error can name its line.

``tomllib`` returns plain data without positions. ``TomlSource`` reads the text once more and
records the line of every key (table headers, array-of-tables entries, ``key = value`` lines,
dotted keys), so a validator can say ``scenario.toml:14 [events.2.action]: ...``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ConfigError

KeyPath = tuple[str | int, ...]
_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-\.\"' ]+?)\s*=")
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


def _split_key(text: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in text.split("."))


@dataclass
class TomlSource:
    """A parsed TOML file plus the line of each key path (1-based)."""

    path: str
    data: dict[str, Any]
    lines: dict[KeyPath, int] = field(default_factory=dict)
    origins: dict[KeyPath, str] = field(default_factory=dict)
    """Key paths whose value came from elsewhere than the file (e.g. ``--set k=v``), mapped to
    the name errors about them (or about anything inside them) report instead of file:line."""

    @classmethod
    def load(cls, path: str | Path) -> TomlSource:
        """Read and parse ``path``; any problem is a one-line ``ConfigError``."""
        name = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError("file not found", path=name) from None
        except IsADirectoryError:
            raise ConfigError("is a directory, expected a TOML file", path=name) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read: {exc}", path=name) from None
        return cls.parse(text, name)

    @classmethod
    def parse(cls, text: str, path: str = "<input>") -> TomlSource:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            match = _TOML_POSITION.search(str(exc))
            line = int(match.group(1)) if match else None
            message = _TOML_POSITION.sub("", str(exc)).strip()
            raise ConfigError(f"not valid TOML: {message}", path=path, line=line) from None
        return cls(path, data, _key_lines(text))

    def line_of(self, key: KeyPath) -> int | None:
        """The line of ``key`` or of its closest recorded ancestor."""
        for end in range(len(key), 0, -1):
            line = self.lines.get(tuple(key[:end]))
            if line is not None:
                return line
        return None

    def origin_of(self, key: KeyPath) -> str | None:
        """The origin of ``key`` or of its closest ancestor in ``origins``, if any."""
        for end in range(len(key), 0, -1):
            origin = self.origins.get(tuple(key[:end]))
            if origin is not None:
                return origin
        return None

    def error(self, key: KeyPath, message: str) -> ConfigError:
        """A ``ConfigError`` for ``key`` with its line (or its origin) and dotted name."""
        dotted = ".".join(str(part) for part in key) or None
        origin = self.origin_of(key)
        if origin is not None:
            return ConfigError(message, path=origin, key=dotted)
        return ConfigError(message, path=self.path, line=self.line_of(key), key=dotted)


def _key_lines(text: str) -> dict[KeyPath, int]:
    """Map key paths to line numbers by scanning headers and assignments."""
    lines: dict[KeyPath, int] = {}
    counters: dict[tuple[str, ...], int] = {}
    table: KeyPath = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        header = _HEADER.match(raw)
        if header:
            names = _split_key(header.group(2))
            table = _resolve(names, counters, array=header.group(1) == "[[")
            lines.setdefault(table, number)
            continue
        assign = _ASSIGN.match(raw)
        if assign:
            key = table + _split_key(assign.group(1))
            lines.setdefault(key, number)
    return lines


def _resolve(names: tuple[str, ...], counters: dict[tuple[str, ...], int], *, array: bool
             ) -> KeyPath:
    """Turn a header's names into a key path with array indices (``[[a.b]]`` -> a, b, n)."""
    path: list[str | int] = []
    for depth in range(1, len(names) + 1):
        prefix = names[:depth]
        path.append(prefix[-1])
        is_last = depth == len(names)
        if is_last and array:
            counters[prefix] = counters.get(prefix, -1) + 1
            # a new array entry forgets the counters of arrays nested in the previous entry
            for nested in [k for k in counters if len(k) > depth and k[:depth] == prefix]:
                del counters[nested]
            path.append(counters[prefix])
        elif prefix in counters:
            path.append(counters[prefix])
    return tuple(path)
