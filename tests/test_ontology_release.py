"""The ontology release: sorakg.owl and sorakg.ttl with their header, OWL 2 DL by the OWL API's
profile checker (with and without the data), parsed by py-horned-owl and pronto."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from datetime import date
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, XSD

from sorakg.formats import RDFXML
from sorakg.loaders.vocab import ONTOLOGY_IRI
from sorakg.pipeline.build import Built
from sorakg.release.export import graphs_by_short_name, prepare, serialize
from sorakg.release.ontorelease import (
    Release,
    ReleaseError,
    ontology_files,
    read_releases,
    release_graph,
    version_iri,
)
from sorakg.settings import PROJECT_ROOT, Settings

SETTINGS = Settings(reason=False)
UNDECLARED = """@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/o> a owl:Ontology .
<https://example.org/A> a owl:Class ; rdfs:subClassOf <https://example.org/Undeclared> .
"""


@pytest.fixture(scope="module")
def release(built: Built, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The release files, and an ontology that uses a class it does not declare, written where
    the Java checker can read them."""
    folder = tmp_path_factory.mktemp("release")
    graphs = graphs_by_short_name(SETTINGS, built.graphs)
    paths = {}
    for name, text in ontology_files(graphs["ontology"], SETTINGS).items():
        paths[name] = folder / name
        paths[name].write_text(text, encoding="utf-8")
    paths["broken"] = folder / "undeclared.ttl"
    paths["broken"].write_text(UNDECLARED)
    return paths


@pytest.fixture(scope="module")
def with_data(reasoned: Built, release: dict[str, Path]) -> dict[str, Path]:
    """The release files and ``with-data``: every graph of the build as RDF/XML (seconds of
    rdflib, for the Java checker alone)."""
    graphs = prepare(graphs_by_short_name(SETTINGS, reasoned.graphs))
    path = release["sorakg.owl"].parent / "sorakg-all.rdf"
    path.write_text(serialize(graphs, RDFXML, SETTINGS))
    return {**release, "with-data": path}


def test_the_release_header(release: dict[str, Path]) -> None:
    first = read_releases()[0]
    for name, fmt in (("sorakg.owl", "xml"), ("sorakg.ttl", "turtle")):
        g = Graph().parse(release[name], format=fmt)
        o = ONTOLOGY_IRI
        assert g.value(o, OWL.versionIRI) == URIRef(
            "https://w3id.org/sorakg/ontology/releases/0.1.0/sorakg.owl"
        )
        assert g.value(o, OWL.versionInfo) == Literal("0.1.0")
        assert g.value(o, DCTERMS.creator) == Literal("The sorakg project")
        assert g.value(o, DCTERMS.issued) == Literal(first.date, datatype=XSD.date)
        assert g.value(o, DCTERMS.modified) == Literal(first.date, datatype=XSD.date)
        assert g.value(o, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
        assert g.value(o, OWL.priorVersion) is None  # the first release has none


def test_a_later_release_points_at_the_one_before(built: Built) -> None:
    ontology = built.graph("ontology")
    releases = [Release("0.1.0", date(2026, 11, 30)), Release("0.2.0", date(2027, 3, 1))]
    g = release_graph(ontology, "0.2.0", releases)
    assert g.value(ONTOLOGY_IRI, OWL.priorVersion) == version_iri("0.1.0")
    assert g.value(ONTOLOGY_IRI, OWL.versionIRI) == version_iri("0.2.0")
    assert g.value(ONTOLOGY_IRI, DCTERMS.issued) == Literal(date(2026, 11, 30), datatype=XSD.date)
    assert g.value(ONTOLOGY_IRI, DCTERMS.modified) == Literal(date(2027, 3, 1), datatype=XSD.date)
    with pytest.raises(ReleaseError, match=r"lists no release 0\.3\.0 .*add it"):
        release_graph(ontology, "0.3.0", releases)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[release]]\nversion = "1.0"\ndate = 2026-01-01\n', r"release 1: version must be"),
        ('[[release]]\nversion = "1.0.0"\ndate = "soon"\n', r"release 1: date must be"),
        (
            '[[release]]\nversion = "1.0.0"\ndate = 2026-02-01\n'
            '[[release]]\nversion = "1.1.0"\ndate = 2026-01-01\n',
            r"release 2: .*oldest first",
        ),
        ("", r"no \[\[release\]\] entries"),
    ],
)
def test_a_bad_release_table_is_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "releases.toml"
    path.write_text(text)
    with pytest.raises(ReleaseError, match=message):
        read_releases(path)


def test_the_changelog_has_a_section_per_release() -> None:
    changelog = (PROJECT_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", changelog, re.M)
    recorded = [(r.version, r.date.isoformat()) for r in reversed(read_releases())]
    assert sections == recorded  # newest first in the changelog, oldest first in the table


@pytest.mark.java
def test_owl2_dl_by_the_owl_api(with_data: dict[str, Path]) -> None:
    """The OWL API's profile checker (independent of rdflib and owlready2) on the release in both
    syntaxes and on the ontology with all its data; a file with an undeclared class shows the
    checker is not silent."""
    files = [with_data[k] for k in ("sorakg.owl", "sorakg.ttl", "with-data", "broken")]
    done = subprocess.run(
        [sys.executable, "-m", "tests.owlprofile", *map(str, files)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    violations = json.loads(done.stdout)
    assert violations[str(with_data["sorakg.owl"])] == []
    assert violations[str(with_data["sorakg.ttl"])] == []
    assert violations[str(with_data["with-data"])] == []
    assert any("Use of undeclared class" in v for v in violations[str(with_data["broken"])])


def test_py_horned_owl_parses_the_release(release: dict[str, Path]) -> None:
    import pyhornedowl

    for name in ("sorakg.owl", "sorakg.ttl"):
        ontology = pyhornedowl.open_ontology(str(release[name]))
        assert str(ontology.get_version_iri()) == str(version_iri("0.1.0"))
        assert len(ontology.get_classes()) > 100


def test_pronto_reads_the_release(release: dict[str, Path]) -> None:
    import pronto

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pronto warns about every non-OBO annotation
        ontology = pronto.Ontology(str(release["sorakg.owl"]))
    assert ontology.metadata.ontology == str(ONTOLOGY_IRI)
    assert ontology[f"{ONTOLOGY_IRI}#Drug"].name == "drug"
    assert len(list(ontology.terms())) > 100
