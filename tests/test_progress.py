"""A long build shows its stages: a rich bar on a terminal, plain lines in logs and CI."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import sorakg.pipeline.build
from sorakg.cli import app
from sorakg.pipeline.build import Built
from sorakg.pipeline.progress import StageProgress

MESSAGES = [
    "ontology …",
    "ontology done in 0.10 s",
    "SHACL validation …",
    "SHACL validation done in 3.80 s",
]


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    text = io.StringIO()
    return Console(file=text, force_terminal=terminal, width=100), text


def test_logs_get_one_plain_line_per_stage() -> None:
    console, text = _console(terminal=False)
    with StageProgress(console, stages=2) as progress:
        for message in MESSAGES:
            progress(message)
    assert text.getvalue().splitlines() == ["ontology …", "SHACL validation …"]


def test_verbose_prints_every_message_with_its_time() -> None:
    console, text = _console(terminal=False)
    with StageProgress(console, stages=2, verbose=True) as progress:
        for message in MESSAGES:
            progress(message)
    assert text.getvalue().splitlines() == MESSAGES


def test_a_terminal_gets_a_bar_over_the_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    console, text = _console(terminal=True)
    with StageProgress(console, stages=2) as progress:
        for message in MESSAGES:
            progress(message)
        assert progress.bar is not None
        task = progress.bar.tasks[0]
        assert (task.completed, task.total, task.description) == (2, 2, "SHACL validation")
    assert "ontology …" not in text.getvalue()  # the bar, not the log lines


def test_ci_gets_plain_lines_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    console, text = _console(terminal=True)
    with StageProgress(console, stages=2) as progress:
        progress("ontology …")
    assert progress.bar is None
    assert "ontology …" in text.getvalue()


@pytest.mark.slow  # a whole build, to see its progress lines
def test_build_prints_stages_and_one_summary_without_the_class_table(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sorakg.pipeline.build, "assemble", lambda *_: built)
    result = CliRunner().invoke(app, ["build"], env={"SORAKG_BUILD_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "writing files …"
    assert lines[-1].startswith("built ") and len(lines) == 2
    assert "Instances by class" not in result.output
