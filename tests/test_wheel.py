"""The package as a user gets it: the wheel, installed into a fresh venv outside the checkout,
runs build → validate → export → serve from an empty working directory.

This is the one slow test (a venv and its dependencies, then a full build with HermiT): a few
minutes on a loaded machine. pip installs the dependencies with the project's constraints
(``constraints.txt``), so the venv gets the versions the checkout was tested with; pip's cache
makes a second run fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import venv
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sorakg.release.default_view import in_default_view
from sorakg.settings import PROJECT_ROOT
from tests.helpers import free_port

pytestmark = [pytest.mark.slow, pytest.mark.java]  # a venv, a wheel and a full build

# what a checkout holds that a wheel must not be built from (outputs, caches, the dev venv)
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "node_modules"
)
STEP_TIMEOUT = 600  # seconds; each step is far quicker, this only stops a hung one


def _run(args: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """(the venv's bin folder, an environment without SORAKG_* settings) after installing the
    wheel built from a copy of this checkout."""
    root = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SORAKG_", "VIRTUAL_ENV"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    source = root / "source"
    # a copy, so setuptools' own build/ folder never mixes with a checkout's build/releases
    shutil.copytree(PROJECT_ROOT, source, ignore=NOT_SOURCE, symlinks=True)
    wheels = root / "wheels"
    output = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", wheels, source], root, env
    )
    # setuptools warns when a data folder is shipped only by accident of package-data
    assert "would be ignored" not in output
    (wheel,) = wheels.glob("sorakg-*.whl")
    target = root / "venv"
    venv.create(target)  # no pip of its own: this pip installs into it (--python)
    bin_dir = target / "bin"
    constraints = PROJECT_ROOT / "constraints.txt"
    # --no-compile: what is run compiles on import; the rest need not be compiled here
    install = ["install", "-q", "--no-compile", "-c", constraints, wheel]
    _run([sys.executable, "-m", "pip", "--python", bin_dir / "python", *install], root, env)
    yield bin_dir, env


def test_the_wheel_runs_build_validate_export_serve_outside_the_checkout(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    bin_dir, env = installed
    sorakg = bin_dir / "sorakg"
    work = tmp_path / "work"
    work.mkdir()

    version = _run([sorakg, "--version"], work, env)
    assert version.strip().startswith("sorakg ")
    assert _run([bin_dir / "python", "-m", "sorakg", "--version"], work, env) == version

    _run([sorakg, "build"], work, env)
    manifest = json.loads((work / "build" / "graph" / "manifest.json").read_text())
    counts = manifest["stats"]["graphs"]
    assert counts["https://w3id.org/sorakg/graph/inferred"] > 0  # the reasoner ran
    # the release records the libraries it was built with: the versions constraints.txt pins
    pins = dict(
        line.split("==", 1)
        for line in (PROJECT_ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    for library in ("rdflib", "pyoxigraph", "pyshacl", "owlready2"):
        assert manifest["versions"][library] == pins[library], library

    assert "valid" in _run([sorakg, "validate"], work, env)

    _run([sorakg, "export"], work, env)
    sums = (work / "dist" / "SHA256SUMS").read_text().splitlines()
    assert any(line.endswith("  sorakg-all.rdf") for line in sums)
    _run(["sha256sum", "-c", "SHA256SUMS"], work / "dist", env)

    site = next((bin_dir.parent / "lib").glob("python*/site-packages"))
    # both licences travel with the package
    (info,) = site.glob("sorakg-*.dist-info")
    licences = {p.name for p in (info / "licenses").iterdir()}
    assert licences == {"LICENSE", "LICENSE-DATA"}
    assert "CC-BY-4.0" in (info / "METADATA").read_text()

    # nothing was written into the installed package
    assert not (site / "build").exists() and not (site / "dist").exists()
    assert not (site / "sorakg" / "build").exists()

    port = free_port()
    server = subprocess.Popen(
        [sorakg, "serve", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the server and whatever it starts
    )
    url = f"http://127.0.0.1:{port}"
    try:
        health = _wait_for(f"{url}/health", server)
        assert health["status"] == "ok" and health["triples"] == manifest["stats"]["triples"]
        answer = httpx.get(
            f"{url}/sparql",
            params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        assert answer.status_code == 200
        count = int(answer.json()["results"]["bindings"][0]["n"]["value"])
        # the default graph is the default view (the disputed layer is left out)
        assert count == sum(n for graph, n in counts.items() if in_default_view(graph))
    finally:
        _stop(server)


def _stop(server: subprocess.Popen[str]) -> None:
    """Stop the server and every process it started (its process group)."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, sig)
        try:
            server.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # children that outlive the server's own exit (a background export) go too
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)


def _wait_for(url: str, server: subprocess.Popen[str]) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            assert server.stderr is not None
            raise AssertionError(f"sorakg serve exited {server.returncode}: {server.stderr.read()}")
        try:
            return dict(httpx.get(url, timeout=5).json())
        except httpx.TransportError:
            time.sleep(0.5)
    raise AssertionError(f"sorakg serve did not answer {url} within 120 s")
