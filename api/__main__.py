"""``python -m api`` runs the onemap command line."""

from api.cli import main

main()
