"""Re-geocoding historical reports in bulk: CSV or Parquet in, the same rows with grids out.

After a boundary reform every report of the last years must be counted in its new grid. The
rows go through the same :class:`~geo.reports.location.LocationPipeline` as live intake, a
partition at a time, either in this process (``engine="local"``, streaming chunks) or on a
Dask cluster (``engine="dask"``): a :class:`dask.distributed.LocalCluster` on this machine,
or a real cluster given by its scheduler address. Each worker process builds the locator (and,
when rows need it, the geocoder) once from the store, so workers need to reach the database
— the Dask scheduler never ships the boundaries around.

Input columns: ``lon``, ``lat`` (in ``crs``, or a per-row ``crs`` column) and/or ``address``;
any other column passes through. Output adds :data:`RESULT_COLUMNS`.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from geo.regeocode.frame import RegeocodeOptions, regeocode_frame, tally
from geo.regeocode.on_dask import run_dask

__all__ = ["RegeocodeSummary", "regeocode"]


@dataclass(frozen=True)
class RegeocodeSummary:
    rows: int
    seconds: float
    by_status: dict[str, int]
    by_method: dict[str, int]
    engine: str
    partitions: int

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


# -- files -----------------------------------------------------------------------------------------
def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix in (".parquet", ".pq") or path.is_dir():
        return "parquet"
    raise ValueError(f"{path}: use a .csv or .parquet file")


def regeocode(
    source: Path,
    target: Path,
    options: RegeocodeOptions,
    *,
    engine: Literal["local", "dask"] = "local",
    scheduler: str | None = None,
    workers: int = 2,
    chunk_rows: int = 200_000,
) -> RegeocodeSummary:
    """Re-geocode ``source`` into ``target`` (CSV → CSV file, Parquet → Parquet).

    With ``engine="dask"`` the work runs on the cluster at ``scheduler`` (``tcp://host:8786``)
    or, without one, on a :class:`~dask.distributed.LocalCluster` of ``workers`` processes;
    Parquet output is then a directory of part files (``pandas.read_parquet`` reads it whole).
    """
    started = time.perf_counter()
    if engine == "dask":
        counts, rows, parts = run_dask(source, target, options, scheduler=scheduler,
                                       workers=workers, chunk_rows=chunk_rows)  # fmt: skip
    else:
        counts, rows, parts = _run_local(source, target, options, chunk_rows)
    return RegeocodeSummary(
        rows=rows, seconds=time.perf_counter() - started,
        by_status={k[1]: v for k, v in counts.items() if k[0] == "status"},
        by_method={k[1]: v for k, v in counts.items() if k[0] == "method"},
        engine=engine, partitions=parts,
    )  # fmt: skip


def _run_local(
    source: Path, target: Path, options: RegeocodeOptions, chunk_rows: int
) -> tuple[Counter[tuple[str, str]], int, int]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    kind = _kind(source)
    counts: Counter[tuple[str, str]] = Counter()
    rows = parts = 0
    writer: pq.ParquetWriter | None = None
    if kind == "csv":
        # Every column as text: ids such as "0012" pass through unchanged; lon/lat are parsed.
        chunks: Any = pd.read_csv(source, chunksize=chunk_rows, dtype="string")
    else:
        chunks = (b.to_pandas() for b in pq.ParquetFile(source).iter_batches(chunk_rows))
    try:
        for chunk in chunks:
            out = regeocode_frame(chunk, options)
            counts += tally(out)
            if kind == "csv":
                out.to_csv(target, mode="w" if parts == 0 else "a", header=parts == 0, index=False)
            else:
                table = pa.Table.from_pandas(out, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(target, table.schema)
                writer.write_table(table.cast(writer.schema))
            rows += len(out)
            parts += 1
    finally:
        if writer is not None:
            writer.close()
    return counts, rows, parts
