"""Start to first answer, and the import CPU of a worker and of the web process, this checkout
beside a baseline and the Oxigraph server.

    .venv/bin/python -m benchmarks.startup --build BUILD [--baseline REV] [--rounds 3]
    .venv/bin/python -m benchmarks.startup --work DIR --size 10M [--shared] [--from-disk]

``BUILD`` is a bench build folder with its store (:func:`benchmarks.servers.sorakg_build`); with
``--work`` the graph and each code's store come from :mod:`benchmarks.scale_stores` (written
there if missing, the Oxigraph server's too, which then takes its turn in each round: its start
to first answer).
Each round, in an order alternating by round, for this checkout and for ``--baseline`` (run as
it was, :mod:`benchmarks.baseline`): the CPU seconds of a fresh ``python -c "import
sorakg.server.worker"`` (what every worker, and every replacement of a worker killed at a
timeout, pays before it opens the store), the CPU seconds of the web process's imports
(what ``sorakg serve`` imports before it listens: ``sorakg.entry``'s quick start where the code
has one, else ``import sorakg.cli, sorakg.server.app``),
and ``sorakg serve``'s time from process start to the first answer
(:func:`benchmarks.servers.start`: the port opens once the general lane's workers are up), with
the CPU seconds of all its processes by then and of the web process alone. The machine's
1-minute load is recorded. Writes ``benchmarks/startup.md``.

Each code's modules are byte-compiled first, as installing the package does (``--no-bytecode``:
not, so where PYTHONDONTWRITEBYTECODE is set every process compiles them at every start, as the
runs before 2026-12-08's start24 measured). ``sorakg serve`` runs as ``python -m sorakg serve``,
the command of whichever code is first on PYTHONPATH.

``--from-disk`` serves the release from its on-disk store only (``memory_store_quads`` = 0), as
a release over the setting is served (10M at the default): a smaller graph then starts as 10M
does, since nothing at start reads the graph (the store opens in milliseconds, the counts come
from the manifest).
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil

from . import baseline, scale_stores
from .servers import Server, start

HERE = Path(__file__).resolve().parent


WORKER = "import sorakg.server.worker"
ROOT = HERE.parent


def _web(code: Path | None) -> str:
    """What ``sorakg serve`` of ``code`` imports before it serves: the command's quick start where
    the code has one (``sorakg/entry.py``: no CLI framework), else the typer command's modules."""
    if ((code or ROOT) / "sorakg" / "entry.py").exists():
        return "import sorakg.entry, sorakg.server.start, sorakg.server.app"
    return "import sorakg.cli, sorakg.server.app"


def _compile(code: Path | None) -> None:
    """Byte-compile the code's modules, as installing a wheel does. A checkout's are otherwise
    compiled by every process at every start wherever PYTHONDONTWRITEBYTECODE is set (as on the
    benchmark machine): a tenth of a CPU second of the web process's start, no part of the code's.
    """
    package = (code or ROOT) / "sorakg"
    # compile_dir does not follow the links to the stage folders (sorakg/server -> ../server)
    linked = [folder for folder in package.iterdir() if folder.is_symlink() and folder.is_dir()]
    for folder in (package, *linked):
        compileall.compile_dir(folder, quiet=1)


