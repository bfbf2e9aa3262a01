"""Areas and their versions: levels and codes, records, queries, topology, validation, the
plans of boundary edits and their checked outcome, and import/export of area files.

This is the vocabulary of the rest of the domain: a district > street > community > grid >
micro-grid chain, each area a versioned record with a GB/T 2260-style code.
"""

from geo.areas.edit_outcome import IMPACT_LIST_LIMIT, ROLES, EditOutcome, Impact
from geo.areas.edit_plans import (
    EditPlan,
    Followers,
    check_exact,
    children_follow,
    next_codes,
    ordered_west_to_east,
    plan_create,
    plan_merge,
    plan_move_boundary,
    plan_replace,
    plan_retire,
    plan_split,
)
from geo.areas.exports import (
    EXPORT_FORMATS,
    SHAPEFILE_NAMES,
    AreaExport,
    ExportFormat,
    export_areas,
    format_of,
    parse_crs,
    zip_shapefile,
)
from geo.areas.import_topology import check_import_topology
from geo.areas.imports import read_area_file
from geo.areas.levels import (
    CODE_LENGTH,
    LEVELS,
    GridKind,
    Level,
    level_of_code,
    parent_code_of,
    validate_code,
)
from geo.areas.query import AreaQuery, Bbox
from geo.areas.records import AreaLabel, AreaRecord, Changeset, NewArea, Team
from geo.areas.topology import (
    Problem,
    Tolerances,
    check_children,
    check_geometry,
    check_siblings,
    invalidity_location,
)
from geo.areas.validation import (
    CHINA_BOUNDS,
    Rejection,
    check_within_parents,
    to_multipolygon,
    validate_areas,
)

__all__ = [
    "CHINA_BOUNDS",
    "CODE_LENGTH",
    "EXPORT_FORMATS",
    "IMPACT_LIST_LIMIT",
    "LEVELS",
    "ROLES",
    "SHAPEFILE_NAMES",
    "AreaExport",
    "AreaLabel",
    "AreaQuery",
    "AreaRecord",
    "Bbox",
    "Changeset",
    "EditOutcome",
    "EditPlan",
    "ExportFormat",
    "Followers",
    "GridKind",
    "Impact",
    "Level",
    "NewArea",
    "Problem",
    "Rejection",
    "Team",
    "Tolerances",
    "check_children",
    "check_exact",
    "check_geometry",
    "check_import_topology",
    "check_siblings",
    "check_within_parents",
    "children_follow",
    "export_areas",
    "format_of",
    "invalidity_location",
    "level_of_code",
    "next_codes",
    "ordered_west_to_east",
    "parent_code_of",
    "parse_crs",
    "plan_create",
    "plan_merge",
    "plan_move_boundary",
    "plan_replace",
    "plan_retire",
    "plan_split",
    "read_area_file",
    "to_multipolygon",
    "validate_areas",
    "validate_code",
    "zip_shapefile",
]
