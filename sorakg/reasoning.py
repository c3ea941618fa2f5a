"""Consistency checking with HermiT through owlready2.

The graph is handed to owlready2 as N-Triples; HermiT then classifies it. An inconsistent
graph, or a class that can have no members, is reported by name.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from rdflib import Graph


class InconsistentOntology(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def check_consistency(graph: Graph) -> None:
    """Raise :class:`InconsistentOntology` if HermiT finds the graph inconsistent or any named
    class unsatisfiable."""
    import owlready2

    world = owlready2.World()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graph.nt"
        graph.serialize(path, format="nt")
        onto = world.get_ontology(path.as_uri()).load(format="ntriples")
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as error:
            raise InconsistentOntology(
                [f"HermiT: the ontology and facts are inconsistent ({error})"]
            ) from error
    unsatisfiable = sorted(
        c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing
    )
    if unsatisfiable:
        raise InconsistentOntology(
            [f"HermiT: class {iri} can have no members" for iri in unsatisfiable]
        )
