"""The event log of a run, in the format a user chooses: JSON lines, Parquet, or none.

``itlsim run --event-log jsonl|parquet|none`` (default ``jsonl``):

- ``events.jsonl``: one JSON object a line, in time order, operations first at equal times
  (they cause the changes): ``kind: operation`` with ``action``, ``args``, ``command``,
  ``status``, ``message``, ``node``, ``note``; ``kind: phone`` with ``phone``, ``population``,
  ``from``, ``to``, ``reason``. Any tool reads it line by line. Written as it is formatted, so a
  480,000-line log never sits in memory as text.
- ``events.parquet``: the same records as columns (``t``, ``kind``, ``phone``, ``population``,
  ``from``, ``to``, ``reason``, then the operations' keys, ``args`` as JSON text; what a record
  does not have is NULL), in the same order. Written by DuckDB, already a dependency, so no
  pyarrow is needed; names are dictionary-encoded, so the 40,000-phone megacluster's log takes
  about 1 MB instead of 36 MB and loads far faster (``pd.read_parquet``,
  ``duckdb.sql("FROM 'events.parquet'")``).
- ``none``: no event log (fleets so large that only the summary and the series matter).

Times are exact in both (``sim.fleet.collector.exact``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.fleet.collector import STATES, exact

if TYPE_CHECKING:  # the command line reads FORMATS without loading pandas and the model
    import pandas as pd

    from sim.fleet.run import RunResult

FORMATS = ("jsonl", "parquet", "none")
FILES = {"jsonl": "events.jsonl", "parquet": "events.parquet"}


def write_event_log(result: RunResult, folder: Path, fmt: str = "jsonl") -> Path | None:
    """Write the log of ``result`` into ``folder`` as ``fmt``; the file, or ``None``."""
    if fmt == "none":
        return None
    path = folder / FILES[fmt]
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as handle:
            handle.writelines(line + "\n" for line in result.event_lines)
    else:
        _write_parquet(result, path)
    return path


def _phone_frame(result: RunResult) -> pd.DataFrame:
    """Phone state changes as columns; names as categoricals over the columnar log's codes."""
    import numpy as np
    import pandas as pd

    log = result.collector
    phones = np.asarray(log.log_phone, dtype=np.int64)
    population_codes, populations = pd.factorize(pd.Series(result.populations, dtype=object))
    return pd.DataFrame({
        "t": np.asarray(log.log_time, dtype=np.float64),
        "seq": np.arange(len(phones)),
        "phone": pd.Categorical.from_codes(phones, result.phone_names),
        "population": pd.Categorical.from_codes(population_codes[phones], list(populations)),
        "from": pd.Categorical.from_codes(np.asarray(log.log_old, np.int64), STATES),
        "to": pd.Categorical.from_codes(np.asarray(log.log_new, np.int64), STATES),
        "reason": pd.Categorical.from_codes(np.asarray(log.log_reason, np.int64),
                                            log.reason_names or ["-"]),
    })


def _operation_frame(result: RunResult) -> tuple[pd.DataFrame, list[str]]:
    """Operations as rows; every key becomes a text column (non-text values as JSON)."""
    import numpy as np
    import pandas as pd

    entries = result.collector.operation_log
    keys = sorted({key for _, entry in entries for key in entry})
    columns: dict[str, Any] = {"t": np.array([t for t, _ in entries], dtype=np.float64),
                               "seq": np.arange(len(entries))}
    for key in keys:
        columns[key] = pd.Series([_text(entry.get(key)) for _, entry in entries], dtype=object)
    return pd.DataFrame(columns), keys


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=exact)


def _write_parquet(result: RunResult, path: Path) -> None:
    import duckdb

    phones = _phone_frame(result)
    operations, keys = _operation_frame(result)
    quoted = ", ".join(f'"{key}"' for key in keys)
    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")  # one writer thread: the same bytes on every rerun
        con.register("phones", phones)
        con.register("operations", operations)
        columns = ("t, kind, phone, population, \"from\", \"to\", reason"
                   + (f", {quoted}" if quoted else ""))
        con.execute(
            f"COPY (SELECT {columns} FROM ("
            f"SELECT t, 0 AS rank, seq, 'operation' AS kind{', ' + quoted if quoted else ''} "
            f"FROM operations UNION ALL BY NAME "
            f"SELECT t, 1 AS rank, seq, 'phone' AS kind, phone::VARCHAR AS phone, "
            f"population::VARCHAR AS population, \"from\"::VARCHAR AS \"from\", "
            f"\"to\"::VARCHAR AS \"to\", reason::VARCHAR AS reason FROM phones) "
            f"ORDER BY t, rank, seq) TO '{_sql_text(path)}' (FORMAT parquet, COMPRESSION zstd)")
    finally:
        con.close()


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")
