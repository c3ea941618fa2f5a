"""Read and check the curated tables of one or more publications.

``read_sources(data_dir)`` returns every row, validated against its model in ``tables.py``, with
the file and line it came from. It raises one :class:`TableError` listing every problem found:
cells that do not fit their column, references to entities no table defines, quotes that do not
occur in the publication's text, and the same fact entered twice.
"""

from __future__ import annotations

import hashlib
import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from . import bibliography, tables
from .errors import Problem, TableError
from .identifiers import Identifier, read_identifiers
from .source_files import read_csv, read_text, read_toml

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """The review as quotes are matched against it: word-processor bookmarks dropped, runs of
    whitespace made one space. Nothing else changes, so quotes stay verbatim."""
    return _SPACE.sub(" ", _BOOKMARK.sub(" ", text)).strip()


@dataclass(frozen=True)
class Located:
    """A validated row and where it came from."""

    row: tables.Row
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def fact_id(self) -> str:
        """Stable id of the row's fact: its key columns, plus a digest of its quote so that two
        sentences stating the same fact are two pieces of evidence."""
        words = [v for v in self.row.id_words() if v]
        digest = hashlib.sha1(normalize_text(self.row.quote).encode()).hexdigest()[:8]
        return "--".join([*words, digest]).lower()


@dataclass
class Publication:
    id: str
    meta: dict[str, object]
    folder: Path
    text: str | None  # None when source.txt could not be read (a problem says why)
    rows: dict[type[tables.Row], list[Located]] = field(default_factory=dict)
    record: bibliography.PublicationRecord | None = None  # None when publication.toml is bad
    references: list[bibliography.Reference] = field(default_factory=list)

    def of(self, model: type[tables.Row]) -> list[Located]:
        return self.rows.get(model, [])


@dataclass
class Sources:
    """Everything the loader turns into RDF."""

    publications: list[Publication]
    identifiers: list[tuple[Identifier, str]]

    def entities(self) -> Iterator[tuple[Publication, Located]]:
        for pub in self.publications:
            for model in tables.ENTITY_MODELS:
                for located in pub.of(model):
                    yield pub, located


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _numeric_columns(model: type[tables.Row]) -> frozenset[str]:
    """Columns whose cells are numbers (where a leading ``-`` is a sign, not a formula)."""
    found = set()
    for name, info in model.model_fields.items():
        kinds = typing.get_args(info.annotation) or (info.annotation,)
        if any(kind in (int, float) for kind in kinds):
            found.add(name)
    return frozenset(found)


def _read_table(
    path: Path, model: type[tables.Row], shown: str
) -> tuple[list[Located], list[Problem]]:
    located: list[Located] = []
    expected = tables.columns(model)
    table = read_csv(path, shown, _numeric_columns(model))
    problems = list(table.problems)
    if not table.header:
        return [], problems
    header = table.header
    unknown = [c for c in header if c not in expected]
    required = [n for n, f in model.model_fields.items() if f.is_required()]
    missing = [c for c in required if c not in header]
    for column in unknown:
        problems.append(
            Problem(shown, 1, column, f"unknown column (expected: {', '.join(expected)})")
        )
    for column in missing:
        problems.append(Problem(shown, 1, column, "required column is missing"))
    if unknown or missing:
        return [], problems
    for line, record in table.records:
        cells = {k: v for k, v in record.items() if v.strip() != ""}
        try:
            located.append(Located(model.model_validate(cells), shown, line))
        except ValidationError as error:
            for issue in error.errors():
                column = ".".join(str(p) for p in issue["loc"]) or "row"
                problems.append(Problem(shown, line, column, issue["msg"]))
    return located, problems


def read_publication(folder: Path, root: Path) -> tuple[Publication, list[Problem]]:
    problems: list[Problem] = []
    meta_path = folder / "publication.toml"
    meta, meta_problems = read_toml(meta_path, _display(meta_path, root))
    problems += meta_problems
    source = read_text(folder / "source.txt", _display(folder / "source.txt", root))
    problems += source.problems
    # without a readable source.txt the quotes cannot be checked (its problem says why)
    text = normalize_text(source.text) if source.text is not None else None
    meta = meta or {}
    pub = Publication(id=str(meta.get("id", folder.name)), meta=meta, folder=folder, text=text)
    if pub.id != folder.name:
        problems.append(Problem(_display(meta_path, root), 0, "id", "must equal the folder name"))
    if not meta_problems:  # a file that is not TOML has no record to check (its problem says why)
        pub.record, found = bibliography.read_record(meta, _display(meta_path, root))
        problems += found
    shown = _display(folder / bibliography.TABLE, root)
    pub.references, found = bibliography.read_references(folder, shown)
    problems += found
    known = {m.table for m in tables.ALL_MODELS} | {bibliography.TABLE}
    for csv_path in sorted(folder.glob("*.csv")):
        if csv_path.name not in known:
            problems.append(
                Problem(_display(csv_path, root), 0, "", f"no table is named {csv_path.name}")
            )
    for model in tables.ALL_MODELS:
        path = folder / model.table
        if not path.exists():
            continue
        located, found = _read_table(path, model, _display(path, root))
        pub.rows[model] = located
        problems += found
        if pub.text is not None:
            problems += _check_quotes(pub, located)
        problems += _check_duplicates(located)
    return pub, problems


def _check_quotes(pub: Publication, rows: list[Located]) -> Iterator[Problem]:
    for item in rows:
        quotes = {"quote": item.row.quote}
        if isinstance(item.row, tables.Discrepancy):
            quotes["alternative_quote"] = item.row.alternative_quote
        for column, quote in quotes.items():
            if normalize_text(quote) not in (pub.text or ""):
                yield Problem(
                    item.file, item.line, column, f"not found verbatim in {pub.id}'s source.txt"
                )


