"""The sorakg ontology: classes and properties (``sorakg.ttl``), controlled values
(``vocabulary.ttl``) and curated mappings to standard vocabularies (``mappings.csv``)."""

from __future__ import annotations

import csv
from importlib.resources import files
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from sorakg.loaders.vocab import PREFIXES, SK

HERE = Path(str(files(__name__)))
ONTOLOGY_FILES = (HERE / "sorakg.ttl", HERE / "vocabulary.ttl")
MAPPINGS = HERE / "mappings.csv"
_PREDICATES = {"skos:exactMatch", "skos:closeMatch", "skos:broadMatch", "skos:narrowMatch"}


def mapping_triples(path: Path = MAPPINGS) -> list[tuple[URIRef, URIRef, URIRef]]:
    """The curated mappings as SKOS triples; a malformed row raises naming its line."""
    triples = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for record in reader:
            where = f"{path.name}:{reader.line_num}"
            subject, predicate = record["subject"], record["predicate"]
            if not subject.startswith("sk:"):
                raise ValueError(f"{where}: subject: must be an ontology term like sk:Drug")
            if predicate not in _PREDICATES:
                raise ValueError(f"{where}: predicate: must be one of {sorted(_PREDICATES)}")
            if not record["source"].strip():
                raise ValueError(f"{where}: source: say where the mapping was confirmed")
            triples.append((SK[subject[3:]], SKOS[predicate[5:]], URIRef(record["object"])))
    return triples


def ontology_graph() -> Graph:
    """The ontology with its controlled values and mappings, as one graph."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    for path in ONTOLOGY_FILES:
        graph.parse(path, format="turtle")
    for triple in mapping_triples():
        graph.add(triple)
    return graph
