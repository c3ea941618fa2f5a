"""The curated tables: every row parses, and bad rows are reported as file:line: column."""

from __future__ import annotations

from pathlib import Path

import pytest

from sorakg.loaders import tables
from sorakg.loaders.errors import TableError
from sorakg.loaders.lint import lint
from sorakg.loaders.read import normalize_text, read_sources
from tests.constants import DATA, PUB
from tests.files import edit_cell


def read(data: Path):
    return read_sources(data, root=data.parent.parent)


def problems(data: Path) -> list[str]:
    with pytest.raises(TableError) as caught:
        read(data)
    return [str(p) for p in caught.value.problems]


def test_project_tables_read_without_problems() -> None:
    sources = read_sources(DATA)
    pub = sources.publications[0]
    assert pub.id == PUB
    for model in tables.ALL_MODELS:
        assert pub.of(model), f"{model.table} is empty or missing"


def test_tables_are_in_canonical_form() -> None:
    assert lint(DATA, fix=False) == []


def test_parse_refs_accepts_lists_and_ranges() -> None:
    assert tables.parse_refs("17-19;21") == [17, 18, 19, 21]
    assert tables.parse_refs("") == []
    with pytest.raises(ValueError, match="runs backwards"):
        tables.parse_refs("19-17")
    with pytest.raises(ValueError, match="not a reference number"):
        tables.parse_refs("ref 3")


def test_normalize_drops_bookmarks_and_folds_whitespace() -> None:
    assert normalize_text("[bookmark: OLE_LINK1]A  b\n\tc") == "A b c"


def test_malformed_cell_is_located(data_copy: Path) -> None:
    line = edit_cell(data_copy / PUB / "trials.csv", "NCT00901901", "enrolled", "many")
    assert problems(data_copy) == [
        f"loaders/data/{PUB}/trials.csv:{line}: enrolled: "
        "Input should be a valid integer, unable to parse string as an integer"
    ]


def test_all_problems_are_reported_at_once(data_copy: Path) -> None:
    a = edit_cell(data_copy / PUB / "trials.csv", "NCT00901901", "phase", "IV")
    b = edit_cell(data_copy / PUB / "drugs.csv", "sorafenib", "quote", "sorafenib cures everything")
    found = problems(data_copy)
    assert any(f"trials.csv:{a}: phase:" in p for p in found)
    assert (
        f"loaders/data/{PUB}/drugs.csv:{b}: quote: not found verbatim in {PUB}'s source.txt"
        in found
    )


def test_nct_number_pattern_is_checked(data_copy: Path) -> None:
    line = edit_cell(data_copy / PUB / "trials.csv", "NCT00901901", "nct", "NCT0090190")
    assert any(
        f"trials.csv:{line}: nct: String should match pattern" in p for p in problems(data_copy)
    )


def test_reference_to_undefined_entity_is_located(data_copy: Path) -> None:
    path = data_copy / PUB / "drug_actions.csv"
    line = edit_cell(path, "tivantinib", "target", "unobtainium")
    assert problems(data_copy) == [
        f"loaders/data/{PUB}/drug_actions.csv:{line}: target: "
        "no molecule or pathway 'unobtainium' is defined"
    ]


def test_curator_rows_must_explain_themselves(data_copy: Path) -> None:
    line = edit_cell(data_copy / PUB / "drugs.csv", "tegafur", "note", "")
    assert any(
        f"drugs.csv:{line}: row: Value error, basis is 'curator'" in p for p in problems(data_copy)
    )


def test_unknown_column_is_reported(data_copy: Path) -> None:
    path = data_copy / PUB / "models.csv"
    path.write_text(path.read_text().replace("derived_from", "derived_form", 1))
    assert any("models.csv:1: derived_form: unknown column" in p for p in problems(data_copy))


def test_unquoted_comma_is_reported(data_copy: Path) -> None:
    path = data_copy / PUB / "pathways.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1] + ",extra"
    path.write_text("\n".join(lines) + "\n")
    assert (
        f"loaders/data/{PUB}/pathways.csv:2: more cells than columns (unquoted comma?)"
        in problems(data_copy)
    )


def test_same_fact_twice_is_reported(data_copy: Path) -> None:
    path = data_copy / PUB / "reversals.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n")
    assert any("reversals.csv:6: same fact and quote as line 2" in p for p in problems(data_copy))


def test_every_quote_occurs_in_the_review() -> None:
    sources = read_sources(DATA)
    pub = sources.publications[0]
    quotes = [item.row.quote for rows in pub.rows.values() for item in rows]
    assert len(quotes) > 300
    assert all(normalize_text(q) in pub.text for q in quotes)


def test_table_reference_is_regenerated_when_stale(data_copy: Path, tmp_path: Path) -> None:
    from sorakg.loaders.reference import tables_markdown

    reference = tmp_path / "tables.md"
    reference.write_text("# out of date\n")
    assert lint(data_copy, fix=False, reference=reference) == [reference]
    assert lint(data_copy, fix=True, reference=reference) == [reference]
    text = reference.read_text()
    assert text == tables_markdown()
    for model in tables.ALL_MODELS:  # every table and every column is documented
        assert f"## `{model.table}`" in text
        assert all(f"| `{column}` |" in text for column in tables.columns(model))
    assert lint(data_copy, fix=False, reference=reference) == []
