"""OGC API - Features (Part 1) under ``/ogc``, readable by GDAL and QGIS, with versioned writes."""
