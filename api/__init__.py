"""The HTTP and command-line face of onemap: FastAPI app, routers, settings, CLI."""
