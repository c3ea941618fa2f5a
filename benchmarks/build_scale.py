"""Time every build stage on N synthetic publications, beside a baseline, and write docs/scaling.md.

    .venv/bin/python -m benchmarks.build_scale [--sizes 1 10 100] [--baseline e3b0baa]

The publications are written in the project's own table format: the review's folder under
``loaders/data/`` (each pipeline's own revision of it: a later shape may refuse an earlier table)
copied N times, every entity renamed per copy (``axitinib`` → ``axitinib-p7``, ``Axitinib (p7)``),
except a few shared entities (the drug sorafenib and the molecules and pathways most often
referred to) that every copy defines and cites under the same id, as papers of one literature
would: links cross papers, and the same entity gathers evidence from every paper. Copy 0 is the
review itself, with the shared identifiers table.

Each build runs in its own process (so one run's memory does not carry into the next) and is
timed stage by stage from the build's own timings, plus the writing of the release. The
baseline is the same pipeline at another commit (default: main when this benchmark was
written), unpacked from git into a temporary folder and run on the same data in the same run.
On demand only: it takes minutes and is not part of ``make test``.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sorakg.loaders import tables

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "loaders" / "data"
REVIEW = "sorafenib-resistance-hcc-review"
BASELINE = "e3b0baa"  # main before the build was made faster (HermiT beside OWL RL …)
DOC = ROOT / "docs" / "scaling.md"
HEADING = "## Build at scale"
# stage names as the build's timings give them, in pipeline order, and their column titles
STAGES = {
    "read tables": "read",
    "convert to RDF": "RDF",
    "SHACL validation": "SHACL",
    "consistency (HermiT)": "HermiT",
    "inference (OWL 2 RL)": "OWL RL",
    "write": "write",
}
# the source folders' layout (top-level stage folders) → where they go in an importable copy
PACKAGE_DIRS = {
    "sorakg": "sorakg",
    "loaders": "sorakg/loaders",
    "ontology": "sorakg/ontology",
    "shapes": "sorakg/shapes",
    "server": "sorakg/server",
    "queries": "sorakg/queries",
}


# --------------------------------------------------------------------------- synthetic data


def shared_ids(review: Path, molecules: int = 6, pathways: int = 3) -> set[str]:
    """Sorafenib and the molecules and pathways the review's fact tables refer to most."""
    counts: Counter[str] = Counter()
    for model in tables.FACT_MODELS:
        path = review / model.table
        if not path.exists():
            continue
        refs = tables.references(model)
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                for column in refs:
                    counts.update(n.strip() for n in (row.get(column) or "").split("|") if n)
    kinds: dict[str, set[str]] = {}
    for model in tables.ENTITY_MODELS:
        with (review / model.table).open(newline="", encoding="utf-8") as handle:
            kinds[model.segment] = {row["id"] for row in csv.DictReader(handle)}

    def top(segment: str, k: int) -> list[str]:
        return sorted(kinds[segment], key=lambda i: (-counts[i], i))[:k]

    return {"sorafenib", *top("molecule", molecules), *top("pathway", pathways)}


def _renamed(name: str, copy: int, shared: set[str]) -> str:
    if not name or name in shared:
        return name
    # trials are named by their NCT number; a copy is no registered trial, so it gets a slug
    return f"{name.lower()}-p{copy}"


def _renamed_key(check: dict[str, str], copy: int, shared: set[str]) -> str:
    """A reference check's row key, its entity parts renamed as the checked table's rows are."""
    checked = next(m for m in tables.ALL_MODELS if m.table == check["checked_table"])
    entities = {"id"} if checked.kind == "entity" else set(tables.references(checked))
    parts = check["row_key"].split("|")
    return "|".join(
        _renamed(part.strip(), copy, shared) if column in entities else part
        for column, part in zip(checked.key, parts, strict=False)
    )


