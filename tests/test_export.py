"""The export: every format re-parses to the same triples (rdflib, rapper, Oxigraph), the files are
deterministic and readable, the canonical IRIs are there, and it joins with ChEMBL-shaped RDF."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SKOS
from typer.testing import CliRunner

from sorakg.cli import app
from sorakg.loaders.vocab import SK
from sorakg.pipeline.build import Built
from sorakg.release.default_view import in_default_view
from sorakg.release.export import (
    EXPORTED,
    ExportFile,
    export_files,
    file_name,
    graphs_by_short_name,
    select,
)
from sorakg.settings import Settings
from tests.constants import BASE
from tests.helpers import fast_first

FIXTURES = Path(__file__).parent / "fixtures"
OXIGRAPH = {
    "ttl": pyoxigraph.RdfFormat.TURTLE,
    "nt": pyoxigraph.RdfFormat.N_TRIPLES,
    "nq": pyoxigraph.RdfFormat.N_QUADS,
    "trig": pyoxigraph.RdfFormat.TRIG,
    "jsonld": pyoxigraph.RdfFormat.JSON_LD,
    "rdfxml": pyoxigraph.RdfFormat.RDF_XML,
}
SELECTIONS = ("asserted", "all")


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(reason=False)


@pytest.fixture(scope="session")
def graphs(built: Built, settings: Settings) -> dict[str, Graph]:
    return graphs_by_short_name(settings, built.graphs)


@pytest.fixture(scope="session")
def dist(
    tmp_path_factory: pytest.TempPathFactory, settings: Settings, graphs: dict[str, Graph]
) -> dict[str, ExportFile]:
    folder = tmp_path_factory.mktemp("dist")
    return {f.path.name: f for f in export_files(settings, folder, graphs)}


def _parse_rdflib(path: Path, fmt: str) -> Dataset:
    dataset = Dataset()
    dataset.parse(path, format=EXPORTED[fmt].rdflib)
    return dataset


def _triples(dataset: Dataset) -> Graph:
    union = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def _expected(graphs: dict[str, Graph], which: str, quads: bool = True) -> Graph:
    """What a selection holds; a triple format of several graphs holds their default view."""
    union = Graph()
    selected = select(graphs, which)
    for name, graph in selected.items():
        if quads or len(selected) == 1 or in_default_view(name):
            union += graph
    return union


def test_every_format_of_every_selection_is_written(dist: dict[str, ExportFile]) -> None:
    for which in SELECTIONS:
        for fmt in EXPORTED.values():
            name = file_name(which, fmt)
            assert name in dist, name
            assert dist[name].media_type == fmt.media_type
            assert dist[name].path.stat().st_size > 1000


@pytest.mark.slow  # rdflib or rapper reads every format of the whole graph
@pytest.mark.parametrize("fmt", sorted(EXPORTED))
def test_rdflib_reparses_each_format_to_the_same_triples(
    fmt: str, dist: dict[str, ExportFile], graphs: dict[str, Graph]
) -> None:
    for which in SELECTIONS if fmt == "ttl" else ("all",):
        parsed = _parse_rdflib(dist[file_name(which, EXPORTED[fmt])].path, fmt)
        expected = _expected(graphs, which, EXPORTED[fmt].quads)
        assert isomorphic(_triples(parsed), expected), (which, fmt)


@pytest.mark.slow  # rdflib or rapper reads every format of the whole graph
@pytest.mark.parametrize("fmt", ["nq", "trig", "jsonld"])
def test_quad_formats_keep_the_named_graphs(
    fmt: str, dist: dict[str, ExportFile], graphs: dict[str, Graph]
) -> None:
    parsed = _parse_rdflib(dist[file_name("all", EXPORTED[fmt])].path, fmt)
    names = {str(g.identifier): g for g in parsed.graphs() if len(g)}
    assert sorted(names) == sorted(f"{BASE}graph/{n}" for n in graphs)
    for name, graph in graphs.items():
        assert len(names[f"{BASE}graph/{name}"]) == len(graph)


@pytest.mark.slow  # rdflib or rapper reads every format of the whole graph
@pytest.mark.parametrize("fmt", sorted(f for f in EXPORTED if EXPORTED[f].rapper))
def test_rapper_parses_each_format_to_the_same_triples_as_rdflib(
    fmt: str, dist: dict[str, ExportFile]
) -> None:
    assert shutil.which("rapper"), "rapper missing: 'make setup' installs raptor2-utils"
    path = dist[file_name("all", EXPORTED[fmt])].path
    run = subprocess.run(
        ["rapper", "-q", "-i", str(EXPORTED[fmt].rapper), "-o", "ntriples", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    by_rapper = Graph().parse(data=run.stdout, format="nt")
    by_rdflib = _triples(_parse_rdflib(path, fmt))
    assert len(by_rapper) == len(by_rdflib) > 7000
    assert isomorphic(by_rapper, by_rdflib)


@pytest.fixture(scope="module")
def expected_size(graphs: dict[str, Graph]) -> Callable[[str, bool], int]:
    """How many triples :func:`_expected` holds, each selection's union built once per module."""
    sizes: dict[tuple[str, bool], int] = {}

    def size(which: str, quads: bool) -> int:
        if (which, quads) not in sizes:
            sizes[which, quads] = len(_expected(graphs, which, quads))
        return sizes[which, quads]

    return size


