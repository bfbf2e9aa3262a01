"""The Dask engine of :func:`geo.regeocode.run.regeocode`.

The file is read as a Dask DataFrame (CSV split into ``blocksize`` pieces, Parquet by row
group), each partition goes through :func:`~geo.regeocode.run.regeocode_frame` on a worker, and
the output is written by the workers while the summary counts are computed in the same pass.

On a real cluster, point ``scheduler`` at it (``tcp://scheduler:8786``); the input and output
paths must be readable and writable by every worker (a shared file system or object storage
URL that fsspec understands, e.g. ``s3://bucket/reports.parquet``), every worker needs this
package installed and network access to the database named by ``store_url``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from geo.regeocode.frame import RegeocodeOptions, regeocode_frame, tally

__all__ = ["run_dask"]


def _meta(dtypes: pd.Series, options: RegeocodeOptions) -> pd.DataFrame:
    """The output's empty frame, made by the same code as real partitions (no store needed)."""
    empty = pd.DataFrame({column: pd.Series(dtype=t) for column, t in dtypes.items()})
    return regeocode_frame(empty, options)


def _tally_partition(frame: pd.DataFrame) -> pd.DataFrame:
    counts = tally(frame)
    return pd.DataFrame({
        "column": [k[0] for k in counts], "value": [k[1] for k in counts],
        "n": pd.array(list(counts.values()), dtype="int64"),
    })  # fmt: skip


def _parts(source: Path, chunk_rows: int) -> int:
    import pyarrow.parquet as pq

    if not source.is_file():
        return 1
    rows = pq.ParquetFile(source).metadata.num_rows
    return max(1, -(-rows // max(1, chunk_rows)))


def run_dask(
    source: Path,
    target: Path,
    options: RegeocodeOptions,
    *,
    scheduler: str | None,
    workers: int,
    chunk_rows: int,
) -> tuple[Counter[tuple[str, str]], int, int]:
    """Run on a cluster; returns the counts per status and method, rows and partitions."""
    import dask
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)  # fmt: skip
        client = Client(cluster)
    try:
        if source.suffix.lower() in (".csv", ".txt"):  # text columns pass through unchanged
            frame: Any = dd.read_csv(str(source), dtype="string", blocksize=chunk_rows * 80)
        else:
            frame = dd.read_parquet(str(source), split_row_groups="adaptive")
            wanted = _parts(source, chunk_rows)
            if wanted > frame.npartitions:  # one big row group would leave workers idle
                frame = frame.repartition(npartitions=wanted)
        out = frame.map_partitions(regeocode_frame, options, meta=_meta(frame.dtypes, options))
        if target.suffix.lower() in (".csv", ".txt"):
            write = out.to_csv(str(target), single_file=True, index=False, compute=False)
        else:
            write = out.to_parquet(str(target), write_index=False, compute=False)
        counts_meta = pd.DataFrame({"column": pd.Series(dtype="string"),
                                    "value": pd.Series(dtype="string"),
                                    "n": pd.Series(dtype="int64")})  # fmt: skip
        partial = out.map_partitions(_tally_partition, meta=counts_meta)
        _, tallies = dask.compute(write, partial)
        counts: Counter[tuple[str, str]] = Counter()
        for column, value, n in tallies.itertuples(index=False):
            counts[(str(column), str(value))] += int(n)
        rows = sum(v for (column, _), v in counts.items() if column == "status")
        return counts, rows, int(out.npartitions)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
