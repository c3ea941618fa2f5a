"""Canned queries, downloads, the ontology and explanations on the endpoint."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, Graph, URIRef

from sorakg.pipeline.build import Built
from sorakg.server.app import create_app
from sorakg.server.execute import Job, Reply
from sorakg.server.pool import WorkerPool
from sorakg.settings import Settings
from sorakg.sparql import catalogue
from sorakg.sparql.bindings import with_values
from tests.files import write_graph
from tests.helpers import app_client, wait_for_downloads


@pytest.fixture(scope="module")
def client(reasoned_graph_file: Path) -> Iterator[TestClient]:
    settings = Settings(export_nice=0)  # the tests wait for the downloads
    with app_client(reasoned_graph_file, settings) as test_client:
        yield test_client


def test_queries_are_listed(client: TestClient) -> None:
    listed = client.get("/queries", headers={"Accept": "application/json"}).json()
    assert {q["name"] for q in listed} == {q.name for q in catalogue.list_queries()}
    html = client.get("/queries", headers={"Accept": "text/html"}).text
    assert 'href="/queries/resistance-reversals"' in html


def test_canned_query_as_csv_with_a_parameter(client: TestClient) -> None:
    # Table 1, doxorubicin plus sorafenib: median TTP 6.4 vs 2.8 mo, OS 13.7 vs 6.5 mo
    name = _query_with_parameter("trial")
    response = client.get(
        f"/queries/{name}", params={"trial": "trial:ref50-doxorubicin-sorafenib", "format": "csv"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows
    values = {cell for row in rows for cell in row.values()}
    assert {"6.4", "2.8", "13.7", "6.5"} <= values


def _query_with_parameter(param: str) -> str:
    for query in catalogue.list_queries():
        if any(p.name == param and p.kind == "iri" for p in query.parameters) and (
            "outcome" in query.name
        ):
            return query.name
    raise AssertionError(f"no outcome query takes a '{param}' parameter")


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("tsv", "text/tab-separated-values"),
        ("csv", "text/csv"),
    ],
)
def test_canned_query_in_every_format(client: TestClient, fmt: str, media_type: str) -> None:
    response = client.get("/queries/drug-actions", params={"format": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)


def test_canned_query_page_for_browsers(client: TestClient) -> None:
    response = client.get("/queries/drug-actions", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "<table" in response.text and "rows</h2>" in response.text
    assert 'href="/drug/sorafenib"' in response.text  # results link to the local pages


def test_canned_query_errors(client: TestClient) -> None:
    assert client.get("/queries/no-such-query").status_code == 404
    bad = client.get("/queries/drug-actions", params={"nonsense": "1", "format": "json"})
    assert bad.status_code == 400
    assert "no parameter 'nonsense'" in bad.text


def test_a_crafted_argument_stays_one_term(client: TestClient) -> None:
    # An IRI argument that tries to close the IRI and add a pattern is refused, not pasted.
    name = _query_with_parameter("trial")
    crafted = "http://x/> } UNION { ?s ?p ?o"
    response = client.get(f"/queries/{name}", params={"trial": crafted, "format": "json"})
    assert response.status_code == 400


@pytest.mark.slow
def test_downloads_with_hashes(client: TestClient) -> None:
    listed = wait_for_downloads(client)
    names = {str(f["name"]) for f in listed}
    assert {"sorakg-all.ttl", "sorakg-asserted.nt", "sorakg.sssom.tsv", "void.ttl"} <= names
    turtle = next(f for f in listed if f["name"] == "sorakg-all.ttl")
    response = client.get("/download/sorakg-all.ttl")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == turtle["sha256"]
    assert response.headers["etag"] == f'"{turtle["sha256"]}"'
    assert len(Graph().parse(data=response.text, format="turtle")) > 5000
    assert client.get("/download/missing.ttl").status_code == 404


@pytest.mark.slow
def test_ontology_by_content_negotiation(client: TestClient) -> None:
    wait_for_downloads(client)  # the graphs are loaded by then
    html = client.get("/ontology", headers={"Accept": "text/html"})
    assert html.status_code == 200 and "VEGFR inhibitor" in html.text
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert len(graph) > 1000
    assert client.get("/ontology", headers={"Accept": "image/png"}).status_code == 406


def test_entity_page_explains_inferred_classes(client: TestClient) -> None:
    # the explainer is read on the page's first request: no export to wait for
    html = client.get("/drug/sunitinib", headers={"Accept": "text/html"}).text
    assert "Why these inferences" in html
    assert "is a VEGFR inhibitor, defined as small-molecule drug ⊓ ∃inhibits" in html


def test_sparql_sees_the_inferred_class_members(client: TestClient) -> None:
    # "sunitinib ... inhibits VEGFR": a VEGFR inhibitor by the class definition, never stated.
    query = "SELECT ?d WHERE { ?d a <https://w3id.org/sorakg/ontology#VEGFRInhibitor> }"
    rows = client.get("/sparql", params={"query": query, "format": "json"}).json()
    members = {b["d"]["value"].rsplit("/", 1)[-1] for b in rows["results"]["bindings"]}
    assert {"sorafenib", "sunitinib", "brivanib"} <= members
    asserted_only = client.get(
        "/sparql",
        params={
            "query": query,
            "default-graph-uri": "https://w3id.org/sorakg/graph/asserted",
            "format": "json",
        },
    ).json()
    assert asserted_only["results"]["bindings"] == []


@pytest.mark.slow  # lists the export's files: waits for the whole export
def test_void_is_the_export_description_with_this_server(client: TestClient) -> None:
    wait_for_downloads(client)
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.text, format="turtle")
    void, dcat = "http://rdfs.org/ns/void#", "http://www.w3.org/ns/dcat#"
    endpoints = {str(o) for o in graph.objects(None, URIRef(void + "sparqlEndpoint"))}
    root = Settings().served_root()  # public_url's default; never the request's Host header
    assert endpoints == {f"{root}sparql"}
    linksets = set(graph.subjects(RDF.type, URIRef(void + "Linkset")))
    assert len(linksets) >= 3  # ChEMBL, ClinicalTrials.gov, UniProt …
    downloads = {str(o) for o in graph.objects(None, URIRef(dcat + "downloadURL"))}
    assert f"{root}download/sorakg-all.ttl" in downloads


@pytest.mark.slow  # waits for the export, whose VoID the server serves
def test_void_reads_no_graph_of_the_release(reasoned_graph_file: Path, built: Built) -> None:
    """VoID is the description the build wrote (counts, linksets, files) with this server's
    URLs: its first request reads none of the release's graphs into rdflib (at 1M quads that
    was minutes and gigabytes on the first request)."""
    with app_client(reasoned_graph_file, Settings(export_nice=0)) as client:
        listed = wait_for_downloads(client)
        response = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
        assert client.app.state.resources.graphs == {}  # type: ignore[attr-defined]
    triples = list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
    void, dcat = "http://rdfs.org/ns/void#", "http://www.w3.org/ns/dcat#"
    counts = {int(t.object.value) for t in triples if t.predicate.value == void + "triples"}
    assert set(map(len, built.graphs.values())) <= counts  # each graph's, as the build counted
    root = Settings().served_root()
    downloads = {t.object.value for t in triples if t.predicate.value == dcat + "downloadURL"}
    assert downloads == {f"{root}download/{f['name']}" for f in listed}  # the checksums too
    assert any(t.predicate.value == void + "sparqlEndpoint" for t in triples)


def test_entity_page_explains_inferred_relations(client: TestClient) -> None:
    # the explainer is read on the page's first request: no export to wait for
    html = client.get("/drug/sorafenib", headers={"Accept": "text/html"}).text
    assert "targets pathway ⊒ inhibits ∘ member of pathway" in html


TRIAL = "https://w3id.org/sorakg/trial/"


class _Recording:
    """A backend that keeps every job it is sent, then answers it with the pool."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool
        self.jobs: list[Job] = []

    async def start(self) -> None:
        await self.pool.start()

    async def close(self) -> None:
        await self.pool.close()

    async def run(self, job: Job) -> Reply:
        self.jobs.append(job)
        return await self.pool.run(job)

    async def update(self, job: Job) -> Reply:
        return await self.pool.update(job)


