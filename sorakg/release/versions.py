"""The versions of the libraries that shape a release's bytes, recorded in its manifest.

A release digest says *what* was built; these say *with what*, so a release can be rebuilt with
the same libraries (``constraints.txt`` pins them for ``make``) and a changed digest can be traced
to an upgrade.
"""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

# the libraries that read, check, reason over or write the graph
LIBRARIES = (
    "sorakg",
    "rdflib",
    "pyshacl",
    "owlready2",
    "owlrl",
    "reasonable",
    "pyoxigraph",
    "curies",
    "bioregistry",
    "pydantic",
    "pylode",
)


def library_versions() -> dict[str, str]:
    """Name → installed version (``python`` too); a library missing here is recorded as such."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found
