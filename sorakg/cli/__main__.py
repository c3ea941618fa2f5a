"""``python -m sorakg.cli``: the same command as ``sorakg``."""

from sorakg.cli import app

app()
