"""Compare the reasoners on the project's graph and on synthetic copies of it (run on demand).

    .venv/bin/python -m benchmarks.reasoners [--copies 1 4 10]   (also run by make bench)

For each size, wall time of: owlrl (OWL 2 RL in pure Python, the reference), the build's engine
(`reasonable`, Rust, plus the property chains it lacks; see sorakg/pipeline/reasoning.py), raw
`reasonable` on the full input (to show what it gets wrong), HermiT (owlready2; the build's
consistency check) and Pellet (owlready2, with a Java ≥ 21 when the machine has one). Then
the inferences each finds and the differences. The synthetic graph repeats the entity facts
under renamed IRIs: the same shape at N times the size, as if N papers of this kind had been
curated.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from sorakg.loaders.vocab import SK
from sorakg.pipeline.build import assemble
from sorakg.pipeline.reasoning import (
    _worth_keeping,
    check_consistency,
    materialize,
    reasoning_input,
)
from sorakg.settings import Settings

BASE = "https://w3id.org/sorakg/"


def scaled(facts: Graph, copies: int) -> Graph:
    out = Graph()
    for i in range(copies):
        for s, p, o in facts:
            out.add((_rename(s, i), p, _rename(o, i)))
    return out


def _rename(node: object, i: int) -> object:
    text = str(node)
    if i and isinstance(node, URIRef) and text.startswith(BASE) and not text.startswith(str(SK)):
        return URIRef(f"{node}-copy{i}")
    return node


def timed(run: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def raw_reasonable_same_as(graph: Graph) -> int:
    import reasonable

    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(graph)
    return sum(1 for s, p, o in reasoner.reason() if p == OWL.sameAs and s != o)


def newer_java() -> str | None:
    """A Java ≥ 21 for Pellet (owlready2's Pellet fails on Java 17), if this machine has one."""
    for candidate in sorted(Path("/usr/lib/jvm").glob("*"), reverse=True):
        java = candidate / "bin" / "java"
        match = re.search(r"(\d+)", candidate.name)
        if java.exists() and match and int(match[1]) >= 21:
            return str(java)
    return None


def pellet(ontology: Graph, facts: Graph, java: str) -> set[tuple[Node, Node, Node]]:
    """Pellet's inferences, in the build's terms: owlready2 keeps only the most specific classes,
    so memberships are closed over the subclass hierarchy Pellet itself inferred."""
    import owlready2

    owlready2.JAVA_EXE = java
    given = reasoning_input(ontology, facts)
    world = owlready2.World()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.nt"
        given.serialize(path, format="nt", encoding="utf-8")
        onto = world.get_ontology(path.as_uri()).load(format="ntriples")
        with onto:
            owlready2.sync_reasoner_pellet(
                world, infer_property_values=True, infer_data_property_values=False, debug=0
            )
        reasoned = Graph()
        for triple in world.as_rdflib_graph().triples((None, None, None)):
            reasoned.add(triple)
    closed = Graph()
    closed += reasoned
    for member, cls in list(reasoned.subject_objects(RDF.type)):
        for parent in reasoned.transitive_objects(cls, RDFS.subClassOf):
            if isinstance(parent, URIRef):
                closed.add((member, RDF.type, parent))
    individuals = {s for s in facts.subjects() if isinstance(s, URIRef)} - set(ontology.subjects())
    return {t for t in closed if t not in facts and _worth_keeping(t, individuals)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 4, 10])
    parser.add_argument("--raw-up-to", type=int, default=4, help="skip raw reasonable above")
    args = parser.parse_args()
    built = assemble(Settings(reason=False))
    ontology, facts = (built.graphs[k] for k in built.graphs)
    java = newer_java()
    print(
        "| copies | input triples | owlrl s | build engine s | HermiT s | Pellet s"
        " | inferences (owlrl) | inferences (build) | differences | Pellet misses"
        " | raw reasonable: spurious sameAs |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for copies in args.copies:
        data = scaled(facts, copies)
        given = reasoning_input(ontology, data)
        t_rl, rl = timed(lambda d=data: materialize(ontology, d, "owlrl"))  # type: ignore[misc]
        t_rs, rs = timed(lambda d=data: materialize(ontology, d, "reasonable"))  # type: ignore[misc]
        t_h, _ = timed(lambda g=given: check_consistency(g))  # type: ignore[misc]
        assert isinstance(rl, Graph) and isinstance(rs, Graph)
        diff = len(set(rl) ^ set(rs))
        t_p, p_found = (
            timed(lambda d=data: pellet(ontology, d, java))  # type: ignore[misc]
            if java
            else (float("nan"), set())
        )
        p_missing = len(set(rl) - p_found) if java else "no Java ≥ 21"  # type: ignore[arg-type]
        same = raw_reasonable_same_as(given) if copies <= args.raw_up_to else "not run"
        print(
            f"| {copies} | {len(given)} | {t_rl:.1f} | {t_rs:.1f} | {t_h:.1f} | {t_p:.1f}"
            f" | {len(rl)} | {len(rs)} | {diff} | {p_missing} | {same} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
