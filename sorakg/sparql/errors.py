"""SPARQL mistakes people make, caught or explained: an undeclared prefix, an engine message.

The most common mistake is a missing ``PREFIX`` line (YASGUI does not add them, and a query
copied from the docs often lacks them). For a prefix the project knows (``sk:``, ``rdfs:``,
``drug:`` …) :func:`declare_known_prefixes` adds the line; for any other the message names the
prefix. Oxigraph's parse errors list every token it would have accepted, including Unicode
ranges (``'\\u{00C0}'..='\\u{00D6}'``); :func:`short_error` keeps the line and column and a few
readable alternatives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from sorakg.sparql import text as sparql_text

_AT = re.compile(r"error at (\d+):(\d+):?\s*(.*)", re.S)
_PREFIXED = re.compile(r"^([A-Za-z][\w.\-]*)?:")  # pname: the lexer's word with a colon
_EXPECTED = re.compile(r'"[^"]*"|\b[A-Z][A-Za-z_]+\b')  # "{", SELECT … (not the Unicode ranges)


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


def short_error(message: str, text: str = "", known: Mapping[str, str] | None = None) -> str:
    """One line: ``error at 1:31 (line 1, column 31): undeclared prefix 'foo:' …``, or the
    first few tokens the parser expected, without Unicode ranges."""
    flat = " ".join(str(message).split())
    match = _AT.search(flat)
    if not match:
        return flat[:300]
    line, column, rest = match.groups()
    where = f"error at {line}:{column} (line {line}, column {column})"
    missing = sorted(missing_prefixes(text)) if text else []
    if "Prefix not found" in rest or missing:
        if missing:
            adds = [f"PREFIX {p}: <{known[p]}>" for p in missing if known and p in known]
            hint = f"; add: {' '.join(adds)}" if adds else "; declare it with PREFIX"
            names = ", ".join(f"'{p}:'" for p in missing)
            return f"{where}: undeclared prefix {names}{hint}"
        return f"{where}: undeclared prefix; declare it with PREFIX"
    expected = rest.removeprefix("expected one of").removeprefix("expected").strip()
    readable = list(dict.fromkeys(_EXPECTED.findall(expected.split("[", 1)[0])))
    if not readable:
        return f"{where}: syntax error"
    shown = ", ".join(readable[:6]) + (" …" if len(readable) > 6 else "")
    return f"{where}: expected {shown}"