def _import_cpu(code: Path | None, modules: str = WORKER) -> float:
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", modules], env=env, check=True,
                   cwd=tempfile.gettempdir())  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def _first_process_cpu(server: Server) -> float:
    """CPU seconds of the server's own process (sorakg's web process, without its workers)."""
    times = psutil.Process(server.process.pid).cpu_times()
    return float(times.user + times.system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=Path, help="a bench build folder (every code serves it)")
    parser.add_argument("--oxigraph", type=Path, help="with --build: an Oxigraph store of it")
    parser.add_argument("--work", type=Path, help="the scale benchmarks' work folder")
    parser.add_argument("--size", default="10M", help="with --work: the graph's size")
    parser.add_argument("--shared", action="store_true", help="with --work: the shared graph")
    parser.add_argument("--baseline", default="2aad118")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "startup.md")
    parser.add_argument("--this", metavar="REV", help="run this commit instead of the checkout")
    parser.add_argument("--bytecode", action=argparse.BooleanOptionalAction, default=True,
                        help="byte-compile each code first, as an install does")  # fmt: skip
    parser.add_argument("--from-disk", action="store_true",
                        help="no in-memory view (memory_store_quads = 0), as at 10M")  # fmt: skip
    args = parser.parse_args()
    label = f"sorakg@{baseline.resolve(args.baseline)[:7]}"
    this = baseline.materialise(args.this) if args.this else None
    codes: dict[str, Path | None] = {"sorakg": this, label: baseline.materialise(args.baseline)}
    if args.bytecode:
        for code in codes.values():
            _compile(code)
    location: Path | None = args.oxigraph
    if args.work is not None:
        from sorakg.release.folder import current_graph_file
        from sorakg.settings import Settings

        from .endpoint_scale import SIZES

        nquads = scale_stores.graph(args.work, args.size, SIZES[args.size], args.shared,
                                    current_graph_file(Settings()))  # fmt: skip
        builds = {
            name: scale_stores.release(args.work, nquads, code) for name, code in codes.items()
        }
        location = scale_stores.oxigraph(args.work, nquads, builds["sorakg"])
    elif args.build is not None:
        builds = dict.fromkeys(codes, args.build)
    else:
        raise SystemExit("give --build or --work")
    graph = builds["sorakg"] / "releases" / "bench" / "sorakg.nq"
    servers = [*codes, "oxigraph"] if location is not None else list(codes)
    imports: dict[str, list[float]] = {name: [] for name in codes}
    web: dict[str, list[float]] = {name: [] for name in codes}
    starts: dict[str, list[float]] = {name: [] for name in servers}
    memory: dict[str, list[float]] = {name: [] for name in servers}
    cpu: dict[str, list[float]] = {name: [] for name in servers}  # of every process, at it
    own: dict[str, list[float]] = {name: [] for name in servers}  # of the server's first process
    loads: list[float] = []
    from_disk = {"SORAKG_MEMORY_STORE_QUADS": "0"} if args.from_disk else None
    for round_ in range(args.rounds):
        for name in servers if round_ % 2 == 0 else reversed(servers):
            loads.append(os.getloadavg()[0])
            if name == "oxigraph":
                server = start("oxigraph", graph, location=location)
            else:
                imports[name].append(_import_cpu(codes[name]))
                web[name].append(_import_cpu(codes[name], _web(codes[name])))
                server = start("sorakg", graph, build=builds[name], code=codes[name],
                               settings=from_disk)  # fmt: skip
            starts[name].append(server.startup_s)
            cpu[name].append(server.cpu_seconds())
            own[name].append(_first_process_cpu(server))
            memory[name].append(server.memory_mb()[0])
            server.stop()
            print(name, starts[name][-1], memory[name][-1], flush=True)
    quads = sum(1 for _ in graph.open("rb"))
    lines = [
        f"`python -m benchmarks.startup`: {quads:,} quads"
        f"{' served from disk' if args.from_disk else ''}"
        f"{'' if args.bytecode else ', modules compiled at each start'}, "
        f"{args.rounds} rounds (median, range); "
        f"load {min(loads):.1f}-{max(loads):.1f}.",
        "",
        "| server | worker import, CPU s | web process import, CPU s | start to first answer, s "
        "| CPU s of all its processes by then | of which the web process | RSS after the first "
        "answer, MB |",
        "|---|---|---|---|---|---|---|",
    ]

    def cell(values: list[float]) -> str:
        if not values:
            return "-"
        return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"

    for name in servers:
        cells = [imports.get(name, []), web.get(name, []), starts[name], cpu[name], own[name]]
        lines.append(f"| {name} | " + " | ".join(map(cell, cells))
                     + f" | {statistics.median(memory[name]):.0f} |")  # fmt: skip
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
