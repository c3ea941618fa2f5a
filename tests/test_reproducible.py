"""Every export file is byte-identical across runs and hash seeds, and the canonical N-Quads are
RDFC-1.0 as another implementation (pyld's URDNA2015) computes it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from sorakg.pipeline.build import Built
from sorakg.release.export import CANONICAL
from sorakg.release.folder import write_release
from sorakg.release.serialize import rdfc10_nquads, sorted_nquads
from sorakg.settings import Settings

pytestmark = pytest.mark.slow  # exports under two hash seeds

SEEDS = ("0", "4242")  # test_build.py builds under two more, 1 and 2


@pytest.fixture(scope="module")
def build_dir(reasoned: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's build (with its inferred graph) published as `sorakg build` would."""
    folder = tmp_path_factory.mktemp("build")
    write_release(reasoned.graphs, Settings(build_dir=folder, reason=False), reasoned.timings)
    return folder


@pytest.fixture(scope="module")
def exports(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`sorakg export` run twice, in parallel, each under its own PYTHONHASHSEED."""
    root = tmp_path_factory.mktemp("exports")
    runs = {}
    for seed in SEEDS:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SORAKG_")}
        env |= {
            "PYTHONHASHSEED": seed,
            "SORAKG_BUILD_DIR": str(build_dir),
            "SORAKG_EXPORT_DIR": str(root / seed),
        }
        runs[seed] = subprocess.Popen(
            [sys.executable, "-m", "sorakg", "export"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
    for seed, run in runs.items():
        _, stderr = run.communicate(timeout=600)
        assert run.returncode == 0, f"seed {seed}: {stderr}"
    return {seed: root / seed for seed in SEEDS}


def test_two_hash_seeds_give_identical_sha256sums(exports: dict[str, Path]) -> None:
    sums = {seed: (folder / "SHA256SUMS").read_text() for seed, folder in exports.items()}
    first = sums[SEEDS[0]]
    names = {line.split("  ", 1)[1] for line in first.splitlines()}
    # every kind of file is covered, RDF/XML (rdflib's writer depends on the hash seed) and the
    # canonical form included
    assert {"sorakg-all.rdf", "sorakg-inferred.rdf", "void.ttl", CANONICAL} <= names
    for seed, text in sums.items():
        assert text == first, f"PYTHONHASHSEED={seed} gave other bytes"
    for name in names:  # and the files are the bytes the sums say
        digest = hashlib.sha256((exports[SEEDS[1]] / name).read_bytes()).hexdigest()
        assert f"{digest}  {name}" in first


def test_the_canonical_nquads_do_not_depend_on_the_input_form(exports: dict[str, Path]) -> None:
    """A third party recomputes the hash from another file: the TriG, re-parsed by Oxigraph
    (fresh blank node labels), canonicalized, gives the same bytes."""
    folder = exports[SEEDS[0]]
    dataset = ox.Dataset(ox.parse(path=str(folder / "sorakg-all.trig"), format=ox.RdfFormat.TRIG))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    again = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS)
    assert again is not None
    lines = sorted(again.decode().splitlines())
    canonical = (folder / CANONICAL).read_text()
    assert "_:c14n0 " in canonical
    assert "\n".join(lines) + "\n" == canonical


def test_rdfc10_agrees_with_pyld(built: Built) -> None:
    """pyld's URDNA2015 (the same algorithm, written independently) on the graph with the
    blank nodes (the ontology's OWL axioms): the same canonical N-Quads, hence the same hash."""
    from pyld import jsonld

    iri, ontology = next((i, g) for i, g in built.graphs.items() if str(i).endswith("/ontology"))
    graphs: dict[URIRef, Graph] = {iri: ontology}
    theirs = jsonld.normalize(
        sorted_nquads(graphs),
        {
            "algorithm": "URDNA2015",
            "inputFormat": "application/n-quads",
            "format": "application/n-quads",
        },
    )
    ours = rdfc10_nquads(graphs)
    assert ours.count("_:c14n") > 100
    assert hashlib.sha256(ours.encode()).hexdigest() == hashlib.sha256(theirs.encode()).hexdigest()
