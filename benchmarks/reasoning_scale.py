"""OWL RL alone on N synthetic papers: this tree's reasoning.py and a baseline's, side by side.

    .venv/bin/python -m benchmarks.reasoning_scale [--sizes 10 30] [--baseline 2aad118]

Each size's layers (ontology, facts, disputed) are made once per run, in a fresh process per
engine: the closure of the facts, its inferred graph, the disputed statements added, the
inferred graph again (what the build's forked child does). Prints CPU seconds, the peak memory
above what the layers held, and whether the inferred graphs and the closures are identical.
The baseline's ``reasoning.py`` is read from git. On demand only; not part of ``make test``.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

from benchmarks.build_scale import ROOT, synthesise


def _engine(revision: str) -> types.ModuleType:
    if revision == "current":
        from sorakg.pipeline import reasoning

        return reasoning
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{revision}:sorakg/pipeline/reasoning.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType("baseline_reasoning")
    sys.modules[module.__name__] = module
    exec(compile(source, module.__name__, "exec"), module.__dict__)
    return module


def _digest(triples: set[tuple[object, object, object]]) -> str:
    """A digest of the triples without blank nodes (their labels differ from one process to
    the next; the ontology's lists and restrictions are the only ones)."""
    from rdflib import BNode

    from sorakg.pipeline.hermit import rows_of

    named = [t for t in triples if not any(isinstance(term, BNode) for term in t)]
    return hashlib.sha256("".join(sorted(rows_of(named))).encode()).hexdigest()[:16]  # type: ignore[arg-type]


def child(revision: str, data: Path) -> dict[str, object]:
    from sorakg.pipeline.build import _layers
    from sorakg.settings import Settings

    ontology, facts, disputed = _layers(Settings(data_dir=data), {}, lambda _: None)
    engine = _engine(revision)
    held = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gc.freeze()  # as the build's forked child does
    started = time.process_time()
    closure = engine.Closure(ontology, facts)
    inferred = set(closure.inferred())
    before = set(closure.triples)
    closure.add(disputed)
    extra = set(closure.inferred()) - inferred - set(facts) - set(disputed)
    cpu = time.process_time() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "cpu": round(cpu, 2),
        "peak_above_layers_mb": round(peak - held),
        "inferred": [len(inferred), _digest(inferred)],
        "disputed_inferred": [len(extra), _digest(extra)],
        "closure": [len(before), _digest(before)],
        "closure_with_disputed": [len(closure.triples), _digest(closure.triples)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 30])
    parser.add_argument("--baseline", default="2aad118")
    parser.add_argument("--child", nargs=2, metavar=("REVISION", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    with tempfile.TemporaryDirectory(prefix="sorakg-reasoning-") as tmp:
        for papers in args.sizes:
            data = synthesise(Path(tmp) / f"data-{papers}", papers)
            runs = {}
            for revision in ("current", args.baseline):
                command = [sys.executable, "-m", "benchmarks.reasoning_scale", "--child"]
                out = subprocess.run(
                    [*command, revision, str(data)], capture_output=True, text=True, check=True
                )
                runs[revision] = json.loads(out.stdout.strip().splitlines()[-1])
            keys = ("inferred", "disputed_inferred", "closure", "closure_with_disputed")
            same = all(runs["current"][k] == runs[args.baseline][k] for k in keys)
            print(json.dumps({"papers": papers, "identical": same, **runs}))


if __name__ == "__main__":
    main()
