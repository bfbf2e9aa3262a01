"""``python -m api`` runs the onemap command line."""

from api.cli.main import main

main()
