"""Compare reasoners on the project's graph and on synthetic copies of it (run on demand).

    .venv/bin/python benchmarks/reasoners.py [--copies 1 4 10] [--keep-ifp]

For each size: wall time of owlrl (OWL 2 RL, the build's materializer), `reasonable` (OWL 2 RL,
Rust), HermiT (owlready2; consistency + classification, what the build runs) and the number of
entity-level inferences each RL engine finds, with the differences between them. The synthetic
graph repeats the entity facts under renamed IRIs, so it has the same shape at N times the size.
Needs `pip install reasonable` beside the project's own dependencies.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from sorakg.build import assemble
from sorakg.loaders.vocab import SK
from sorakg.reasoning import _worth_keeping, check_consistency, reasoning_input
from sorakg.settings import Settings

BASE = "https://w3id.org/sorakg/"


def scaled(facts: Graph, copies: int) -> Graph:
    out = Graph()
    for i in range(copies):
        for s, p, o in facts:
            out.add((_rename(s, i), p, _rename(o, i)))
    return out


def _rename(node: object, i: int) -> object:
    if (
        i
        and isinstance(node, URIRef)
        and str(node).startswith(BASE)
        and not str(node).startswith(str(SK))
    ):
        return URIRef(f"{node}-copy{i}")
    return node


def timed(run: Callable[[Graph], object], graph: Graph) -> tuple[float, object]:
    start = time.perf_counter()
    result = run(graph)
    return time.perf_counter() - start, result


def owlrl_closure(graph: Graph) -> set:  # type: ignore[type-arg]
    import owlrl

    closure = Graph()
    closure += graph
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    return set(closure)


def reasonable_closure(graph: Graph) -> set:  # type: ignore[type-arg]
    import reasonable

    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(graph)
    return set(reasoner.reason())


def without_ifp(graph: Graph) -> Graph:
    """The graph without owl:InverseFunctionalProperty declarations, from which reasonable
    0.4.4 derives spurious owl:sameAs (they grow with the square of the data)."""
    out = Graph()
    out += graph
    out.remove((None, RDF.type, OWL.InverseFunctionalProperty))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 4, 10])
    parser.add_argument(
        "--keep-ifp",
        action="store_true",
        help="give reasonable the inverse-functional declarations too (unsound: see docs)",
    )
    args = parser.parse_args()
    built = assemble(Settings(reason=False))
    ontology, facts = (built.graphs[k] for k in built.graphs)
    print(
        "| facts copies | input triples | owlrl s | reasonable s | HermiT s | owlrl inferences"
        " | reasonable inferences | only owlrl | only reasonable | reasonable sameAs |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for copies in args.copies:
        data = scaled(facts, copies)
        given = reasoning_input(ontology, data)
        individuals = {s for s in data.subjects() if isinstance(s, URIRef)} - set(
            ontology.subjects()
        )
        t_rl, rl = timed(owlrl_closure, given)
        t_rs, rs = timed(reasonable_closure, given if args.keep_ifp else without_ifp(given))
        union = Graph()
        union += ontology
        union += data
        t_h, _ = timed(check_consistency, union)
        keep_rl = {t for t in rl if t not in data and _worth_keeping(t, individuals)}
        keep_rs = {t for t in rs if t not in data and _worth_keeping(t, individuals)}
        same = sum(1 for s, p, o in rs if p == OWL.sameAs and s != o)
        print(
            f"| {copies} | {len(given)} | {t_rl:.1f} | {t_rs:.1f} | {t_h:.1f} | {len(keep_rl)}"
            f" | {len(keep_rs)} | {len(keep_rl - keep_rs)} | {len(keep_rs - keep_rl)} | {same} |"
        )
        missing = sorted({str(p) for _, p, _ in keep_rl - keep_rs})
        print(f"<!-- predicates only owlrl derives: {missing} -->")


if __name__ == "__main__":
    main()