@pytest.mark.parametrize("fmt", sorted(EXPORTED))
def test_oxigraph_parses_each_format_to_the_same_number_of_triples(
    fmt: str, dist: dict[str, ExportFile], expected_size: Callable[[str, bool], int]
) -> None:
    path = dist[file_name("all", EXPORTED[fmt])].path
    quads = list(pyoxigraph.parse(path=str(path), format=OXIGRAPH[fmt]))
    expected = expected_size("all", EXPORTED[fmt].quads)
    assert len({(q.subject, q.predicate, q.object) for q in quads}) == expected


@pytest.fixture(scope="session")
def reordered_dist(
    tmp_path_factory: pytest.TempPathFactory, settings: Settings, graphs: dict[str, Graph]
) -> dict[str, ExportFile]:
    """The same graphs built in the reverse order, exported again."""
    reordered = {}
    for name, graph in graphs.items():
        again = Graph()
        for triple in sorted(graph, key=str, reverse=True):
            again.add(triple)
        reordered[name] = again
    folder = tmp_path_factory.mktemp("reordered")
    return {f.path.name: f for f in export_files(settings, folder, reordered)}


@pytest.mark.slow  # writes the whole graph once more in every format
@pytest.mark.parametrize("fmt", ["ttl", "trig", "jsonld", "rdfxml", "nt", "nq"])
def test_the_same_graph_gives_the_same_bytes_whatever_order_it_was_built_in(
    fmt: str, dist: dict[str, ExportFile], reordered_dist: dict[str, ExportFile]
) -> None:
    for which in ("all", "asserted"):
        name = file_name(which, EXPORTED[fmt])
        written = dist[name].path.read_bytes()
        assert reordered_dist[name].path.read_bytes() == written, name


def test_turtle_is_readable(dist: dict[str, ExportFile]) -> None:
    text = dist["sorakg-asserted.ttl"].path.read_text()
    for prefix in ("sk:", "skos:", "drug:", "molecule:", "chembl.compound:", "uniprot:", "CHEBI:"):
        assert f"@prefix {prefix} " in text, prefix
    # each subject is written once, its statements grouped under it, subjects in the sorted
    # order of the release's N-Triples lines (`<…/tegafur-uracil>` before `<…/tegafur>`)
    starts = [line.split()[0] for line in text.splitlines() if line.startswith("drug:")]
    assert starts == sorted(set(starts), key=lambda curie: f"{curie}>")
    assert "drug:sorafenib" in starts
    assert "skos:exactMatch CHEBI:50924 , chembl.compound:CHEMBL1336" in text


def test_every_confirmed_identifier_carries_its_canonical_iri(dist: dict[str, ExportFile]) -> None:
    from sorakg.loaders.identifiers import read_identifiers
    from tests.constants import DATA

    graph = Graph().parse(dist["sorakg-all.ttl"].path, format="turtle")
    identifiers, problems = read_identifiers(DATA / "identifiers.csv", "identifiers.csv")
    assert problems == [] and len(identifiers) > 100
    canonical = {
        "chembl": "http://rdf.ebi.ac.uk/resource/chembl/molecule/{}",
        "chebi": "http://purl.obolibrary.org/obo/CHEBI_{}",
        "uniprot": "http://purl.uniprot.org/uniprot/{}",
        "go": "http://purl.obolibrary.org/obo/GO_{}",
    }
    checked = 0
    for ident, _ in identifiers:
        node = URIRef(BASE + ident.entity)
        assert (node, SK[f"{ident.scheme}Id"], Literal(ident.value)) in graph
        if ident.scheme in canonical:
            iri = canonical[ident.scheme].format(ident.value.split(":")[-1])
            assert (node, SKOS.exactMatch, URIRef(iri)) in graph, (ident.entity, iri)
            checked += 1
    assert checked >= 60
    trials = list(graph.subject_objects(SK.nctId))
    assert len(trials) == 19
    for trial, nct in trials:
        assert (trial, SKOS.exactMatch, URIRef(f"https://clinicaltrials.gov/study/{nct}")) in graph
    hcc = SK.HepatocellularCarcinoma
    assert (hcc, SKOS.exactMatch, URIRef("http://purl.obolibrary.org/obo/NCIT_C3099")) in graph
    assert (hcc, SKOS.exactMatch, URIRef("http://purl.obolibrary.org/obo/MONDO_0007256")) in graph


def test_no_owl_same_as_anywhere(dist: dict[str, ExportFile]) -> None:
    # our entities are records of what a review says, not the registries' individuals (see
    # docs/export.md); a sameAs would merge ChEMBL's and ChEBI's statements into ours
    assert "owl:sameAs" not in dist["sorakg-all.ttl"].path.read_text()
    assert "sameAs" not in dist["sorakg-all.nt"].path.read_text()


