"""What the server derives from the release besides the store, read on first use: the release's
rdflib graphs (VoID, ``/ontology``) and the ontology the explanations of inferences start from.

Nothing is parsed when the server starts: the query workers read the release's on-disk store.
The ontology graph is read (from the on-disk store) for the first explanation on an entity
page; the whole release for VoID or ``/ontology``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sorakg.release.files import ExportFile
from sorakg.settings import Settings

if TYPE_CHECKING:  # the graphs and the explanations load rdflib: on first use only
    from rdflib import Graph


@dataclass
class Resources:
    """What the server derives from the build besides the store; filled in as it is ready."""

    release: Path | None = None  # the release folder being served (None: proxy mode)
    graphs: dict[str, Graph] = field(default_factory=dict)  # read on first use: see graphs()
    ontology: Graph | None = None  # read on first use: see ontology()
    files: dict[str, ExportFile] = field(default_factory=dict)
    failed: str = ""
    ontology_pages: dict[str, str] = field(default_factory=dict)  # by format name
    exporting: asyncio.Task[None] | None = None
    loading: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def folder(self) -> Path | None:
        return self.release / "downloads" if self.release else None


async def graphs(resources: Resources, settings: Settings) -> dict[str, Graph]:
    """The release's graphs by short name, read once on first use ({} in proxy mode)."""
    if resources.release is None:
        return {}
    from sorakg.release.store import read_build

    async with resources.loading:
        if not resources.graphs:
            nquads = resources.release / "sorakg.nq"
            resources.graphs = await asyncio.to_thread(read_build, settings, nquads)
    return resources.graphs


def _read_ontology(resources: Resources, settings: Settings) -> None:
    from rdflib import Graph

    from sorakg.release.store import read_graphs, release_store

    assert resources.release is not None
    if "ontology" in resources.graphs:
        resources.ontology = resources.graphs["ontology"]
    else:  # only this graph, from the on-disk store
        read = read_graphs(settings, release_store(resources.release), ("ontology",))
        resources.ontology = read.get("ontology", Graph())


async def ontology(resources: Resources, settings: Settings) -> Graph | None:
    """The ontology graph the explanations of inferences start from, read once on first use
    (None in proxy mode). The asserted facts an explanation needs are read per entity
    (``server/queries/explain-context.rq``), never the whole asserted graph."""
    if resources.release is None:
        return None
    async with resources.loading:
        if resources.ontology is None:
            await asyncio.to_thread(_read_ontology, resources, settings)
    return resources.ontology