def _check_duplicates(rows: list[Located]) -> Iterator[Problem]:
    seen: dict[str, Located] = {}
    for item in rows:
        if item.fact_id in seen:
            first = seen[item.fact_id]
            yield Problem(item.file, item.line, "", f"same fact and quote as line {first.line}")
        seen[item.fact_id] = item


# the trial columns a reference check may correct (loaders/disputes.py TRIAL_COLUMNS)
CHECKED_COLUMNS = {"trials.csv": frozenset({"phase", "enrolled", "acronym"})}


def _check_reference_checks(sources: Sources) -> Iterator[Problem]:
    """Each reference check names rows that exist, and only a column a check may correct; a
    corrected value must be one the column accepts."""
    for pub in sources.publications:
        by_table = {model.table: rows for model, rows in pub.rows.items()}
        for item in pub.of(tables.ReferenceCheck):
            check: tables.ReferenceCheck = item.row  # type: ignore[assignment]
            if not any(check.covers(r.row) for r in by_table.get(check.checked_table, [])):
                yield Problem(
                    item.file,
                    item.line,
                    "row_key",
                    f"no row of {check.checked_table} has the key '{check.row_key}'",
                )
            if check.column and check.column not in CHECKED_COLUMNS.get(
                check.checked_table, frozenset()
            ):
                yield Problem(
                    item.file, item.line, "column", f"'{check.column}' cannot be corrected"
                )
            elif check.column and check.value:
                field = tables.Trial.model_fields[check.column]
                try:
                    TypeAdapter(field.rebuild_annotation()).validate_python(check.value)
                except ValidationError:
                    yield Problem(
                        item.file,
                        item.line,
                        "value",
                        f"'{check.value}' is not a value of trials.csv {check.column}",
                    )


def _check_classes(sources: Sources, known: set[str]) -> Iterator[Problem]:
    """Target classes named in molecules.csv must be classes of the ontology."""
    for pub in sources.publications:
        for item in pub.of(tables.Molecule):
            for name in item.row.classes:  # type: ignore[attr-defined]
                if name not in known:
                    yield Problem(
                        item.file, item.line, "classes", f"'{name}' is not a class of the ontology"
                    )


def _check_references(sources: Sources) -> Iterator[Problem]:
    """Every column that names an entity must name one that some table defines."""
    defined: dict[str, dict[str, tables.Entity]] = {}
    for _, item in sources.entities():
        entity = item.row
        assert isinstance(entity, tables.Entity)
        kinds = defined.setdefault(entity.id, {})
        if entity.segment in kinds and kinds[entity.segment].label != entity.label:
            yield Problem(
                item.file, item.line, "label", f"'{entity.id}' has another label elsewhere"
            )
        kinds[entity.segment] = entity
    for id_, kinds in defined.items():
        if len(kinds) > 1:
            yield Problem("loaders/data", 0, "id", f"'{id_}' names both a {' and a '.join(kinds)}")
    for pub in sources.publications:
        arms = {(a.row.trial, a.row.arm) for a in pub.of(tables.Arm)}  # type: ignore[attr-defined]
        for model, rows in pub.rows.items():
            refs = tables.references(model)
            for item in rows:
                for column, allowed in refs.items():
                    value = getattr(item.row, column)
                    for name in value if isinstance(value, list) else [value]:
                        if name is not None and not set(defined.get(name, {})) & set(allowed):
                            wanted = " or ".join(allowed)
                            yield Problem(
                                item.file, item.line, column, f"no {wanted} '{name}' is defined"
                            )
                arm = getattr(item.row, "arm", None)
                if model is not tables.Arm and arm and (item.row.trial, arm) not in arms:  # type: ignore[attr-defined]
                    yield Problem(
                        item.file, item.line, "arm", f"trial has no arm '{arm}' in arms.csv"
                    )
    for ident, where in sources.identifiers:
        segment, _, name = ident.entity.partition("/")
        if segment not in defined.get(name, {}):
            file, _, line = where.rpartition(":")
            yield Problem(file, int(line), "entity", f"no entity '{ident.entity}' is defined")


def read_sources(
    data_dir: Path, root: Path | None = None, ontology_classes: set[str] | None = None
) -> Sources:
    """Read every publication folder under ``data_dir`` and the shared identifiers table.

    ``ontology_classes`` (local names) lets the reader check the target classes of molecules.
    """
    # resolved first: the package reaches the tables through a symlink (sorakg/loaders)
    root = root or data_dir.resolve().parent.parent
    problems: list[Problem] = []
    publications = []
    for folder in sorted(p for p in data_dir.iterdir() if (p / "publication.toml").exists()):
        pub, found = read_publication(folder, root)
        publications.append(pub)
        problems += found
    if not publications:
        problems.append(Problem(_display(data_dir, root), 0, "", "no publication folders found"))
    identifiers, found = read_identifiers(
        data_dir / "identifiers.csv", _display(data_dir / "identifiers.csv", root)
    )
    problems += found
    sources = Sources(publications, identifiers)
    if not problems:
        problems += _check_references(sources)
        if not problems:  # a check names rows by their key: with a key broken, it would too
            problems += _check_reference_checks(sources)
        lexicon = data_dir / "hedge_cues.csv"
        if lexicon.exists():
            from .hedges import read_lexicon, unexplained  # hedges reads Located from here

            cues = read_lexicon(lexicon)
            for pub in sources.publications:
                for rows in pub.rows.values():
                    problems += unexplained(rows, cues)
        if ontology_classes is not None:
            problems += _check_classes(sources, ontology_classes)
    if problems:
        raise TableError(problems)
    return sources