def test_the_export_joins_chembl_shaped_rdf_on_iris(dist: dict[str, ExportFile]) -> None:
    graph = Graph()
    graph.parse(dist["sorakg-asserted.ttl"].path, format="turtle")
    graph.parse(FIXTURES / "chembl_sample.ttl", format="turtle")
    rows = graph.query(
        """
        PREFIX cco: <http://rdf.ebi.ac.uk/terms/chembl#>
        SELECT ?drug ?target ?action WHERE {
          ?drug sk:inhibits ?target ; skos:exactMatch ?molecule .
          ?target skos:exactMatch ?protein .
          ?molecule a cco:SmallMolecule ; cco:hasMechanism ?mechanism .
          ?mechanism cco:mechanismActionType ?action ;
                     cco:hasTarget/cco:hasTargetComponent/skos:exactMatch ?protein .
        }""",
        initNs={"sk": SK, "skos": SKOS},
    )
    assert {(str(d), str(t), str(a)) for d, t, a in rows} == {  # type: ignore[misc]
        (BASE + "drug/sorafenib", BASE + "molecule/braf", "INHIBITOR")
    }


def test_checksums_list_every_file(dist: dict[str, ExportFile]) -> None:
    import hashlib

    sums = dist["SHA256SUMS"].path.read_text().splitlines()
    listed = {line.split("  ")[1]: line.split("  ")[0] for line in sums}
    assert set(listed) == set(dist) - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert (
            hashlib.sha256(dist[name].path.read_bytes()).hexdigest() == digest == dist[name].sha256
        )


def test_cli_exports_one_format_and_reports_a_missing_graph(
    tmp_path: Path, published: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SORAKG_BUILD_DIR", str(published.build_dir))
    out = tmp_path / "facts.ttl"
    runner = CliRunner()
    result = runner.invoke(
        app, ["export", "--format", "ttl", "--graph", "asserted", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    assert len(Graph().parse(out, format="turtle")) > 5000
    missing = runner.invoke(app, ["export", "--format", "nt", "--graph", "inferred"])
    assert missing.exit_code == 3
    assert "no 'inferred' graph" in missing.output
    bad = runner.invoke(app, ["export", "--format", "csv"])
    assert bad.exit_code == 2


def test_void_counts_the_store_as_the_graphs_count(
    graph_file: Path, settings: Settings, graphs: dict[str, Graph]
) -> None:
    """The export counts triples, subjects and links with the store's engine: the same counts
    as the rdflib graphs give."""
    import pyoxigraph as ox

    from sorakg.release.metadata import Counts
    from sorakg.release.store import release_store

    # the store holds the summaries graph beside the build's
    store = ox.Store.read_only(str(release_store(graph_file.parent)))
    assert f"{settings.base_iri}graph/summaries" in {g.value for g in store.named_graphs()}
    counted = Counts.of_store(store, settings, graphs)
    assert counted == Counts.of_graphs(graphs, settings.base_iri)
    assert counted.graphs["asserted"][0] > 5000 and len(counted.links) >= 3


# rdflib reads the asserted graph in each format: Turtle (where a writer could shorten a count
# to a bare integer) in the fast selection, every format in `make test`
@pytest.mark.parametrize("fmt", fast_first(["ttl", *sorted(set(EXPORTED) - {"ttl"})]))
def test_the_downloads_keep_each_literal_as_the_release_states_it(
    fmt: str, dist: dict[str, ExportFile], graphs: dict[str, Graph]
) -> None:
    """The release's xsd:nonNegativeInteger counts stay so in every format (the on-disk store
    would give them as xsd:integer: the downloads are not read from it)."""
    from rdflib.namespace import XSD

    typed = {
        (s, p, o)
        for s, p, o in graphs["asserted"]
        if isinstance(o, Literal) and o.datatype == XSD.nonNegativeInteger
    }
    assert len(typed) > 10
    parsed = _triples(_parse_rdflib(dist[file_name("asserted", EXPORTED[fmt])].path, fmt))
    assert typed <= set(parsed), fmt


def test_a_build_writes_its_downloads_into_the_release(published: Settings) -> None:
    """`sorakg build` leaves the downloads in the release folder with their index, so a
    server serves files and exports nothing; the all-graphs N-Quads are the release's own."""
    from sorakg.release.export import CANONICAL, INDEX, read_index

    release = (published.build_dir / "graph").resolve()
    files = read_index(release / "downloads")
    assert {"sorakg-all.ttl", "sorakg-asserted.jsonld", CANONICAL, "void.ttl"} <= set(files)
    assert (release / "downloads" / INDEX).exists()
    nq = files["sorakg-all.nq"].path.read_bytes()
    assert nq == (release / "sorakg.nq").read_bytes()
    for file in files.values():
        assert file.path.exists() and file.path.stat().st_size > 100, file.path.name
    assert not list(release.glob("downloads/.export-*"))  # the working folder is gone
