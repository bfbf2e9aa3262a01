"""Vector tiles and TileJSON over HTTP, with the shortcut that answers cached tiles first."""
