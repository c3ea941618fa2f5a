"""Real external stores for the conformance suite (``tests/test_stores.py``), and the one
function that normalises the legitimate differences between engines' answers.

Each store is started here on random loopback ports, in a temporary folder, and stopped after:

* the Oxigraph server (PyPI ``oxigraph``, a dev dependency): ``oxigraph serve --location DIR
  --bind 127.0.0.1:PORT --timeout-s N`` — read-write, so ``sorakg publish`` can load it, and
  with a time limit so that a query the proxy abandons stops in the store too;
* Virtuoso 7.2 (Debian ``virtuoso-opensource-7-bin``, installed by ``make test``): a minimal
  ``virtuoso.ini`` (``DirsAllowed`` the temporary folder only), ``virtuoso-t -f`` in the
  foreground, ready when ``isql-vt`` answers (about 15-20 s for a new database).

Both are loaded with ``sorakg publish`` itself, through the same code as the command.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import httpx
from rdflib import BNode, Literal

from sorakg.settings import Settings

XSD = "http://www.w3.org/2001/XMLSchema#"
# numbers are compared by value: Oxigraph answers xsd:integer for a stored xsd:nonNegativeInteger
NUMERIC = {
    XSD + t
    for t in (
        "integer",
        "decimal",
        "double",
        "float",
        "long",
        "int",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}


@dataclass
class Store:
    """An external store the suite runs: its URLs, process, and the settings to reach it."""

    name: str
    query_url: str
    update_url: str
    graph_store_url: str
    process: subprocess.Popen[bytes]
    auth: dict[str, str] = field(default_factory=dict)  # sparql_auth_* settings

    def settings(self, build_dir: Path, **extra: object) -> Settings:
        return Settings(
            build_dir=build_dir,
            sparql_endpoint=self.query_url,
            sparql_update_endpoint=self.update_url,
            sparql_graph_store=self.graph_store_url,
            **self.auth,  # type: ignore[arg-type]
            **extra,  # type: ignore[arg-type]
        )


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(ready: object, what: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} while starting")
        if ready():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start within {seconds:g} s")


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
        return True
    except httpx.HTTPError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def oxigraph(folder: Path, timeout_s: float) -> Iterator[Store]:
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}",
         "--timeout-s", f"{timeout_s:g}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _answers(url + "/query"), "oxigraph serve", process, 30)
        yield Store("oxigraph", url + "/query", url + "/update", url + "/store", process)
    finally:
        _stop(process)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{isql_port}
ServerThreads = 10
CheckpointInterval = 60
DirsAllowed = {dir}
{parameters}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 10
MaxClientConnections = 10

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 60
"""


# the suite's graph needs few 8 KB page buffers; a benchmark at scale passes its own
VIRTUOSO_PARAMETERS = {"NumberOfBuffers": 10_000, "MaxDirtyBuffers": 6_000}


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