def test_parameters_are_bound_once_in_the_web_process(reasoned_graph_file: Path) -> None:
    """A named query reaches the worker as one text: its parameters already written in (a
    VALUES block), its '#+' header gone, so the worker has nothing to bind and lexes nothing,
    and answers it without loading the query library."""
    graph = reasoned_graph_file
    backend = _Recording(WorkerPool(graph, size=1, inline_rows=0))
    with TestClient(create_app(Settings(), backend)) as client:  # type: ignore[arg-type]
        rows = list(csv.DictReader(io.StringIO(client.get(
            "/queries/trial-arms", params={"trial": "trial:NCT00988741", "format": "csv"}
        ).text)))  # fmt: skip
    assert rows and {row["trial"] for row in rows} == {f"{TRIAL}NCT00988741"}
    (job,) = [job for job in backend.jobs if "sk:hasArm" in job.text]  # the other: names
    assert f"VALUES (?trial) {{ (<{TRIAL}NCT00988741>) }}" in job.text
    assert "#+" not in job.text and job.text.isascii()
    assert _answered_without_the_query_library(job, graph) == len(rows)
    assert job.text == with_values(
        catalogue.load_query("trial-arms").sparql,
        {ox.Variable("trial"): ox.NamedNode(TRIAL + "NCT00988741")},
    )


