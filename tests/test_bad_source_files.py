"""Broken source files give located problems, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sorakg.cli import app
from sorakg.loaders.errors import TableError
from sorakg.loaders.read import read_sources
from tests.constants import PUB
from tests.files import edit_cell

WHERE = f"loaders/data/{PUB}"


def problems(data: Path) -> list[str]:
    with pytest.raises(TableError) as caught:
        read_sources(data, root=data.parent.parent)
    return [str(p) for p in caught.value.problems]


def _replace_line(path: Path, number: int, edit: bytes) -> None:
    lines = path.read_bytes().split(b"\n")
    lines[number - 1] = edit
    path.write_bytes(b"\n".join(lines))


def test_invalid_utf8_names_file_and_line(data_copy: Path) -> None:
    path = data_copy / PUB / "drugs.csv"
    line = edit_cell(path, "sorafenib", "label", "Sorafenib")
    text = path.read_bytes().split(b"\n")[line - 1]
    _replace_line(path, line, text.replace(b"Sorafenib", b"Sorafen\xffib", 1))
    assert problems(data_copy) == [
        f"{WHERE}/drugs.csv:{line}: not valid UTF-8 (byte 0xFF); save the file as UTF-8"
    ]


def test_invalid_utf8_in_source_text_is_located(data_copy: Path) -> None:
    path = data_copy / PUB / "source.txt"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\n\xc3(", 1))
    # line 2: the bad byte follows the first line break; quotes are not checked without the text
    assert problems(data_copy) == [
        f"{WHERE}/source.txt:2: not valid UTF-8 (byte 0xC3); save the file as UTF-8"
    ]


def test_invalid_toml_names_file_line_and_column(data_copy: Path) -> None:
    path = data_copy / PUB / "publication.toml"
    lines = path.read_text().splitlines()
    number = next(i for i, text in enumerate(lines, 1) if text.startswith("kind"))
    lines[number - 1] = "kind = = review"
    path.write_text("\n".join(lines) + "\n")
    found = problems(data_copy)
    assert found == [f"{WHERE}/publication.toml:{number}: column 8: invalid TOML: Invalid value"]


def test_oversized_cell_names_file_and_line(data_copy: Path) -> None:
    line = edit_cell(data_copy / PUB / "models.csv", "hepg2", "note", "x" * 200_000)
    assert (
        f"{WHERE}/models.csv:{line}: a cell is longer than 131072 characters (the CSV field limit)"
        in problems(data_copy)
    )


def test_byte_order_mark_is_accepted(data_copy: Path) -> None:
    path = data_copy / PUB / "drugs.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert read_sources(data_copy, root=data_copy.parent.parent).publications


def test_unclosed_quote_is_reported_where_it_opens(data_copy: Path) -> None:
    path = data_copy / PUB / "pathways.csv"
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace(",", ',"', 1)  # line 3 opens a quote it never closes
    path.write_text("\n".join(lines) + "\n")
    found = [p for p in problems(data_copy) if "pathways.csv" in p]
    assert len(found) == 1
    assert found[0].startswith(f"{WHERE}/pathways.csv:3: unclosed quote: ")


def test_nul_byte_is_refused(data_copy: Path) -> None:
    line = edit_cell(data_copy / PUB / "models.csv", "hepg2", "label", "Hep\x00G2")
    assert problems(data_copy) == [f"{WHERE}/models.csv:{line}: label: contains a NUL byte"]


@pytest.mark.parametrize(
    "cell", ["=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3"]
)
def test_formula_injection_cells_are_refused(data_copy: Path, cell: str) -> None:
    line = edit_cell(data_copy / PUB / "drugs.csv", "sorafenib", "note", cell)
    assert problems(data_copy) == [
        f"{WHERE}/drugs.csv:{line}: note: starts with {cell[0]!r}: spreadsheet programs would "
        "run it as a formula (CSV injection); reword the cell so it starts otherwise"
    ]


def test_negative_numbers_are_not_formulas(data_copy: Path) -> None:
    path = data_copy / PUB / "outcomes.csv"
    first = path.read_text().splitlines()[1].split(",")[0]
    edit_cell(path, first, "ci_low", "-0.5")  # a number, in a numeric column
    assert read_sources(data_copy, root=data_copy.parent.parent).publications


def test_every_broken_file_is_reported_at_once(data_copy: Path) -> None:
    bad = edit_cell(data_copy / PUB / "models.csv", "hepg2", "label", "Hep\x00G2")
    formula = edit_cell(data_copy / PUB / "drugs.csv", "sorafenib", "note", "=1+1")
    meta = data_copy / PUB / "publication.toml"
    meta.write_text(meta.read_text() + "oops\n")
    found = problems(data_copy)
    assert any(p.startswith(f"{WHERE}/models.csv:{bad}: label:") for p in found)
    assert any(p.startswith(f"{WHERE}/drugs.csv:{formula}: note:") for p in found)
    assert any(p.startswith(f"{WHERE}/publication.toml:") and "invalid TOML" in p for p in found)


def test_cli_prints_located_lines_not_a_traceback(data_copy: Path) -> None:
    path = data_copy / PUB / "drugs.csv"
    path.write_bytes(path.read_bytes() + b"bad\xff,row\n")
    result = CliRunner().invoke(app, ["validate"], env={"SORAKG_DATA_DIR": str(data_copy)})
    assert result.exit_code == 1
    assert (
        f"{WHERE}/drugs.csv:30: not valid UTF-8 (byte 0xFF); save the file as UTF-8"
        in result.output
    )
    assert "Traceback" not in result.output
