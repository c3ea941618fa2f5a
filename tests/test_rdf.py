"""The loader's RDF: IRIs, direct triples with their evidence, identifiers, controlled terms."""

from __future__ import annotations

import re
from enum import Enum

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from sorakg.loaders.rdf import facts_graph
from sorakg.loaders.read import read_sources
from sorakg.loaders.vocab import SK, TERMS
from sorakg.ontology import ontology_graph
from tests.constants import BASE, DATA, PUB, REVIEW

SORAFENIB = URIRef(BASE + "drug/sorafenib")


def test_direct_triple_and_its_evidence(facts: Graph) -> None:
    vegfr = URIRef(BASE + "molecule/vegfr")
    assert (SORAFENIB, SK.inhibits, vegfr) in facts
    rows = list(
        facts.query(
            """SELECT ?quote ?n ?row WHERE {
                 ?e sk:evidenceFor ?d ; sk:statementPredicate sk:inhibits ; sk:statementObject ?t ;
                    sk:quote ?quote ; sk:cites/sk:referenceNumber ?n ; sk:sourceRow ?row }""",
            initNs={"sk": SK},
            initBindings={"d": SORAFENIB, "t": vegfr},
        )
    )
    assert len(rows) == 1
    quote, number, row = rows[0]
    assert "vascular endothelial growth factor receptor (VEGFR)" in str(quote)
    assert int(number) == 3
    assert re.fullmatch(rf"loaders/data/{PUB}/drug_actions\.csv:\d+", str(row))


def test_what_sorafenib_inhibits(facts: Graph) -> None:
    targets = {str(o).removeprefix(BASE) for o in facts.objects(SORAFENIB, SK.inhibits)}
    assert {
        "molecule/raf1",
        "molecule/braf",
        "molecule/vegfr",
        "molecule/pdgfr",
        "molecule/ret",
        "molecule/kit",
    } <= targets


def test_every_nct_id_of_the_review_links_to_clinicaltrials_gov(facts: Graph) -> None:
    ids = set(re.findall(r"NCT\d{8}", REVIEW.read_text()))
    assert len(ids) == 19  # Table 2 lists 16; the text adds NCT00901901, NCT00988741, NCT01840592
    for nct in ids:
        trial = URIRef(BASE + f"trial/{nct}")
        assert (trial, SK.nctId, Literal(nct)) in facts
        assert (trial, SKOS.exactMatch, URIRef(f"https://clinicaltrials.gov/study/{nct}")) in facts


def test_base_iri_is_configurable() -> None:
    graph = facts_graph(read_sources(DATA), "http://example.org/kg/")
    assert (URIRef("http://example.org/kg/drug/sorafenib"), RDF.type, SK.Drug) in graph
    assert not any(str(s).startswith(BASE) for s in graph.subjects())


def test_identifiers_become_literals_and_canonical_iris(facts: Graph) -> None:
    chembl = facts.value(SORAFENIB, SK.chemblId)
    assert chembl is not None and re.fullmatch(r"CHEMBL\d+", str(chembl))
    assert (
        SORAFENIB,
        SKOS.exactMatch,
        URIRef(f"http://rdf.ebi.ac.uk/resource/chembl/molecule/{chembl}"),
    ) in facts
    kit = URIRef(BASE + "molecule/kit")
    accession = facts.value(kit, SK.uniprotId)
    assert accession is not None
    assert (kit, SKOS.exactMatch, URIRef(f"http://purl.uniprot.org/uniprot/{accession}")) in facts


def test_every_controlled_value_maps_to_a_declared_term() -> None:
    declared = {str(s) for s in ontology_graph().subjects()}
    for enum, names in TERMS.items():
        assert issubclass(enum, Enum)
        assert {e.value for e in enum} == set(names), f"{enum.__name__} values and terms differ"
        for local in names.values():
            assert str(SK[local]) in declared, (
                f"{enum.__name__} → sk:{local} is not in the ontology"
            )


def test_every_ontology_term_the_facts_use_is_declared(facts: Graph) -> None:
    declared = {str(s) for s in ontology_graph().subjects()}
    used = {str(t) for triple in facts for t in triple if str(t).startswith(str(SK))}
    assert used - declared == set()