def _answered_without_the_query_library(job: Job, graph: Path) -> int:
    """The rows a worker answers ``job`` with, in a fresh process, asserting that it never
    loaded the query library (0.12 s of imports a fresh worker, one replacing a worker killed
    at a timeout included, paid on its first named query)."""
    probe = f"""
import base64, json, pickle, sys, pyoxigraph as ox
from sorakg.server.worker import answer
store = ox.Store()
store.bulk_load(path={str(graph)!r}, format=ox.RdfFormat.N_QUADS)
job = pickle.loads(base64.b64decode({base64.b64encode(pickle.dumps(job)).decode()!r}))
reply = answer(store, job, 0)
print(json.dumps([reply.status, reply.body.decode(),
                  sorted(m for m in sys.modules if m.startswith("sorakg.sparql.catalogue"))]))
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    status, body, loaded = json.loads(out.stdout)
    assert status == 200 and loaded == []
    return len(list(csv.DictReader(io.StringIO(body))))


def test_the_download_export_runs_at_the_lowest_priority() -> None:
    """The export child runs at the lowest CPU priority (nice 19)."""
    from sorakg.server.downloads import in_background

    probe = "import os; print(os.nice(0))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, preexec_fn=in_background(19))  # fmt: skip
    assert int(out.stdout) == 19


def test_an_export_over_its_memory_stops_with_a_message(reasoned: Built, tmp_path: Path) -> None:
    """Past export_memory_mb the export process stops: one line naming the setting, and no
    partial downloads folder is left to be served."""
    from sorakg.server.downloads import _export_in_child

    write_graph(reasoned, tmp_path)
    # nice 0: at the default nice 19 the child waits for the CPU on a busy machine
    settings = Settings(export_memory_mb=1, export_nice=0, build_dir=tmp_path / "build")
    with pytest.raises(RuntimeError, match="export_memory_mb"):
        _export_in_child(tmp_path, settings)
    assert not (tmp_path / "downloads").exists()


OTHER_BASE = "http://example.org/kg/"
# the named queries that name a graph of the release by its IRI
GRAPH_QUERIES = ("disputed-statements", "disputed-inferences", "facts-without-evidence")


@pytest.fixture(scope="module")
def other_base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, URIRef, URIRef, URIRef]:
    """The project's graph built and reasoned under another base IRI, its graphs named under
    it too, with one stated fact that no evidence record points at; and that fact."""
    from sorakg.loaders.evidence import Minter
    from sorakg.pipeline.build import assemble, inferred_layers

    built = assemble(Settings(reason=False, base_iri=OTHER_BASE))
    minter = Minter(OTHER_BASE)
    asserted = built.graph("asserted")
    inhibits = URIRef("https://w3id.org/sorakg/ontology#inhibits")
    subject = next(s for s, _ in asserted.subject_objects(inhibits))
    unsupported = (URIRef(str(subject)), inhibits, minter("gene", "unevidenced"))
    asserted.add(unsupported)
    graphs = dict(built.graphs)
    layers = inferred_layers(built.graph("ontology"), asserted, built.graph("disputed"))
    graphs.update({minter.graph(name): graph for name, graph in layers.items()})
    return write_graph(Built(graphs), tmp_path_factory.mktemp("other-base")), *unsupported


@pytest.mark.parametrize("name", GRAPH_QUERIES)
def test_named_queries_read_the_graphs_of_the_configured_base(
    name: str, other_base: tuple[Path, URIRef, URIRef, URIRef], client: TestClient
) -> None:
    """A release built under another base IRI names its graphs under it: a named query that
    names a graph reads that release's graph, and answers as the default base's release does."""
    graph_file, *unsupported = other_base
    settings = Settings(base_iri=OTHER_BASE, export_nice=0)
    with app_client(graph_file, settings) as other:
        answer = other.get(f"/queries/{name}", params={"format": "json"})
    assert answer.status_code == 200, answer.text
    found = answer.json()["results"]["bindings"]
    subjects = {row["subject"]["value"] for row in found}
    assert all(subject.startswith(OTHER_BASE) for subject in subjects)
    default = client.get(f"/queries/{name}", params={"format": "json"}).json()
    if name != "facts-without-evidence":
        assert found and len(found) == len(default["results"]["bindings"])
        return
    assert default["results"]["bindings"] == []  # the project's own facts all have evidence
    assert [(row["subject"]["value"], row["object"]["value"]) for row in found] == [
        (str(unsupported[0]), str(unsupported[2]))
    ]
