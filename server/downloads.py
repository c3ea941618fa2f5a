"""Downloads of the build (``/download``) and the ontology (``/ontology``).

``sorakg build`` writes every export format, the SSSOM mappings, VoID/DCAT and the ontology
documentation into the release folder (``build/releases/<digest>/downloads/``), streamed from
the release's store (:mod:`sorakg.release.export`); they are served as files. A release
written before that gets them once, from its store, in a child process at low priority (in the
background at ``sorakg serve``; on the first ``/download`` request for a server made by
``create_app`` alone); until then ``/download/…`` answers 503 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse

from sorakg.children import die_with_parent
from sorakg.formats import HTML, NotAcceptable, negotiate
from sorakg.release.files import DOWNLOADS, INDEX, read_index
from sorakg.settings import Settings

from .backend import served_root
from .page import templates
from .resources import Resources
from .resources import ontology as ontology_graph
from .worker import limit_memory

router = APIRouter()
log = logging.getLogger(__name__)


def export_release(release: Path, settings: Settings) -> None:
    """Export ``release`` into its ``downloads/`` folder unless done (blocking): a release
    built by ``sorakg build`` has them already; an older one gets them from its own files. A
    failed export (a full disk) leaves no partial files filling the disk."""
    from sorakg.release.export import export_files

    folder = release / DOWNLOADS
    if (folder / INDEX).exists():
        return
    staging = folder.with_name(".downloads-staging")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        export_files(settings, staging, release=release)
        staging.rename(folder)  # a half-written export is never served
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


# what the export needs of the settings, passed to the export process (never the update token)
EXPORT_SETTINGS = {"base_iri", "data_dir", "build_dir", "reason", "export_memory_mb"}


def write_downloads(resources: Resources, settings: Settings) -> None:
    """Find the release's downloads, or export them into its ``downloads/`` folder once
    (blocking: run it in a thread). The export streams from the store in bounded memory, in a
    child process at low priority, so the questions keep the CPU."""
    assert resources.release is not None and resources.folder is not None
    try:
        if not (resources.folder / INDEX).exists():
            _export_in_child(resources.release, settings)
        resources.files = read_index(resources.folder)
    except Exception as error:  # reported at /download; the server keeps answering queries
        log.exception("preparing downloads failed")
        resources.failed = f"{type(error).__name__}: {error}"


def in_background(nice: int = 19) -> Callable[[], None]:
    """A ``preexec_fn`` for the export process: it dies with the server, and runs at CPU
    priority ``nice`` (the setting ``export_nice``; at 19, against one query at nice 0 it gets
    about 1.5 % of a core), so the downloads do not compete with the questions. Not
    ``SCHED_IDLE``: on a machine that is never idle the downloads would never come."""
    tie = die_with_parent()

    def lower() -> None:  # pragma: no cover - runs in the forked child
        if tie is not None:
            tie()
        os.nice(max(0, nice - os.nice(0)))

    return lower


def _export_in_child(release: Path, settings: Settings) -> None:
    passed = settings.model_dump_json(include=EXPORT_SETTINGS)
    command = [sys.executable, "-m", "sorakg.server.downloads", str(release), passed]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=in_background(settings.export_nice),
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        why = lines[-1]
        if done.returncode < 0 and settings.export_memory_mb:
            # native code (the store's) aborts where Python would raise MemoryError
            why += (
                f" (stopped by signal {-done.returncode}: most likely past its memory ceiling, "
                f"setting export_memory_mb = {settings.export_memory_mb} MB)"
            )
        raise RuntimeError(f"the export process failed: {why}")


async def start(resources: Resources, settings: Settings, downloads: bool) -> None:
    """Write the downloads in the background if ``downloads`` (and not yet written for this
    release), else on the first request for them (tests and short-lived servers never pay)."""
    if resources.release is not None and downloads:
        _export_in_background(resources, settings)


def _export_in_background(resources: Resources, settings: Settings) -> None:
    if resources.exporting is None:
        resources.exporting = asyncio.create_task(
            asyncio.to_thread(write_downloads, resources, settings)
        )


VOID_FILE = "void.ttl"  # the export's VoID + DCAT description, written at build


def served_void(
    resources: Resources, settings: Settings, root: str, fmt: ox.RdfFormat
) -> bytes | None:
    """The VoID + DCAT description the build wrote (``downloads/void.ttl``: counts, linksets and
    files, a few kB whatever the graph's size), with this server's SPARQL endpoint and download
    URLs, and the files written after it (the checksums); None until the export has written it.
    Nothing reads the release's graphs."""
    from rdflib import VOID, Graph, URIRef

    from sorakg.release.metadata import PREFIXES as VOID_PREFIXES
    from sorakg.release.metadata import add_distribution

    folder = resources.folder
    if folder is None or not (folder / VOID_FILE).is_file():
        return None
    built = Graph().parse(folder / VOID_FILE, format="turtle")
    old, new = f"{settings.base_iri}download/", f"{root}download/"

    def served(term: object) -> object:
        text = str(term)
        return (
            URIRef(new + text[len(old) :])
            if isinstance(term, URIRef) and text.startswith(old)
            else term
        )

    graph = Graph()
    for s, p, o in built:
        graph.add((served(s), p, served(o)))  # type: ignore[arg-type]
    dataset = URIRef(f"{settings.base_iri}dataset")
    for file in resources.files.values():
        if (URIRef(new + file.path.name), None, None) not in graph:
            add_distribution(graph, dataset, file, new)
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(f"{root}sparql")))
    triples = ox.parse(
        graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES
    )
    return ox.serialize([q.triple for q in triples], format=fmt, prefixes=VOID_PREFIXES) or b""


