"""SPARQL mistakes people make, caught or explained: an undeclared prefix, an engine message.

The most common mistake is a missing ``PREFIX`` line (YASGUI does not add them, and a query
copied from the docs often lacks them). For a prefix the project knows (``sk:``, ``rdfs:``,
``drug:`` …) :func:`declare_known_prefixes` adds the line; for any other the message names the
prefix. Oxigraph's parse errors list every token it would have accepted, including Unicode
ranges (``'\\u{00C0}'..='\\u{00D6}'``) and its own sentences; :func:`short_error` keeps the line
and column in the user's own text (:func:`parse_error` takes the added ``PREFIX`` lines off)
and the readable part.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from sorakg.sparql import text as sparql_text

_AT = re.compile(r"error at (\d+):(\d+):?\s*(.*)", re.S)
_PREFIXED = re.compile(r"^([A-Za-z][\w.\-]*)?:")  # pname: the lexer's word with a colon


def prefixed_names(text: sparql_text.Lexed) -> tuple[set[str], set[str]]:
    """(prefixes used in prefixed names, prefixes declared with ``PREFIX``)."""
    used: set[str] = set()
    declared: set[str] = set()
    previous = ""
    for token in (t.text for t in sparql_text.lexed(text)):
        match = _PREFIXED.match(token)
        if not match:
            previous = token
            continue
        prefix = match.group(1) or ""
        if previous.upper() == "PREFIX":
            declared.add(prefix)
        else:
            used.add(prefix)
        previous = token
    return used, declared


def missing_prefixes(text: sparql_text.Lexed) -> set[str]:
    used, declared = prefixed_names(text)
    return used - declared - {"_"}  # _:b is a blank node


def declare_known_prefixes(
    text: str, known: Mapping[str, str], lexed: Iterable[sparql_text.Token] | None = None
) -> tuple[str, list[str]]:
    """The query with a ``PREFIX`` line for each known prefix it uses without declaring, and
    the lines added. ``BASE``/``PREFIX`` lines must come first, so they open the text.
    ``lexed`` is ``text``'s tokens when the caller has them already."""
    missing = missing_prefixes(text if lexed is None else lexed)
    lines = [f"PREFIX {p}: <{known[p]}>" for p in sorted(missing) if p in known]
    if not lines:
        return text, []
    return "\n".join(lines) + "\n" + text, lines


def shift_lines(message: str, by: int) -> str:
    """``message`` with its ``error at L:C`` moved ``by`` lines: the position in the user's own
    text when the engine parsed it with ``-by`` ``PREFIX`` lines added above."""
    return _AT_ONLY.sub(lambda m: f"error at {max(1, int(m[1]) + by)}:{m[2]}", message, count=1)


def parse_error(error: SyntaxError, added: int) -> SyntaxError:
    """The engine's error for a text parsed with ``added`` ``PREFIX`` lines above the user's,
    placed in the user's text."""
    return SyntaxError(shift_lines(str(error), -added))