def _copy_publication(review: Path, folder: Path, copy: int, shared: set[str]) -> None:
    folder.mkdir(parents=True)
    shutil.copy(review / "source.txt", folder / "source.txt")
    meta = (review / "publication.toml").read_text(encoding="utf-8")
    meta = re.sub(r'(?m)^id = ".*"$', f'id = "{folder.name}"', meta)
    meta = re.sub(r'(?m)^title = "(.*)"$', rf'title = "\1 (synthetic copy {copy})"', meta)
    (folder / "publication.toml").write_text(meta, encoding="utf-8")
    for model in tables.ALL_MODELS:
        path = review / model.table
        if not path.exists():
            continue
        refs = tables.references(model)
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            rows = list(reader)
        for row in rows:
            if model.kind == "entity" and row["id"] not in shared:
                row["id"] = _renamed(row["id"], copy, shared)
                row["label"] = f"{row['label']} (p{copy})"
                if row.get("nct"):
                    row["nct"] = ""
            for column in refs:
                names = (row.get(column) or "").split("|")
                row[column] = "|".join(_renamed(n.strip(), copy, shared) for n in names)
            if "row_key" in row:  # a reference check names the rows it checks by their key
                row["row_key"] = _renamed_key(row, copy, shared)
        with (folder / model.table).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


def synthesise(out: Path, papers: int, source: Path = SOURCE) -> Path:
    """``out`` as a data folder of ``papers`` publications (the review and renamed copies)."""
    review = source / REVIEW
    shared = shared_ids(review)
    out.mkdir(parents=True)
    shutil.copy(source / "identifiers.csv", out / "identifiers.csv")
    shutil.copytree(review, out / REVIEW)
    for copy in range(1, papers):
        _copy_publication(review, out / f"synthetic-paper-{copy:04d}", copy, shared)
    return out


# --------------------------------------------------------------------------- timed builds

# Run in a fresh interpreter against whichever sorakg is first on its path. Uses only what both
# the baseline and the current pipeline have: assemble() with its timings, and the release writer
# (publish(built, settings) in sorakg.build before the pipeline and the release had folders).
_RUN = """
import json, os, resource, sys, threading, time
from pathlib import Path
try:
    from sorakg.pipeline.build import assemble
    from sorakg.release.folder import write_release
    def publish(built, settings):
        return write_release(built.graphs, settings, built.timings)
except ImportError:
    from sorakg.build import assemble, publish
from sorakg.settings import Settings

def cpu():  # this process and its finished children (HermiT's java)
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

started = {}
inner = {}  # CPU of the stages that ran inside an open one
used = {}
rss_at_start = {}  # MB resident when a stage started
rss_peak = {}  # MB: the most resident while it ran (sampled, and at its start and end)
running = set()
# MB: the most this process and its children (the OWL RL fork, HermiT's java) held together,
# as proportional set size (a fork's pages shared with this process are counted once)
total_peak = {}
def pss(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("Pss:")) / 1024
    except (OSError, StopIteration):  # it ended
        return 0.0
def rss(pid="self"):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # it ended
        return 0.0
def descendants(pid):
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids = f.read().split()
        except OSError:
            continue
        for kid in kids:
            found += [kid, *descendants(kid)]
    return found
def sample():  # a stage's peak is what the processes held at most while it was open
    while True:
        now = rss()
        try:
            together = sum(pss(pid) for pid in [os.getpid(), *descendants(os.getpid())])
        except OSError:
            together = 0.0
        for name in list(running):
            rss_peak[name] = max(rss_peak.get(name, 0.0), now)
            total_peak[name] = max(total_peak.get(name, 0.0), together)
        time.sleep(0.05)
threading.Thread(target=sample, daemon=True).start()
def progress(message):
    elapsed = time.perf_counter() - start
    print(f"  {elapsed:7.1f} s {rss():6.0f} MB  {message}", file=sys.stderr, flush=True)
    # both pipelines report '<stage> …' and '<stage> done in …'. A stage may run while another
    # is open (HermiT's java runs through the shapes and OWL RL): an open stage is charged only
    # what the stages inside it did not use, so every CPU second is counted once
    if message.endswith(" …"):
        started[message[:-2]] = cpu()
        inner[message[:-2]] = 0.0
        rss_at_start[message[:-2]] = rss_peak[message[:-2]] = rss()
        running.add(message[:-2])
    elif " done in " in message:
        name = message.split(" done in ")[0]
        rss_peak[name] = max(rss_peak.get(name, 0.0), rss())
        running.discard(name)
        whole = cpu() - started.pop(name, cpu())
        used[name] = whole - inner.pop(name, 0.0)
        for other in inner:
            inner[other] += used[name]

reason = sys.argv[3] == "reason"
settings = Settings(data_dir=Path(sys.argv[1]), build_dir=Path(sys.argv[2]), reason=reason)
load = os.getloadavg()[0]
start, cpu_start = time.perf_counter(), cpu()
try:  # a pipeline that builds in batches writes the release itself ('writing files')
    from sorakg.pipeline.batched import build_in_batches
except ImportError:
    build_in_batches = None
if build_in_batches is not None:
    from sorakg.pipeline.build import build
    link, built = build(settings, progress)
    end = time.perf_counter()
    timings = dict(built.timings)
    timings["write"] = timings.pop("writing files")
    for name in ("rss_at_start", "rss_peak", "total_peak", "used"):
        table = globals()[name]
        if "writing files" in table:
            table["write"] = table.pop("writing files")
    # stages that run in pieces (a batch at a time, interleaved) report their own CPU
    used.update({n[:-4]: v for n, v in timings.items() if n.endswith(" CPU") and n[:-4] in used})
    triples = json.loads((link / "manifest.json").read_text())["stats"]["triples"]
else:
    built = assemble(settings, progress)
    written, before = time.perf_counter(), cpu()
    rss_at_start["write"] = rss_peak["write"] = rss()
    running.add("write")
    publish(built, settings)
    end = time.perf_counter()
    used["write"] = cpu() - before
    rss_peak["write"] = max(rss_peak["write"], rss())
    timings = dict(built.timings, write=end - written)
    triples = sum(len(g) for g in built.graphs.values())
print(json.dumps({
    "timings": timings,
    "cpu": used,
    "process_cpu": cpu() - cpu_start,
    "total": end - start,
    "load": [load, os.getloadavg()[0]],
    "triples": triples,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "java_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    "stage_rss_mb": {
        n: [rss_at_start[n], rss_peak[n], total_peak.get(n, 0.0)] for n in rss_at_start
    },
}))
"""


