"""What a query of the CLI runs against: an endpoint when one is given or configured, else the
current build's store, with the build's names to read the query's arguments."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph

from sorakg import names as names_
from sorakg.release.default_view import default_graphs
from sorakg.release.store import built_file, open_store, release_names
from sorakg.settings import Settings
from sorakg.sparql.catalogue import prefixes_for
from sorakg.sparql.remote import Remote


@dataclass
class Target:
    """The store a query runs on and the names its arguments are checked against (none for an
    endpoint, or a query without arguments)."""

    store: pyoxigraph.Store | Remote
    names: names_.Names | None = None
    notes: list[str] = field(default_factory=list)  # for the user: how the names were read


def query_target(settings: Settings, endpoint: str | None, with_names: bool) -> Target:
    """The endpoint ``endpoint`` (or the configured one), else the current build's store and,
    ``with_names``, its names index; :class:`~sorakg.release.store.MissingBuild` if no build."""
    if endpoint or settings.sparql_endpoint:
        return Target(Remote.from_settings(settings, endpoint))
    target = Target(open_store(settings))
    if with_names:  # names checked against the graph: a misspelt one is an error, not 0 rows
        target.names = build_names(settings, target.notes)
    return target


def build_names(settings: Settings, notes: list[str]) -> names_.Names:
    """The current build's names index, to resolve what a user types (``query -p``)."""
    release = built_file(settings).resolve().parent
    prefixes = prefixes_for(settings.base_iri)
    try:
        path = release_names(release, settings.base_iri)
    except OSError as error:  # a release folder we may not write: index it in memory
        notes.append(f"cannot write {release}'s names index ({error})")
        store = open_store(settings)
        return names_.from_store(store, settings.base_iri, prefixes, default_graphs(store))
    return names_.Names.open(path, settings.base_iri, prefixes)
