"""Command-line layer: Typer commands that parse options and call services."""