def unpack(revision: str, into: Path) -> Path:
    """The pipeline at ``revision`` as an importable ``sorakg`` package under ``into``."""
    tree = into / "tree"
    tree.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    package = into / "package"
    for source, target in PACKAGE_DIRS.items():
        if (tree / source).exists():
            shutil.copytree(tree / source, package / target, dirs_exist_ok=True)
    return package


def timed_build(
    data: Path, package: Path | None, timeout: float, reason: bool = True
) -> dict[str, Any]:
    """One build of ``data`` in a fresh process; ``package`` puts another sorakg first. The
    build's progress lines are shown as they come (with the time and the memory held)."""
    env = dict(os.environ)
    if package is not None:
        env["PYTHONPATH"] = str(package)
    with tempfile.TemporaryDirectory(prefix="sorakg-scale-build-") as build_dir:
        child = subprocess.Popen(
            [sys.executable, "-c", _RUN, str(data), build_dir, "reason" if reason else "no"],
            env=env,
            cwd=build_dir,  # so neither checkout's folders shadow the package
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        last = ""
        assert child.stderr is not None and child.stdout is not None
        for line in child.stderr:  # the answer is one line on stdout, read after
            print(line, end="", file=sys.stderr, flush=True)
            last = line.strip() or last
        out = child.stdout.read()
        child.wait()
        timer.cancel()
    if child.returncode == -signal.SIGKILL:
        return {"error": f"over {timeout:.0f} s"}
    if child.returncode != 0:
        return {"error": last or "failed"}
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- report


def _cpu(run: dict[str, Any], stage: str) -> float | None:
    value = run.get("cpu", {}).get(stage)
    return float(value) if value is not None else None


def _load(run: dict[str, Any]) -> str:
    load = run.get("load")
    return f"{load[0]:.1f}-{load[1]:.1f}" if load else "-"


def table(results: list[dict[str, Any]]) -> str:
    """CPU seconds per stage (this process and HermiT's java), their sum, the whole process's CPU
    (imports and the glue between stages included), wall time and the machine's load."""
    head = ["pipeline", "papers", "triples", *STAGES.values(), "stages CPU s", "process CPU s"]
    head += ["wall s", "load", "peak MB py/java"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        run = r["run"]
        if "error" in run:
            cells = [r["name"], str(r["papers"]), "-", *["-"] * len(STAGES), run["error"]]
            cells += [""] * (len(head) - len(cells))
        else:
            stages = [_cpu(run, s) for s in STAGES]
            process = run.get("process_cpu")
            cells = [
                r["name"],
                str(r["papers"]),
                f"{run['triples']:,}",
                *(f"{v:.1f}" if v is not None else "-" for v in stages),
                f"**{sum(v for v in stages if v):.1f}**",
                f"{process:.1f}" if process is not None else "-",
                f"**{run['total']:.1f}**",
                _load(run),
                f"{run['rss_mb']:.0f} / {run['java_rss_mb']:.0f}",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def wall_table(results: list[dict[str, Any]]) -> str:
    """Wall seconds per stage as the build timed them (HermiT's is from starting java to its
    answer: in a pipeline that overlaps it with the shapes and OWL RL, not an addition)."""
    head = ["pipeline", "papers", *STAGES.values(), "whole build"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        run = r["run"]
        if "error" in run:
            continue
        stages = [run["timings"].get(s) for s in STAGES]
        cells = [f"{v:.1f}" if v is not None else "-" for v in stages]
        cells = [r["name"], str(r["papers"]), *cells, f"{run['total']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _total_cpu(run: dict[str, Any]) -> float:
    return sum(v for s in STAGES if (v := _cpu(run, s)))


def ratios(results: list[dict[str, Any]], baseline: str, current: str) -> str:
    """Baseline ÷ current, CPU per stage and for the whole build, and wall, at each size."""
    by = {(r["name"], r["papers"]): r["run"] for r in results}
    head = ["papers", *STAGES.values(), "stages CPU", "process CPU", "wall"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for papers in sorted({r["papers"] for r in results}):
        base, now = by.get((baseline, papers)), by.get((current, papers))
        if not base or not now or "error" in base or "error" in now:
            continue
        cells = [str(papers)]
        for stage in STAGES:
            a, b = _cpu(base, stage), _cpu(now, stage)
            cells.append(f"{a / b:.1f}x" if a and b else "-")
        cells.append(f"**{_total_cpu(base) / _total_cpu(now):.1f}x**")
        a, b = base.get("process_cpu"), now.get("process_cpu")
        cells.append(f"{a / b:.1f}x" if a and b else "-")
        cells.append(f"{base['total'] / now['total']:.1f}x")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) if len(lines) > 2 else ""


def growth(results: list[dict[str, Any]], name: str) -> str:
    """Each stage's CPU per paper relative to the size before it: 1.0 is linear growth."""
    runs = sorted(
        ((r["papers"], r["run"]) for r in results if r["name"] == name and "cpu" in r["run"]),
        key=lambda x: x[0],
    )
    if len(runs) < 2:
        return ""
    steps = list(itertools.pairwise(runs))
    head = ["stage", *(f"{n0} → {n1} papers" for (n0, _), (n1, _) in steps)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for stage, title in [*STAGES.items(), ("whole", "whole build")]:
        cells = [title]
        for (n0, first), (n1, run) in steps:
            if stage == "whole":
                a, b = _total_cpu(first), _total_cpu(run)
            else:
                a, b = _cpu(first, stage), _cpu(run, stage)
            cells.append(f"{(b / n1) / (a / n0):.2f}" if a and b else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def memory_table(results: list[dict[str, Any]], name: str) -> str:
    """Peak memory while each stage ran: this process's resident MB, and with its children
    (OWL RL's fork, HermiT's java) as proportional set size; then each size's peak ÷ the size
    before's (the memory's growth; papers grow 10x between the sizes the doc records)."""
    runs = sorted(
        (r["papers"], r["run"]) for r in results if r["name"] == name and "stage_rss_mb" in r["run"]
    )
    if not runs:
        return ""
    head = ["stage", *(f"{n} papers MB py / all" for n, _ in runs)]
    head += [f"growth {n0} → {n1}" for (n0, _), (n1, _) in itertools.pairwise(runs)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for stage, title in STAGES.items():
        peaks = [run["stage_rss_mb"].get(stage) for _, run in runs]
        cells = [title, *(f"{p[1]:.0f} / {p[2]:.0f}" if p else "-" for p in peaks)]
        for a, b in itertools.pairwise(peaks):
            cells.append(f"{b[1] / a[1]:.1f}x / {b[2] / a[2]:.1f}x" if a and b else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_section(body: str, doc: Path = DOC) -> None:
    """Replace this benchmark's section of docs/scaling.md (other sections, the analysis after it
    included, are left as they are)."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Scaling\n"
    section = f"{HEADING}\n\n{body.strip()}\n"
    pattern = re.compile(rf"(?ms)^{re.escape(HEADING)}\n.*?(?=^## |\Z)")
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    doc.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare with")
    parser.add_argument(
        "--baseline-sizes", type=int, nargs="*", help="sizes to run the baseline at (default all)"
    )
    parser.add_argument(
        "--current", help="git revision to measure instead of the working tree (a stable copy)"
    )
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per build")
    parser.add_argument("--no-write", action="store_true", help="print, leave docs alone")
    parser.add_argument(
        "--no-reason", action="store_true", help="build without HermiT and OWL RL (both pipelines)"
    )
    parser.add_argument("--results", type=Path, help="also append each run's numbers (JSON lines)")
    args = parser.parse_args()
    baseline_sizes = args.sizes if args.baseline_sizes is None else args.baseline_sizes
    current = f"this branch ({args.current})" if args.current else "this branch"
    base_name = f"main@{args.baseline}"
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="sorakg-scale-") as tmp:
        package = unpack(args.baseline, Path(tmp) / "baseline")
        mine = unpack(args.current, Path(tmp) / "current") if args.current else None
        tables = {
            base_name: package.parent / "tree" / SOURCE.relative_to(ROOT),
            current: mine.parent / "tree" / SOURCE.relative_to(ROOT) if mine else SOURCE,
        }
        for papers in args.sizes:
            runs: list[tuple[str, Path | None]] = [(current, mine)]
            if papers in baseline_sizes:
                runs.append((base_name, package))
            for name, pkg in runs:
                # each pipeline reads the review as its own revision curates it (a later shape may
                # refuse an earlier table), multiplied the same way; the triple counts show both
                data = synthesise(Path(tmp) / f"data-{papers}", papers, tables[name])
                started = time.perf_counter()
                run = timed_build(data, pkg, args.timeout, not args.no_reason)
                print(f"{name}, {papers} papers: {run} ({time.perf_counter() - started:.0f} s)")
                if args.results:
                    with args.results.open("a", encoding="utf-8") as out:
                        out.write(json.dumps({"name": name, "papers": papers, "run": run}) + "\n")
                results.append({"name": name, "papers": papers, "run": run})
                shutil.rmtree(data)
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    body = "\n\n".join(
        part
        for part in (
            "Produced by `python -m benchmarks.build_scale "
            + " ".join(sys.argv[1:])
            + f"` (this branch at {commit}; baseline {base_name}, the same data in the same run, "
            "every build in a fresh process). CPU seconds per stage, HermiT's java included; "
            "'stages CPU' is their sum, 'process CPU' the whole process's (imports and the glue "
            "between stages too). The 2-core machine is shared: 'load' is the 1-minute load "
            "average before and after each build, and wall times grow with it.",
            table(results),
            "Baseline ÷ this branch (higher is better):",
            ratios(results, base_name, current),
            "Wall seconds per stage:",
            wall_table(results),
            "CPU per paper relative to the size before (1.0 = linear growth), this branch:",
            growth(results, current),
            "Peak memory while each stage ran (this process's resident MB / with its children "
            "as proportional set size), and its growth from each size to the next, this branch:",
            memory_table(results, current),
        )
        if part
    )
    print(body)
    if not args.no_write:
        write_section(body)


if __name__ == "__main__":
    main()
