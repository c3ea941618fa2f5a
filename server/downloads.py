"""Downloads of the build (``/download``), the ontology (``/ontology``), and the build's graphs
held in memory for explanations.

When the server starts on the embedded store it reads the build's graphs (for
:mod:`sorakg.explain` and ``/ontology``). ``sorakg serve`` then writes every export format, the
SSSOM mappings, VoID/DCAT and the ontology documentation into the release folder
(``build/releases/<digest>/downloads/``) in the background, once per release: a restart finds
them there. A server made by ``create_app`` alone does so on the first ``/download`` request.
Until they are written, ``/download/…`` answers 503 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from rdflib import VOID, Graph, URIRef

from sorakg.explain import Explainer
from sorakg.export import ExportFile, export_files
from sorakg.metadata import PREFIXES as VOID_PREFIXES
from sorakg.metadata import dataset_facts, void_graph
from sorakg.ontodocs import ontology_document
from sorakg.settings import Settings
from sorakg.store import read_build

from .formats import HTML, JSON, NotAcceptable, negotiate
from .page import templates

router = APIRouter()
log = logging.getLogger(__name__)
INDEX = "index.json"  # name → sha256 and media type of each file, written with the files


@dataclass
class Resources:
    """What the server derives from the build besides the store; filled in as it is ready."""

    release: Path | None = None  # the release folder being served (None: proxy mode)
    graphs: dict[str, Graph] = field(default_factory=dict)
    explainer: Explainer | None = None
    files: dict[str, ExportFile] = field(default_factory=dict)
    failed: str = ""
    ontology_pages: dict[str, str] = field(default_factory=dict)  # by media type
    exporting: asyncio.Task[None] | None = None

    @property
    def folder(self) -> Path | None:
        return self.release / "downloads" if self.release else None


def _write_index(folder: Path, files: list[ExportFile]) -> None:
    index = {f.path.name: {"sha256": f.sha256, "media_type": f.media_type} for f in files}
    (folder / INDEX).write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")


def _read_index(folder: Path) -> dict[str, ExportFile]:
    index = json.loads((folder / INDEX).read_text())
    return {
        name: ExportFile(folder / name, entry["sha256"], entry["media_type"])
        for name, entry in sorted(index.items())
    }


def load_graphs(resources: Resources, settings: Settings) -> None:
    """Read the release's graphs and set up explanations (blocking: run it in a thread)."""
    assert resources.release is not None
    resources.graphs = read_build(settings, resources.release / "sorakg.nq")
    explained = Graph()
    for name in ("ontology", "asserted"):
        explained += resources.graphs.get(name, Graph())
    resources.explainer = Explainer(explained)


def write_downloads(resources: Resources, settings: Settings) -> None:
    """Export the release into its ``downloads/`` folder once (blocking: run it in a thread)."""
    folder = resources.folder
    assert folder is not None
    try:
        if not (folder / INDEX).exists():
            staging = folder.with_name(".downloads-staging")
            shutil.rmtree(staging, ignore_errors=True)
            _write_index(staging, export_files(settings, staging, graphs=dict(resources.graphs)))
            staging.rename(folder)  # a half-written export is never served
        resources.files = _read_index(folder)
    except Exception as error:  # reported at /download; the server keeps answering queries
        log.exception("preparing downloads failed")
        resources.failed = f"{type(error).__name__}: {error}"


async def start(resources: Resources, settings: Settings, downloads: bool) -> None:
    """Load the graphs now; write the downloads in the background if ``downloads``, else on
    the first request for them (tests and short-lived servers never pay for the export)."""
    if resources.release is None:
        return
    await asyncio.to_thread(load_graphs, resources, settings)
    if downloads:
        _export_in_background(resources, settings)


def _export_in_background(resources: Resources, settings: Settings) -> None:
    if resources.exporting is None:
        resources.exporting = asyncio.create_task(
            asyncio.to_thread(write_downloads, resources, settings)
        )


def served_void(resources: Resources, settings: Settings, root: str, fmt: ox.RdfFormat) -> bytes:
    """The export's VoID + DCAT description, with this server's SPARQL endpoint and downloads."""
    graph = void_graph(
        settings, resources.graphs, resources.files.values(), download_base=f"{root}download/"
    )
    dataset = dataset_facts(settings, resources.graphs).iri
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(f"{root}sparql")))
    triples = ox.parse(
        graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES
    )
    return ox.serialize([q.triple for q in triples], format=fmt, prefixes=VOID_PREFIXES) or b""


def _resources(request: Request) -> Resources:
    return request.app.state.resources  # type: ignore[no-any-return]


def _not_ready(request: Request, resources: Resources) -> Response:
    if resources.release is None:
        return Response("downloads are served from the embedded store only", 404)
    _export_in_background(resources, request.app.state.settings)
    if resources.failed:
        return Response(f"the downloads could not be prepared: {resources.failed}", 500)
    return Response("the downloads are being prepared", 503, headers={"Retry-After": "5"})


@router.get("/download", response_class=Response, summary="The graph's files, with SHA-256")
async def list_downloads(request: Request) -> Response:
    resources = _resources(request)
    if not resources.files:
        return _not_ready(request, resources)
    try:
        fmt = negotiate("canned", request.headers.get("accept"), request.query_params.get("format"))
    except NotAcceptable as error:
        return Response(str(error), 406, media_type="text/plain")
    listed = [
        {
            "name": name,
            "url": f"{request.base_url}download/{name}",
            "sha256": file.sha256,
            "media_type": file.media_type,
            "bytes": file.path.stat().st_size,
        }
        for name, file in sorted(resources.files.items())
    ]
    if fmt is HTML:
        return HTMLResponse(templates().get_template("downloads.html").render(files=listed))
    return Response(json.dumps(listed, indent=2), media_type=JSON.media_type)


@router.get("/download/{name}", response_class=Response, summary="One file of the graph")
async def download(name: str, request: Request) -> Response:
    resources = _resources(request)
    if not resources.files:
        return _not_ready(request, resources)
    file = resources.files.get(name)
    if file is None:
        return Response(f"no download named {name!r}; see /download", 404)
    return FileResponse(
        file.path,
        media_type=file.media_type,
        headers={"ETag": f'"{file.sha256}"', "X-Content-SHA256": file.sha256},
    )


@router.get(
    "/ontology",
    response_class=Response,
    summary="The ontology: HTML documentation, or Turtle / RDF/XML / JSON-LD … by Accept",
)
async def ontology(request: Request) -> Response:
    resources = _resources(request)
    try:  # the same representations as an entity's page
        media_type = negotiate("page", request.headers.get("accept")).media_type
    except NotAcceptable as error:
        return Response(str(error), 406, media_type="text/plain")
    body = resources.ontology_pages.get(media_type)
    if body is None:
        graph = resources.graphs.get("ontology")
        body = await asyncio.to_thread(ontology_document, media_type, graph)
        if graph is not None:
            resources.ontology_pages[media_type] = body  # rendering the HTML takes seconds
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})
