"""The project's one prefix table: every prefix any file, page, query or answer of the project
writes, with its namespace IRI, as plain strings.

Each surface takes the rows it writes by name (:func:`prefixes`), so no namespace is typed twice
and a document never binds a name to another IRI than its neighbour does. Plain strings, no
imports: the query workers (no rdflib, no table models: about a second of a worker's start on a
busy machine) and the shared modules below the loaders read it too.
"""

from __future__ import annotations

# The base of the entity IRIs and of the release's graphs (``{base}graph/asserted`` …) unless the
# setting ``base_iri`` says otherwise; the query library names graphs under it.
DEFAULT_BASE = "https://w3id.org/sorakg/"

TABLE = {
    # the graph's own vocabulary and the ones its facts use
    "sk": "https://w3id.org/sorakg/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "bibo": "http://purl.org/ontology/bibo/",
    # describing the dataset and the service: VoID, DCAT, the SPARQL service description
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "formats": "http://www.w3.org/ns/formats/",
    # the SSSOM mapping set's justifications
    "semapv": "https://w3id.org/semapv/vocab/",
    # the counts the build derives per entity and per statement, for the entity pages and the
    # named questions (sorakg/release/summaries.py's docstring lists the terms)
    "sks": "https://w3id.org/sorakg/summary#",
}

# The graph's prefixes: bound in every file of a release, declared for a query that uses one
# without declaring it, and accepted in a CURIE a user types.
GRAPH = ("sk", "rdf", "rdfs", "owl", "xsd", "skos", "dcterms", "prov", "bibo")


def prefixes(*names: str) -> dict[str, str]:
    """The table's rows for ``names``, in that order (a ``KeyError`` names an unknown one)."""
    return {name: TABLE[name] for name in names}


PREFIX_IRIS = prefixes(*GRAPH)
