"""The project's prefixes as plain IRI strings: one table, read by :mod:`sorakg.loaders.vocab`
(as rdflib namespaces) and by the query workers, which import neither rdflib nor the table
models (about a second of a worker's start on a busy machine)."""

from __future__ import annotations

PREFIX_IRIS = {
    "sk": "https://w3id.org/sorakg/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "bibo": "http://purl.org/ontology/bibo/",
}
