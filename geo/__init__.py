"""onemap's domain, one package per capability; nothing in it knows about HTTP (``api/`` adapts it).

``areas`` (levels, records, topology, edit plans), ``addresses`` (the standard address library),
``crs`` (GCJ-02/BD-09, Gauss-Kruger), ``locate`` (point-in-grid), ``geocode`` (address text),
``reports`` (intake, placement, lifecycle, statistics), ``regeocode`` (bulk, on Dask),
``refresh`` (keeping in-memory indexes current) and ``stores`` (PostGIS and SQLite).
"""
