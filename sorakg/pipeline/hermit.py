"""HermiT (OWL 2 DL) run as a child process the build does not wait for until it needs the answer.

The jar is the one owlready2 ships; it is started directly rather than through owlready2's
``sync_reasoner_hermit``, which (measured at 10 and 100 synthetic papers, docs/scaling.md)

* asks for more than the build uses: ``-c -O -D -I`` classifies the object and data properties
  and realizes every individual, while the build reads only "consistent?" and "which named
  classes are unsatisfiable?", both answered by classification (``-c``), which checks
  consistency first. Realization was 60 % of HermiT's time at 10 papers and grows with the
  individuals;
* copies the graph into owlready2's SQLite quadstore and writes it out again before java
  starts;
* blocks: the build can run OWL RL in Python on the other core while java works.

Java runs with the client compiler only (``-XX:TieredStopAtLevel=1``): a run of seconds to tens
of seconds never repays the server compiler, whose threads doubled HermiT's CPU time (7.8 s
against 14.1 s wall at 100 papers, same answer), and with the serial collector, so the one java
process keeps to about one core while the build uses the other.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from rdflib.term import Node

from sorakg.children import die_with_parent
from sorakg.loaders.prefixes import TABLE

NOTHING = TABLE["owl"] + "Nothing"
JAVA_OPTIONS = ("-Xmx2000M", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
# "EquivalentClasses( <a> <b> … )": one line per set of equivalent classes in -c's taxonomy
_EQUIVALENT = re.compile(r"^EquivalentClasses\( ((?:<[^>]+>\s*)+)\)$", re.MULTILINE)


def _classpath() -> str:
    from owlready2 import reasoning as owlready_reasoning

    return str(owlready_reasoning._HERMIT_CLASSPATH)  # type: ignore[attr-defined]


def _java() -> str:
    import owlready2

    return str(owlready2.JAVA_EXE)


def missing_java() -> str | None:
    """Why HermiT cannot run here (no java program), or None when it can."""
    import shutil

    java = _java()
    if shutil.which(java):
        return None
    return (
        f"sorakg build checks consistency with HermiT (OWL 2 DL), which runs in Java, and there "
        f"is no '{java}' program on PATH: install a Java runtime (Debian/Ubuntu: "
        "apt install default-jre-headless), or build without reasoning: sorakg build --no-reason"
    )


class HermitError(RuntimeError):
    """java failed for another reason than an inconsistent ontology (its own message)."""


class Hermit:
    """HermiT classifying the triples given, started at once; :meth:`result` waits for it.

    Use as a context manager: leaving the block (an exception in the build included) ends java
    if it still runs and removes its files; java also dies with this process (``children``).
    """

    def __init__(self, rows: Iterable[str]):
        self._folder = tempfile.TemporaryDirectory(prefix="sorakg-hermit-")
        folder = Path(self._folder.name)
        graph = folder / "graph.nt"
        with graph.open("w", encoding="utf-8") as handle:
            handle.writelines(rows)
        # output to a file, not a pipe: nobody reads a pipe while java runs, and a full pipe
        # would stop it
        self._output = (folder / "output.txt").open("w+b")
        command = [_java(), *JAVA_OPTIONS, "-cp", _classpath()]
        command += ["org.semanticweb.HermiT.cli.CommandLine", "-c", graph.as_uri()]
        self._process = subprocess.Popen(
            command,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent(),  # only prctl: safe between fork and exec
        )
        self.cpu_seconds = 0.0  # java's user + system time, known once it has ended

    def result(self) -> tuple[bool, list[str]]:
        """Wait for HermiT: whether the graph is consistent, and the IRIs of the named classes
        it found unsatisfiable (sorted). Raises :class:`HermitError` if java failed otherwise."""
        # wait4, not Popen.wait: it also gives java's CPU time, which the build reports
        _, status, usage = os.wait4(self._process.pid, 0)
        self._process.returncode = os.waitstatus_to_exitcode(status)
        self.cpu_seconds = usage.ru_utime + usage.ru_stime
        self._output.seek(0)
        output = self._output.read().decode("utf-8", "replace")
        if self._process.returncode != 0:
            if self._process.returncode == 1 and "Inconsistent ontology" in output:
                return False, []
            raise HermitError(f"HermiT (java) failed:\n{output[-2000:]}")
        unsatisfiable = set()
        for match in _EQUIVALENT.finditer(output):
            iris = match.group(1).strip()[1:-1].split("> <")
            if NOTHING in iris:
                unsatisfiable |= {iri for iri in iris if not iri.startswith(NOTHING[:-7])}
        return True, sorted(unsatisfiable)

    def close(self) -> None:
        if self._process.returncode is None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._output.close()
        self._folder.cleanup()

    def __enter__(self) -> Hermit:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def rows_of(triples: Iterable[tuple[Node, Node, Node]]) -> Iterable[str]:
    """N-Triples lines of the triples (rdflib's row format) for HermiT's input file."""
    from rdflib.plugins.serializers.nt import _nt_row

    return (_nt_row(triple) for triple in triples)
