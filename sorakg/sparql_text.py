"""A SPARQL lexer just fine enough for what Oxigraph does not expose: its syntax tree.

Oxigraph parses and runs a query in one call, so the few questions asked of a query's text
before running it are answered from its tokens: which keywords it uses (the endpoint refuses
``SERVICE`` and ``LOAD``, and honours a query's own ``FROM``), its form (``SELECT``, ``ASK`` …)
and where its WHERE group opens (the query library binds parameters there for remote
endpoints). IRIs, strings, comments and language tags are tokens of their own, so
``<http://x/SERVICE>``, ``"LOAD"``, ``# from`` or ``"x"@load`` never count as keywords, nor do
variables (``?service``) or prefixed names (``service:p``). The parser still decides validity.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_TOKEN = re.compile(
    r"""(?P<skip>\#[^\n]*|\s+)
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                  |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      | (?P<langtag>@[A-Za-z][\w-]*)
      | (?P<word>[?$]?[A-Za-z_0-9][\w.\-]*(?::[\w.\-%]*)?|:[\w.\-%]*)
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)


def scan(text: str) -> Iterator[tuple[str, int]]:
    """Each token (comments and white space left out) with the offset just after it."""
    for match in _TOKEN.finditer(text):
        if match.lastgroup != "skip":
            yield match.group(), match.end()


def tokens(text: str) -> Iterator[str]:
    return (token for token, _ in scan(text))


def uses(text: str, *keywords: str) -> set[str]:
    """The subset of ``keywords`` (upper case) that occur as keywords in ``text``."""
    wanted = {keyword.upper() for keyword in keywords}
    return {token.upper() for token in tokens(text)} & wanted


def form(text: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the query's first form keyword."""
    for token in tokens(text):
        if token.upper() in {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}:
            return token.upper()
    return "SELECT"


def where_brace(text: str) -> int | None:
    """The offset just after the ``{`` that opens the query's WHERE group, or None."""
    depth, after_where, first = 0, False, None
    for token, end in scan(text):
        if token == "{":
            if depth == 0 and (after_where or first is None):
                if after_where:
                    return end
                first = end
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0 and token.upper() == "WHERE":
            after_where = True
    return first
