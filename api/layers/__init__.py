"""Thematic layers over HTTP (registry, imports, features, tiles, OGC collections)."""

from api.layers import ogc, router

__all__ = ["ogc", "router"]
