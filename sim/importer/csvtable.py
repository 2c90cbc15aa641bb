"""CSV files as CUCM tools and spreadsheets write them, read into rows with their line numbers.

What real exports bring (Bulk Administration Guide for CUCM 14/15, appendix "Text-Based CSV
Files", and exports seen in public tools): a UTF-8 byte order mark or none, CRLF or LF, values
in double quotes with doubled inner quotes, commas and line breaks inside quoted values, empty
columns, a trailing comma on every line, column names in Title Case or UPPER CASE with runs of
spaces ("Line Network Hold MOH Audio Source  1"), and, from spreadsheets saved in a European
locale, ';' or TAB instead of ','. Column names are matched case-insensitively with whitespace
collapsed (``column_key``).

Strict where a half result would follow: a file that is not UTF-8 text (Excel's "CSV (Comma
delimited)" writes the Windows code page), a row with more values than the header has columns,
a needed column missing or given twice. Every error names the file and the line the row starts
on (quoted line breaks counted), and the column.
"""

from __future__ import annotations

import _csv
import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.errors import ArtefactError
from sim.importer.source import decode_text, read_artefact

_DELIMITERS = (",", ";", "\t")
_SHOWN_COLUMNS = 8


def column_key(name: str) -> str:
    """How column names compare: case-insensitive, whitespace runs collapsed, ends trimmed."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Row:
    """One data row: the line it starts on and its values by column key (missing cells "")."""

    path: str
    line: int
    cells: Mapping[str, str]

    def get(self, column: str) -> str:
        """The value of ``column`` (a key from ``column_key``), trimmed; "" if absent."""
        return self.cells.get(column, "").strip()

    def error(self, column: str | None, message: str) -> ArtefactError:
        """An error at this row, naming ``column`` as the file spells it."""
        return ArtefactError(message, path=self.path, line=self.line, key=column)


@dataclass(frozen=True)
class Table:
    """A CSV file: its header as written and its non-empty rows."""

    path: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]

    def find(self, names: Sequence[str]) -> str | None:
        """The key of the first of ``names`` (a column and its aliases) the header has.

        A column given twice under names that all match is an error: which one is meant?
        """
        for name in names:
            key = column_key(name)
            positions = [i for i, h in enumerate(self.header, 1) if column_key(h) == key]
            if len(positions) > 1:
                raise ArtefactError(f"column '{name}' appears {len(positions)} times (columns "
                                    f"{', '.join(map(str, positions))}); keep one",
                                    path=self.path, line=1)
            if positions:
                return key
        return None

    def require(self, names: Sequence[str], expected: str) -> str:
        """``find``, or the one-line error: which column is missing, which were found, what
        kind of file was expected."""
        key = self.find(names)
        if key is None:
            also = f" (or {', '.join(repr(n) for n in names[1:])})" if len(names) > 1 else ""
            raise ArtefactError(f"no '{names[0]}' column{also}; columns found: "
                                f"{self.columns_found()}; expected {expected}",
                                path=self.path, line=1)
        return key

    def spelled(self, key: str | None) -> str | None:
        """The column ``key`` as the file spells it (for messages); ``None`` for none."""
        return next((h.strip() for h in self.header if key and column_key(h) == key), None)

    def columns_found(self) -> str:
        shown = [h for h in self.header if h.strip()]
        more = len(shown) - _SHOWN_COLUMNS
        return ", ".join(shown[:_SHOWN_COLUMNS]) + (f" ... ({more} more)" if more > 0 else "")


def read_table(path: str | Path, *, what: str) -> Table:
    """Read a CSV file; ``what`` says in errors what kind of file was expected."""
    name = str(path)
    text = _read_text(name, what)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ArtefactError(f"the file is empty or its first line is blank; expected {what} "
                            "with its column names on line 1", path=name, line=1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(lines[0]),
                        strict=True)
    header = tuple(_next(reader, name, 1) or ())
    return Table(name, header, tuple(_rows(name, reader, header)))


def _next(reader: _csv.Reader, name: str, line: int) -> list[str] | None:
    """The next row, or ``None`` at the end; a CSV syntax error names the row's first line."""
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as err:
        raise ArtefactError(f"not readable as CSV: {err} (a double quote opened and not "
                            "closed?)", path=name, line=line) from None


def _read_text(name: str, what: str) -> str:
    return decode_text(read_artefact(name, what), name, what,
                       hint="save the export as UTF-8 (in Excel: 'CSV UTF-8'), as the BAT "
                            "guide asks")


def _delimiter(first_line: str) -> str:
    """',' unless the header line has more ';' or TABs (a spreadsheet in a European locale)."""
    return max(_DELIMITERS, key=first_line.count) if first_line.count(",") == 0 else ","


def _rows(name: str, reader: _csv.Reader, header: tuple[str, ...]) -> list[Row]:
    keys = [column_key(h) for h in header]
    rows = []
    next_line = reader.line_num + 1
    while (values := _next(reader, name, next_line)) is not None:
        line, next_line = next_line, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue  # blank line, or a line of empty cells
        extra = [v for v in values[len(keys):] if v.strip()]
        if extra:
            raise ArtefactError(f"{len(values)} values but the header has {len(keys)} "
                                f"columns (extra: {extra[0][:40]!r}); a comma inside a "
                                "value needs double quotes", path=name, line=line)
        cells = {k: v for k, v in zip(keys, values, strict=False) if k}
        rows.append(Row(name, line, cells))
    return rows
