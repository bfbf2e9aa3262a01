"""A realistic sample city: the real districts, streets and communities of Jiaxing (嘉兴市)
with generated grids, micro-grids and a standard address library.

Examples
--------
>>> from sample_data import build_city
>>> city = build_city("demo", seed=2024)  # doctest: +SKIP
"""

from sample_data.city import ADDRESS_COLUMNS, DEMO_DISTRICT, ProgressFn, SampleCity, build_city
from sample_data.demo import HISTORY_DAYS, DemoSummary, populate_demo

__all__ = [
    "ADDRESS_COLUMNS",
    "DEMO_DISTRICT",
    "HISTORY_DAYS",
    "DemoSummary",
    "ProgressFn",
    "SampleCity",
    "build_city",
    "populate_demo",
]
