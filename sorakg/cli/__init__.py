"""The ``sorakg`` command: thin calls of the pipeline's, the release's and the SPARQL wing's
functions, one module per group of commands (each registers its commands on :data:`app`)."""

from sorakg.cli import build, query, release, serve  # noqa: F401  (registers the commands)
from sorakg.cli.app import Exit, app

__all__ = ["Exit", "app"]
