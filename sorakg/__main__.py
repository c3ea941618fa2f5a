"""``python -m sorakg``: the same command as ``sorakg``."""

from sorakg.cli import app

app(prog_name="sorakg")
