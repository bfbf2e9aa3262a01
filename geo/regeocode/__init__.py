"""Re-geocoding historical reports in bulk (CSV or Parquet), in this process or on Dask."""

from geo.regeocode.frame import RESULT_COLUMNS, RegeocodeOptions, regeocode_frame
from geo.regeocode.run import RegeocodeSummary, regeocode

__all__ = [
    "RESULT_COLUMNS",
    "RegeocodeOptions",
    "RegeocodeSummary",
    "regeocode",
    "regeocode_frame",
]
