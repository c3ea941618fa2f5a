"""The project's namespaces and the prefixes every file, query and page binds: one table.

Kept apart from the loaders' table models, so a query worker gets the prefixes without
importing pydantic and the models.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

SK = Namespace("https://w3id.org/sorakg/ontology#")
ONTOLOGY_IRI = URIRef("https://w3id.org/sorakg/ontology")
DEFAULT_BASE = "https://w3id.org/sorakg/"

PREFIXES = {
    "sk": SK,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
}