def _resources(request: Request) -> Resources:
    return request.app.state.resources  # type: ignore[no-any-return]


def _gone(resources: Resources) -> Response:
    return Response(
        f"the release being served ({resources.release}) was deleted from disk; "
        "restart the server to serve the current build",
        410,
        media_type="text/plain",
    )


def _not_ready(request: Request, resources: Resources) -> Response:
    if resources.release is None:
        return Response("downloads are served from the embedded store only", 404)
    if not resources.release.exists():
        return _gone(resources)
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
            "url": f"{served_root(request)}download/{name}",
            "sha256": file.sha256,
            "media_type": file.media_type,
            "bytes": file.path.stat().st_size,
        }
        for name, file in sorted(resources.files.items())
    ]
    if fmt is HTML:
        return HTMLResponse(templates().get_template("downloads.html").render(files=listed))
    # a listing, not query results: plain JSON (JSON.media_type is SPARQL results JSON)
    return Response(json.dumps(listed, indent=2), media_type="application/json")


@router.get("/download/{name}", response_class=Response, summary="One file of the graph")
async def download(name: str, request: Request) -> Response:
    resources = _resources(request)
    if not resources.files:
        return _not_ready(request, resources)
    file = resources.files.get(name)
    if file is None:
        return Response(f"no download named {name!r}; see /download", 404)
    if not file.path.exists():
        return _gone(resources)
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
        fmt = negotiate("page", request.headers.get("accept"))
    except NotAcceptable as error:
        return Response(str(error), 406, media_type="text/plain")
    body = resources.ontology_pages.get(fmt.name)
    if body is None:
        from sorakg.release.ontodocs import ontology_document

        # the ontology graph alone, from the on-disk store (not the whole release)
        graph = await ontology_graph(resources, request.app.state.settings)
        body = await asyncio.to_thread(ontology_document, fmt, graph)
        if graph is not None:
            resources.ontology_pages[fmt.name] = body  # rendering the HTML takes seconds
    return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept"})


def _export_main(release: Path, settings: Settings) -> None:
    """The export process: the release's downloads under a memory ceiling (the address space
    at start plus ``export_memory_mb``); past it, one line saying what to change."""
    if settings.export_memory_mb:
        limit_memory(settings.export_memory_mb)
    try:
        export_release(release, settings)
    except MemoryError:
        sys.exit(
            f"the export needed more than {settings.export_memory_mb} MB of memory (setting "
            "export_memory_mb); the release's N-Quads file is sorakg.nq in its folder"
        )


if __name__ == "__main__":  # the export process of write_downloads: RELEASE SETTINGS_JSON
    _export_main(Path(sys.argv[1]), Settings(**json.loads(sys.argv[2])))