@contextmanager
def virtuoso(folder: Path, parameters: Mapping[str, int] | None = None) -> Iterator[Store]:
    """Virtuoso with the default ``dba``/``dba`` account, reached with digest auth for updates
    (``/sparql-auth``) and Graph Store uploads (``/sparql-graph-crud-auth``). ``parameters``
    are ``virtuoso.ini`` ``[Parameters]`` entries over :data:`VIRTUOSO_PARAMETERS`."""
    binary, isql = virtuoso_binary(), shutil.which("isql-vt")
    if binary is None or isql is None:
        raise RuntimeError("virtuoso-t / isql-vt are missing: run 'make test-deps'")
    folder.mkdir(parents=True, exist_ok=True)
    isql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    chosen = VIRTUOSO_PARAMETERS | dict(parameters or {})
    lines = "\n".join(f"{name} = {value}" for name, value in chosen.items())
    ini.write_text(VIRTUOSO_INI.format(dir=folder, isql_port=isql_port, http_port=http_port,
                                       parameters=lines))  # fmt: skip
    process = subprocess.Popen([binary, "-f", "-c", str(ini)], cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip

    def isql_ready() -> bool:
        done = subprocess.run([isql, str(isql_port), "dba", "dba", "exec=select 1;"],
                              capture_output=True, timeout=10)  # fmt: skip
        return done.returncode == 0

    url = f"http://127.0.0.1:{http_port}"
    try:
        _wait(isql_ready, "virtuoso-t", process, 90)
        _wait(lambda: _answers(url + "/sparql"), "virtuoso's HTTP server", process, 30)
        auth = {"sparql_auth_scheme": "digest", "sparql_auth_user": "dba",
                "sparql_auth_password": "dba"}  # fmt: skip
        yield Store("virtuoso", url + "/sparql", url + "/sparql-auth",
                    url + "/sparql-graph-crud-auth", process, auth)  # fmt: skip
    finally:
        _stop(process)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    import os

    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the one normalisation of legitimate engine differences -----------------------------------

_CONCAT = re.compile(
    r"GROUP_CONCAT\s*\((?:[^()]|\([^()]*\))*?SEPARATOR\s*=\s*(\"[^\"]*\"|'[^']*')\s*\)\s*AS\s*\?(\w+)",
    re.IGNORECASE | re.DOTALL,
)
_CONCAT_DEFAULT = re.compile(
    r"GROUP_CONCAT\s*\((?:[^()]|\([^()]*\))*?\)\s*AS\s*\?(\w+)", re.IGNORECASE | re.DOTALL
)


def concat_columns(query: str) -> dict[str, str]:
    """The variables a query fills with ``GROUP_CONCAT``, with their separators."""
    found = {name: " " for name in _CONCAT_DEFAULT.findall(query)}
    found.update({name: sep[1:-1] for sep, name in _CONCAT.findall(query)})
    return found


def _term(value: dict[str, str] | None, separator: str | None) -> tuple[str, ...]:
    if value is None:
        return ("unbound",)
    kind, text = value["type"], value["value"]
    if kind == "bnode":
        return ("bnode",)
    if kind == "uri":
        return ("uri", text)
    datatype = value.get("datatype", "")
    if separator is not None:  # a GROUP_CONCAT: element order, "" and its language tag vary
        if text == "":
            return ("unbound",)
        return ("concat", *sorted(text.split(separator)))
    if datatype in NUMERIC:
        try:
            return ("number", str(Decimal(text).normalize()))
        except InvalidOperation:
            pass
    if datatype == XSD + "string":
        datatype = ""
    return ("literal", text, datatype, value.get("xml:lang", "").lower())


def normalise_triples(triples: Iterable[tuple[object, object, object]]) -> list[object]:
    """Triples (rdflib terms) under the same rules as :func:`normalise`, as a sorted list."""
    found = []
    for triple in triples:
        row = []
        for term in triple:
            if isinstance(term, BNode):
                row.append(("bnode",))
            elif isinstance(term, Literal):
                value = {"type": "literal", "value": str(term)}
                if term.datatype:
                    value["datatype"] = str(term.datatype)
                if term.language:
                    value["xml:lang"] = term.language
                row.append(_term(value, None))
            else:
                row.append(("uri", str(term)))
        found.append(tuple(row))
    return sorted(found)


def normalise(query: str, results: dict[str, object]) -> object:
    """A SPARQL JSON answer in a form where engines legitimately agree (docs/scaling.md):

    * rows as a sorted multiset (ties under ``ORDER BY`` come back in any order);
    * a ``GROUP_CONCAT`` column compared as the sorted list of its elements, with ``""`` and
      unbound the same and its language tag dropped (Oxigraph keeps a shared tag, Virtuoso not);
    * numbers by value (``1`` = ``1.0``; Oxigraph answers ``xsd:integer`` for a stored
      ``xsd:nonNegativeInteger``), ``xsd:string`` = a plain literal, blank nodes alike.
    """
    if "boolean" in results:
        return bool(results["boolean"])
    concat = concat_columns(query)
    head = results["head"]["vars"]  # type: ignore[index]
    rows = results["results"]["bindings"]  # type: ignore[index]
    table = [tuple(_term(row.get(v), concat.get(v)) for v in head) for row in rows]
    return (tuple(head), sorted(table))
