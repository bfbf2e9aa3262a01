"""One import, from rows read to a batch ready to store: validate, then assign.

The store writes the batch in one transaction (``Store.import_layer_features``); this step
decides whether there is anything to write. By default one refused row refuses the file: the
error lists every refused row and nothing is stored. With ``skip_bad_rows`` the good rows go
ahead and the refused ones are reported beside them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from geo.errors import InvalidInputError
from geo.layers.assign import Areas, assign_chains
from geo.layers.model import LayerDef
from geo.layers.reading import RawRows
from geo.layers.validation import FeatureBatch, RowProblem, validate_rows

__all__ = ["PROBLEM_LIST_LIMIT", "PreparedImport", "prepare_import"]

PROBLEM_LIST_LIMIT = 1000
"""Problems listed in an error or a report; the count is always complete."""


@dataclass
class PreparedImport:
    """The rows to store (assigned to their areas) and the rows refused (skipped)."""

    batch: FeatureBatch
    problems: list[RowProblem]
    rows_read: int

    @property
    def skipped_rows(self) -> int:
        return len({p.row for p in self.problems})


def prepare_import(
    layer: LayerDef,
    raw: RawRows,
    locator: Areas,
    *,
    skip_bad_rows: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> PreparedImport:
    """Check every row and assign the good ones; raise listing the problems unless skipping.

    Raises
    ------
    InvalidInputError
        When a row is refused and ``skip_bad_rows`` is False, or when no row is left; its
        details list each problem (row, field, reason) and the counts.
    """
    report = progress or (lambda stage, done, total: None)
    n = len(raw)
    report("checking rows", 0, n)
    batch, problems = validate_rows(layer, raw)
    report("checking rows", n, n)
    refused = len({p.row for p in problems})
    if problems and (not skip_bad_rows or refused >= n or any(p.row == 0 for p in problems)):
        first = problems[0]
        where = "the file" if first.row == 0 else f"row {first.row}"
        raise InvalidInputError(
            f"{refused} of {n} rows refused, nothing stored; {where}: {first.field}: "
            f"{first.reason}",
            field="file",
            details={
                "rows": n,
                "refused": refused,
                "problems": [p.as_dict() for p in problems[:PROBLEM_LIST_LIMIT]],
            },
        )
    if n == 0:
        raise InvalidInputError("the file holds no rows", field="file")
    report("assigning areas", 0, len(batch))
    batch.chains = assign_chains(batch.geoms, layer.geometry_type, locator)
    report("assigning areas", len(batch), len(batch))
    return PreparedImport(batch, problems, n)
