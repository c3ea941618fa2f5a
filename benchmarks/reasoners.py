"""Compare the reasoners on the project's graph and on synthetic copies of it (run on demand).

    .venv/bin/python -m benchmarks.reasoners [--copies 1 4 10]   (also run by make bench)

For each size, wall time of: owlrl (OWL 2 RL in pure Python, the reference), the build's engine
(`reasonable`, Rust, plus the property chains it lacks; see sorakg/reasoning.py), raw
`reasonable` on the full input (to show what it gets wrong) and HermiT (owlready2; the build's
consistency check). Then the inferences each finds and the differences. The synthetic graph
repeats the entity facts under renamed IRIs: the same shape at N times the size, as if N papers
of this kind had been curated.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from rdflib import Graph, URIRef
from rdflib.namespace import OWL

from sorakg.build import assemble
from sorakg.loaders.vocab import SK
from sorakg.reasoning import check_consistency, materialize, reasoning_input
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 4, 10])
    parser.add_argument("--raw-up-to", type=int, default=4, help="skip raw reasonable above")
    args = parser.parse_args()
    built = assemble(Settings(reason=False))
    ontology, facts = (built.graphs[k] for k in built.graphs)
    print(
        "| copies | input triples | owlrl s | build engine s | HermiT s | inferences (owlrl)"
        " | inferences (build) | differences | raw reasonable: spurious sameAs |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for copies in args.copies:
        data = scaled(facts, copies)
        given = reasoning_input(ontology, data)
        t_rl, rl = timed(lambda d=data: materialize(ontology, d, "owlrl"))  # type: ignore[misc]
        t_rs, rs = timed(lambda d=data: materialize(ontology, d, "reasonable"))  # type: ignore[misc]
        t_h, _ = timed(lambda g=given: check_consistency(g))  # type: ignore[misc]
        assert isinstance(rl, Graph) and isinstance(rs, Graph)
        diff = len(set(rl) ^ set(rs))
        same = raw_reasonable_same_as(given) if copies <= args.raw_up_to else "not run"
        print(
            f"| {copies} | {len(given)} | {t_rl:.1f} | {t_rs:.1f} | {t_h:.1f} | {len(rl)}"
            f" | {len(rs)} | {diff} | {same} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
