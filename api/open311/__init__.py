"""Open311 GeoReport v2 under ``/open311/v2``, so existing 311 clients can submit and follow
reports.
"""
