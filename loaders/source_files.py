"""Read the curators' files defensively: every fault becomes a located :class:`Problem`.

A table or ``publication.toml`` that is not valid UTF-8, is not valid TOML, has an unclosed
quote or an oversized cell, or holds a NUL byte, is reported as ``file:line: column: message``
like any other problem (never a traceback), and reading goes on so that every problem is reported
at once. A UTF-8 byte-order mark, as spreadsheet programs write it, is accepted.

Cells that start with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) are refused in
text columns: a spreadsheet program opening the CSV answers or the SSSOM export would run them as
formulas (OWASP, "CSV Injection"). Numeric columns are exempt (``-0.5`` is a number there), and no
quote or label in the curated tables starts with one of these characters.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by surrogateescape


@dataclass
class Text:
    """A decoded file, or the problems that stopped it from decoding."""

    text: str | None
    problems: list[Problem] = field(default_factory=list)


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def read_text(path: Path, shown: str) -> Text:
    """The file as text (a UTF-8 BOM dropped); a problem at the first line that is not UTF-8."""
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="surrogateescape")
    except OSError as error:
        return Text(None, [Problem(shown, 0, "", f"cannot read: {error.strerror}")])
    bad = _UNDECODABLE.search(text)
    if bad:
        byte = ord(bad.group()) - 0xDC00
        return Text(
            None,
            [
                Problem(
                    shown,
                    _line_of(text, bad.start()),
                    "",
                    f"not valid UTF-8 (byte 0x{byte:02X}); save the file as UTF-8",
                )
            ],
        )
    return Text(text)


def read_toml(path: Path, shown: str) -> tuple[dict[str, object] | None, list[Problem]]:
    decoded = read_text(path, shown)
    if decoded.text is None:
        return None, decoded.problems
    try:
        return tomllib.loads(decoded.text), []
    except tomllib.TOMLDecodeError as error:
        # Python 3.11's error has no line attribute; its message ends "(at line L, column C)"
        found = re.search(r"\(at line (\d+), column (\d+)\)$", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)$", "", str(error))
        line, column = (int(found[1]), f"column {found[2]}") if found else (0, "")
        return None, [Problem(shown, line, column, f"invalid TOML: {message}")]


@dataclass
class Table:
    """A CSV file's header and records (each with the line it starts on), and its problems."""

    header: list[str]
    records: list[tuple[int, dict[str, str]]]
    problems: list[Problem]


def _csv_problem(shown: str, start: int, end: int, error: csv.Error) -> Problem:
    text = str(error)
    if text == "unexpected end of data":
        message = "unclosed quote: the quoted cell opened on this line runs to the end of the file"
    elif text.startswith("',' expected after '\"'") and end > start:
        message = f"unclosed quote: the quoted cell opened on this line runs on to line {end}"
    elif text.startswith("',' expected after '\"'"):
        message = 'a quote inside a quoted cell must be doubled ("")'
    elif text.startswith("field larger than field limit"):
        limit = csv.field_size_limit()
        message = f"a cell is longer than {limit} characters (the CSV field limit)"
    else:
        message = f"not readable as CSV: {text}"
    return Problem(shown, start, "", message)


def read_csv(path: Path, shown: str, numeric: frozenset[str] = frozenset()) -> Table:
    """Parse a CSV table; ``numeric`` columns may start with ``-`` or ``+``."""
    decoded = read_text(path, shown)
    if decoded.text is None:
        return Table([], [], decoded.problems)
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(decoded.text, newline=""), strict=True)
    header: list[str] | None = None
    records: list[tuple[int, dict[str, str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:  # the reader resumes at the next line: keep going
            problems.append(_csv_problem(shown, start, reader.line_num, error))
            continue
        if header is None:
            header = cells
            problems += _cell_problems(shown, start, dict(zip(cells, cells, strict=True)), numeric)
            continue
        if not any(c.strip() for c in cells):
            continue  # a blank line, as csv.DictReader skips it
        if len(cells) > len(header):
            problems.append(Problem(shown, start, "", "more cells than columns (unquoted comma?)"))
            continue
        record = dict(zip(header, cells, strict=False))
        found = _cell_problems(shown, start, record, numeric)
        problems += found
        if not found:
            records.append((start, record))
    return Table(header or [], records, problems)


def _cell_problems(
    shown: str, line: int, record: dict[str, str], numeric: frozenset[str]
) -> list[Problem]:
    problems = []
    for column, value in record.items():
        if "\x00" in value:
            problems.append(Problem(shown, line, column, "contains a NUL byte"))
        elif column not in numeric and value.startswith(FORMULA_STARTS):
            problems.append(
                Problem(
                    shown,
                    line,
                    column,
                    f"starts with {value[0]!r}: spreadsheet programs would run it as a formula "
                    "(CSV injection); reword the cell so it starts otherwise",
                )
            )
    return problems