FORMS = {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE", "PREFIX", "BASE"}
UPDATES = {"INSERT", "DELETE", "WITH", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD"}


def short_error(message: str, text: str = "", known: Mapping[str, str] | None = None) -> str:
    """One line naming the fault at the user's own line and column: ``error at 2:5 (line 2,
    column 5) near '} LIMT 5': expected one of …``. ``text`` is the user's query (as typed:
    the prefixes the project declares for it are not in it) and ``message`` the engine's error
    placed in that text (:func:`parse_error`). A prefix is blamed only when the engine says a
    prefix is missing, and only one that neither the user nor the project declares."""
    flat = " ".join(str(message).split())
    match = _AT.search(flat)
    if not match:
        return flat[:300]
    line, column, rest = match.groups()
    end = ""
    if text and _offset(text, int(line), int(column)) >= len(text.rstrip()):
        # the engine stops at the end of the input, blank lines included: say so, at the end
        # of what the user wrote (the same place whether the file ends with a newline or not)
        last = text.rstrip()
        line, column = str(last.count("\n") + 1), str(len(last) - last.rfind("\n"))
        end = " at the end of the query"
    where = f"error at {line}:{column} (line {line}, column {column}){end}"
    if text:
        first = _first_word(text)
        if first is not None and first[0].upper() not in FORMS | UPDATES:
            word, at_line, at_column = first
            return (
                f"error at {at_line}:{at_column} (line {at_line}, column {at_column}): unknown "
                f"keyword '{word}'; a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE"
            )
        near = _near(text, int(line), int(column))
        where += f" near '{near}'" if near else ""
    items = _items(rest.removeprefix("expected one of").removeprefix("expected"))
    if "Prefix not found" in items:
        missing = sorted(missing_prefixes(text) - set(known or {})) if text else []
        if missing:
            names = ", ".join(f"'{p}:'" for p in missing)
            return f"{where}: undeclared prefix {names}; declare it with PREFIX"
        items.remove("Prefix not found")  # the engine's guess among others; not the cause here
    sentences = [item for item in items if " " in item and not item.startswith(('"', "["))]
    if sentences:  # the engine's own words ("The SELECT contains a variable that is unbound")
        hint = ""
        if "unbound" in sentences[0] and text and sparql_text.uses(text, "COUNT", "SUM", "AVG",
                                                                     "MIN", "MAX", "SAMPLE",
                                                                     "GROUP_CONCAT"):  # fmt: skip
            hint = "; with an aggregate, every other selected variable must be in GROUP BY"
        return f"{where}: {sentences[0]}{hint}"
    # sorted: the engine's order varies from run to run, and a message should not
    readable = sorted((item for item in items if _READABLE.fullmatch(item)), key=str.casefold)
    if not readable:
        return f"{where}: syntax error"
    if {item.upper() for item in readable} & _FUNCTIONS and not any('"' in i for i in readable):
        return f"{where}: expected an expression (a variable, a value, or a function like STR)"
    shown = ", ".join(readable[:8]) + (" …" if len(readable) > 8 else "")
    return f"{where}: expected {'one of ' if len(readable) > 1 else ''}{shown}"


_AT_ONLY = re.compile(r"error at (\d+):(\d+)")
_READABLE = re.compile(r'"[^"]*"|[A-Za-z_][A-Za-z0-9_]*')  # "{" or a keyword, not a range
# a few of SPARQL's functions: an expected list made of them means "an expression goes here"
_FUNCTIONS = {"ABS", "AVG", "BOUND", "CEIL", "COUNT", "DAY", "IRI", "LANG", "MAX", "MIN", "RAND",
              "REGEX", "STR", "STRLEN", "SUM", "UUID", "YEAR"}  # fmt: skip


def _items(expected: str) -> list[str]:
    """The engine's list of expected things, split at the commas outside brackets and quotes."""
    items: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for char in expected.strip().rstrip("."):
        if char == '"' and depth == 0:
            quoted = not quoted
        elif not quoted and char == "[":
            depth += 1
        elif not quoted and char == "]":
            depth -= 1
        if char == "," and depth == 0 and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return [item for item in items if item]


def _first_word(text: str) -> tuple[str, int, int] | None:
    """The query's first keyword with its line and column (None if it opens with anything
    else: a variable, a brace, nothing)."""
    for token in sparql_text.lex(text):
        if token.kind != "word":
            return None
        if token.text.upper() in ("PREFIX", "BASE"):
            return None  # the declarations' own errors are the engine's to report
        before = text[: token.start]
        return token.text, before.count("\n") + 1, token.start - (before.rfind("\n") + 1) + 1
    return None


def _offset(text: str, line: int, column: int) -> int:
    """The character offset of a 1-based line and column of ``text``."""
    lines = text.split("\n")
    return sum(len(previous) + 1 for previous in lines[: line - 1]) + column - 1


def _near(text: str, line: int, column: int) -> str:
    """The user's words just before ``column`` (up to ~25 characters, whole words)."""
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return ""
    start = max(0, column - 25)
    near = lines[line - 1][start:column]
    if start > 0 and " " in near:
        near = near.split(" ", 1)[1]  # no word cut in half
    return near.strip()
