"""Vector tiles (MVT) and TileJSON for the one-map page."""
