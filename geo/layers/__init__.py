"""Thematic layers (专题图层): department data on the one map, every feature tied to the area
chain that answers for it.

The registry entry (:class:`LayerDef`) says what a layer holds and who may see it; files are
read (:func:`read_layer_file`), checked row by row (:func:`validate_rows`) and assigned to
their areas (:func:`assign_chains`) before the store writes them.
"""

from geo.layers.assign import Areas, AreaTrees, Chains, assign_chains, chains_from_codes, holders
from geo.layers.importing import PROBLEM_LIST_LIMIT, PreparedImport, prepare_import
from geo.layers.model import (
    FIELD_TYPES,
    FieldSpec,
    GeometryKind,
    LayerDef,
    LayerRecord,
    check_layer_name,
)
from geo.layers.parts import MAJOR_CLASSES, MINOR_CLASSES, PartClass, part_class
from geo.layers.reading import RawRows, read_layer_file, rows_from_frame
from geo.layers.validation import CLASS_CODE, FeatureBatch, RowProblem, validate_rows

__all__ = [
    "CLASS_CODE",
    "FIELD_TYPES",
    "MAJOR_CLASSES",
    "MINOR_CLASSES",
    "PROBLEM_LIST_LIMIT",
    "AreaTrees",
    "Areas",
    "Chains",
    "FeatureBatch",
    "FieldSpec",
    "GeometryKind",
    "LayerDef",
    "LayerRecord",
    "PartClass",
    "PreparedImport",
    "RawRows",
    "RowProblem",
    "assign_chains",
    "chains_from_codes",
    "check_layer_name",
    "holders",
    "part_class",
    "prepare_import",
    "read_layer_file",
    "rows_from_frame",
    "validate_rows",
]
