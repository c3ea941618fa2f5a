"""``python -m sorakg``: the same command as ``sorakg``."""

from sorakg.entry import main

main(prog_name="sorakg")
