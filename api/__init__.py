"""The HTTP and command-line face of onemap: the app, one package per capability, the CLI."""
