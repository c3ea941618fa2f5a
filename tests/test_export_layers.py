"""The export group imports in one direction: the writers (``serialize``, ``formats``) below the
parts of a release (``metadata``, ``ontodocs``, ``sssom``), below the function that assembles a
release (``export``). Every import counts, those inside functions too."""

from __future__ import annotations

import ast
from pathlib import Path

import sorakg

# lowest first; a module may import only modules on earlier lines
LAYERS = (
    ("serialize",),
    ("formats",),
    ("metadata", "ontodocs", "ontorelease"),
    ("sssom",),
    ("export",),
)
LEVEL = {name: level for level, names in enumerate(LAYERS) for name in names}


def imported(module: str) -> set[str]:
    """The export-group modules ``module`` imports, anywhere in its source."""
    folder = Path(sorakg.__file__).parent
    path = folder / f"{module}.py" if module == "formats" else folder / "release" / f"{module}.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[:2] == ["sorakg", "release"] and len(parts) > 2 and parts[2] in LEVEL:
                found.add(parts[2])
            elif parts[0] == "sorakg" and len(parts) > 1 and parts[1] in LEVEL:
                found.add(parts[1])
    return found - {module}


def test_the_export_group_imports_downwards_only() -> None:
    upward = {
        (module, other)
        for module in LEVEL
        for other in imported(module)
        if LEVEL[other] >= LEVEL[module]
    }
    assert upward == set()


def test_the_check_sees_imports_inside_functions() -> None:
    # the assembler does import every part, so the check is not vacuous
    parts = {"formats", "metadata", "ontodocs", "ontorelease", "sssom", "serialize"}
    assert imported("export") >= parts
