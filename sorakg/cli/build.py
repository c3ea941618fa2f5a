"""The pipeline's commands: build, validate, stats, review-inferences, lint."""

from __future__ import annotations

import errno
import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from sorakg.cli.app import Exit, app, build_failed, err, fail_with, out, settings_or_exit
from sorakg.release.folder import current_graph_file


@app.command("build")
def build_command(
    no_reason: Annotated[
        bool,
        typer.Option("--no-reason", help="Skip the consistency check and the inferred graph."),
    ] = False,
    if_changed: Annotated[
        bool,
        typer.Option(
            "--if-changed",
            help="Reuse the current build when the tables, ontology and shapes are unchanged.",
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print each step and the counts by class.")
    ] = False,
) -> None:
    """Build the graph from the source tables, validate it, and write build/graph/."""
    from sorakg.pipeline.build import BuildError, build, stages  # the build: when it runs
    from sorakg.pipeline.progress import StageProgress
    from sorakg.release.folder import inputs_digest, reusable_build

    settings = settings_or_exit(reason=False) if no_reason else settings_or_exit()
    if settings.reason:
        from sorakg.pipeline.hermit import missing_java

        if (why := missing_java()) is not None:  # one line before any work, not a traceback
            raise fail_with(why, Exit.UNAVAILABLE)
    if if_changed and (manifest := reusable_build(settings)) is not None:
        out.print(
            f"[green]unchanged[/green]: reusing {current_graph_file(settings).parent.resolve()} "
            f"({manifest['stats']['triples']} triples; inputs {inputs_digest(settings)})"
        )
        return
    try:
        started = time.perf_counter()
        with StageProgress(err, stages(settings), verbose) as progress:
            link, _ = build(settings, progress)
    except BuildError as error:
        build_failed(error)
        return
    except OSError as error:
        if error.errno != errno.ENOSPC and "No space left" not in str(error):
            raise
        where = error.filename or settings.build_dir
        raise fail_with(
            f"disk full while writing the build ({where}); the previous release is untouched "
            "and the partial one was removed: free some space and build again",
            Exit.DISK_FULL,
        ) from None
    stats = json.loads((link / "manifest.json").read_text())["stats"]  # the release's counts
    if verbose:
        _print_stats(stats)
    by_graph: dict[str, int] = stats["graphs"]  # type: ignore[assignment]
    graphs = ", ".join(f"{name.rsplit('/', 1)[-1]} {count}" for name, count in by_graph.items())
    took = time.perf_counter() - started
    out.print(
        f"[green]built[/green] {stats['triples']} triples ({graphs}) in {took:.0f} s: "
        f"{link.resolve()}",
        soft_wrap=True,  # one line, however narrow the terminal
    )


@app.command("validate")
def validate_command(
    file: Annotated[
        Path | None, typer.Argument(help="An RDF file to check (default: the source tables).")
    ] = None,
) -> None:
    """Check the source tables (or an RDF file) against the shapes; print located problems."""
    from sorakg.pipeline.build import BuildError, assemble, stages
    from sorakg.pipeline.progress import StageProgress

    if file is None:
        try:
            settings = settings_or_exit(reason=False)
            with StageProgress(err, stages(settings) - 1) as progress:  # nothing is written
                assemble(settings, progress)
        except BuildError as error:
            build_failed(error)
        out.print(
            "[green]valid[/green]: the source tables build a graph that conforms to the shapes"
        )
        return
    if not file.exists():
        raise fail_with(f"no such file: {file}", Exit.MISSING)
    from sorakg.pipeline.validate import UnreadableFile, validate_file

    try:
        violations = validate_file(file)
    except UnreadableFile as error:
        raise fail_with(error, Exit.INVALID) from error
    for violation in violations:
        err.print(str(violation), markup=False, highlight=False)
    if violations:
        err.print(f"[red]{len(violations)} violations[/red]")
        raise typer.Exit(Exit.INVALID)
    out.print(f"[green]valid[/green]: {file} conforms to the shapes")


def _print_stats(stats: dict) -> None:  # type: ignore[type-arg]
    from rich.table import Table  # a command that prints one: not every start of sorakg

    graphs = Table("graph", "triples", title="Triples by graph")
    for name, count in stats["graphs"].items():
        graphs.add_row(name, str(count))
    graphs.add_row("[bold]total[/bold]", f"[bold]{stats['triples']}[/bold]")
    classes = Table("class", "instances", title="Instances by class")
    for name, count in stats["classes"].items():
        classes.add_row(name, str(count))
    out.print(graphs, classes)


@app.command("stats")
def stats_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Counts by class and graph for the current build."""
    manifest = current_graph_file(settings_or_exit()).parent / "manifest.json"
    if not manifest.exists():
        raise fail_with("no build yet: run 'sorakg build' first", Exit.MISSING)
    stats = json.loads(manifest.read_text())["stats"]
    if as_json:
        sys.stdout.write(json.dumps(stats, indent=2) + "\n")
    else:
        _print_stats(stats)


@app.command("review-inferences")
def review_inferences_command(
    write: Annotated[
        bool,
        typer.Option(
            "--write",
            help="Rewrite loaders/data/reviewed_inferences.csv: new inferences as 'unreviewed' "
            "rows (with the explanation as a suggested reason), accepted rows no longer drawn "
            "removed.",
        ),
    ] = False,
) -> None:
    """Compare the inferred graph with the reviewed list of inferences (exit 1 on a difference)."""
    from sorakg.pipeline.build import BuildError, inferences
    from sorakg.pipeline.inference_review import (
        FILE_NAME,
        candidates,
        problems,
        read_reviewed,
        suggested_reasons,
        write_reviewed,
    )

    settings = settings_or_exit()
    try:
        ontology, facts, inferred = inferences(settings)
    except BuildError as error:
        build_failed(error)
        return
    path = settings.data_dir / FILE_NAME
    reviewed = read_reviewed(path, settings.base_iri) if path.exists() else []
    if write:
        reasons = suggested_reasons(inferred, ontology + facts)
        write_reviewed(path, candidates(inferred, reviewed, reasons), settings.base_iri)
        reviewed = read_reviewed(path, settings.base_iri)
        out.print(f"wrote {path}")
    found = problems(inferred, reviewed, settings.base_iri)
    for line in found:
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    if found:
        raise typer.Exit(Exit.INVALID)
    out.print(f"[green]all {len(inferred)} inferred triples reviewed[/green]")


@app.command("lint")
def lint_command(
    check: Annotated[
        bool, typer.Option("--check", help="Only report tables not in canonical form.")
    ] = False,
) -> None:
    """Rewrite the source tables in canonical form (column order, sorted rows)."""
    from sorakg.loaders.lint import lint

    changed = lint(settings_or_exit().data_dir, fix=not check)
    for path in changed:
        out.print(f"{'not canonical' if check else 'rewrote'}: {path}")
    if check and changed:
        raise typer.Exit(Exit.INVALID)
