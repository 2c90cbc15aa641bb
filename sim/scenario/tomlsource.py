"""TOML files with line numbers: where each key stands, so every error can name its line.

``tomllib`` returns plain data without positions. ``TomlSource`` reads the text once more and
records the line of every key (table headers, array-of-tables entries, ``key = value`` lines,
dotted keys), so a validator can say ``scenario.toml:14 [events.2.action]: ...``.

Loading refuses what a TOML parser would choke on with a one-line ``ConfigError``: a path that
is not a regular file or is larger than ``MAX_TOML_BYTES`` (``sim.trust.files``), a UTF-8
byte-order mark (TOML 1.0 has none; ``tomllib`` reports it as a cryptic "invalid statement"),
text that is not UTF-8, and arrays or inline tables nested more than ``MAX_NESTING`` deep
(``tomllib`` raises ``RecursionError`` at a few hundred levels; itlsim's own files nest five
levels at most).
"""

from __future__ import annotations

import codecs
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ConfigError
from sim.trust.files import FileProblem, read_regular

KeyPath = tuple[str | int, ...]
_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-\.\"' ]+?)\s*=")
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
MAX_TOML_BYTES = 8 * 1024 * 1024
"""Scenario, cluster and sweep files are kilobytes (a 10,000-point sweep written out point by
point is about 1 MB); a file 8 times that is a mistake, not an input."""
MAX_NESTING = 16
"""Levels of arrays and tables inside each other (a scenario's deepest value is 5 down)."""


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
            data = read_regular(path, MAX_TOML_BYTES)
        except FileProblem as problem:
            raise ConfigError(f"{problem}; expected a TOML file" + (
                " (scenario, cluster and sweep files are kilobytes)" if problem.too_large
                else ""), path=name) from None
        return cls.from_bytes(data, name)

    @classmethod
    def from_bytes(cls, data: bytes, name: str) -> TomlSource:
        """Parse the bytes of file ``name`` (already read, e.g. by an importer that also
        hashes them): UTF-8 without BOM, or a one-line ``ConfigError``."""
        if data.startswith(codecs.BOM_UTF8):
            raise ConfigError("starts with a UTF-8 byte-order mark (BOM), which TOML does not "
                              "allow; save the file as UTF-8 without BOM", path=name, line=1)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} "
                              f"cannot be decoded; TOML files are UTF-8", path=name,
                              line=data.count(b"\n", 0, exc.start) + 1) from None
        return cls.parse(text, name)

    @classmethod
    def parse(cls, text: str, path: str = "<input>") -> TomlSource:
        data = loads(text, path)
        source = cls(path, data, _key_lines(text))
        deep = _too_deep(data)
        if deep is not None:
            error = source.error(deep, f"values nested more than {MAX_NESTING} levels deep; "
                                       f"itlsim files nest a few levels")
            raise NestingError(error.reason, path=error.path, line=error.line, key=error.key)
        return source

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


class NestingError(ConfigError):
    """Values nested deeper than ``MAX_NESTING`` (or than ``tomllib`` can parse)."""


def loads(text: str, path: str) -> dict[str, Any]:
    """``tomllib.loads`` with its errors as one-line ``ConfigError``s naming ``path``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.search(str(exc))
        line = int(match.group(1)) if match else None
        message = _TOML_POSITION.sub("", str(exc)).strip()
        raise ConfigError(f"not valid TOML: {message}", path=path, line=line) from None
    except RecursionError:
        raise NestingError(f"arrays or inline tables nested too deeply to read (more than a few "
                          f"hundred levels; itlsim files nest at most {MAX_NESTING})",
                          path=path) from None


def _too_deep(data: Any) -> KeyPath | None:
    """The key path of a value nested deeper than ``MAX_NESTING``, or ``None`` (iterative:
    the check itself must not recurse)."""
    stack: list[tuple[KeyPath, Any]] = [((), data)]
    while stack:
        key, value = stack.pop()
        if len(key) > MAX_NESTING:
            return key[:MAX_NESTING + 1]
        if isinstance(value, dict):
            stack.extend((key + (k,), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((key + (i,), v) for i, v in enumerate(value))
    return None


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
