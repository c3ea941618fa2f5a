"""Which SPARQL keywords a query or update uses, found by a lexical scan.

Oxigraph parses and runs a query in one call and does not expose its syntax tree, so the
policy checks (no ``SERVICE``, no ``LOAD``) and the dataset choice (does the query name its own
``FROM`` graphs?) look at the tokens instead. IRIs, strings and comments are blanked out first,
so ``<http://x/SERVICE>``, ``"LOAD"`` or ``# from`` do not count; a keyword must stand alone,
not be part of a variable (``?service``), a prefixed name (``ex:load``) or a language tag.
The parser still decides validity: this scan only answers "is the keyword there".
"""

from __future__ import annotations

import re

# Long strings first, then short strings, IRIs and comments: each is replaced by a space.
_OPAQUE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
)
# A keyword token: not preceded by a name character, '?', '$', ':', '@' or '_',
# and not followed by a name character or ':'.
_TOKEN = r"(?<![\w?$:@.-])(?:{word})(?![\w:-])"


def _scan(text: str) -> str:
    return _OPAQUE.sub(" ", text)


def uses(text: str, *keywords: str) -> set[str]:
    """The subset of ``keywords`` (upper case) that occur as keywords in ``text``."""
    code = _scan(text)
    found: set[str] = set()
    for keyword in keywords:
        if re.search(_TOKEN.format(word=re.escape(keyword)), code, flags=re.IGNORECASE):
            found.add(keyword.upper())
    return found
