"""onemap's domain: areas and their versions, addresses, reports, CRS, stores, the locator.

Nothing in this package knows about HTTP; ``api/`` adapts it.
"""
