"""Every update names its graph: which operations would use the store's own default graph.

A query's default graph is the union of the named graphs, but Oxigraph runs an update against
the store's own default graph, which holds nothing of the build: ``DELETE WHERE`` written like
a query would answer 204 and change nothing, and ``INSERT DATA`` outside ``GRAPH`` would put
triples where every query then sees them but no release holds them. So every update names its
graph (``GRAPH <…>``, ``WITH <…>`` or ``USING <…>``), and the store's default graph stays empty.

Decided on the tokens of :mod:`sorakg.sparql.text`, whose terminals are Oxigraph's own (tested
against the engine in ``tests/test_sparql_policy.py``), in one pass: linear in the text, so an
``INSERT DATA`` as large as ``max_body_bytes`` is checked in milliseconds, and every form the
engine reads is judged (SPARQL 1.2 literals, ``ADD … TO DEFAULT``, ``LOAD`` without ``INTO``).
Errs towards refusing: a group whose structure it does not know counts as reading the default
graph. ``tests/test_update_graphs.py`` runs generated updates in Oxigraph itself and checks that
none the rule lets through leaves a triple in the default graph.
"""

from __future__ import annotations

from collections.abc import Sequence

from sorakg.sparql.text import Token, lex

_OPERATIONS = {"LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "INSERT", "DELETE", "WITH"}


def _close(tokens: Sequence[Token], at: int) -> int:
    """The index just past the bracket that closes the one at ``at``."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    opener, closer, depth = tokens[at].text, pairs[tokens[at].text], 0
    for index in range(at, len(tokens)):
        if tokens[index].text == opener:
            depth += 1
        elif tokens[index].text == closer:
            depth -= 1
            if depth == 0:
                return index + 1
    return len(tokens)


def _word(token: Token) -> str:
    return token.text.upper() if token.kind == "word" else ""


def _template_outside_graph(tokens: Sequence[Token], at: int) -> bool:
    """Whether the quad template opened by the ``{`` at ``at`` holds a triple outside GRAPH."""
    end, index = _close(tokens, at) - 1, at + 1
    while index < end:
        if _word(tokens[index]) == "GRAPH" and index + 2 < end and tokens[index + 2].text == "{":
            index = _close(tokens, index + 2)
        elif tokens[index].text == ".":
            index += 1
        else:
            return True
    return False


def _group_reads_default(tokens: Sequence[Token], at: int) -> bool:
    """Whether the group opened by the ``{`` at ``at`` has a pattern outside GRAPH."""
    end, index = _close(tokens, at) - 1, at + 1
    while index < end:
        token, word = tokens[index], _word(tokens[index])
        if word == "GRAPH" and index + 2 < end and tokens[index + 2].text == "{":
            index = _close(tokens, index + 2)
        elif word in ("FILTER", "BIND"):
            index += 1
            if _word(tokens[index]) == "NOT":
                index += 1
            if _word(tokens[index]) == "EXISTS" and tokens[index + 1].text == "{":
                if _group_reads_default(tokens, index + 1):
                    return True
                index = _close(tokens, index + 1)
                continue
            if tokens[index].text != "(":  # a function call: its name, then its arguments
                index += 1
            if tokens[index].text != "(":
                return True  # not a form this rule knows
            index = _close(tokens, index)
        elif word == "VALUES":
            while index < end and tokens[index].text != "{":
                index += 1
            index = _close(tokens, index)
        elif word in ("OPTIONAL", "MINUS", "UNION") or token.text == ".":
            index += 1
        elif token.text == "{":
            if _group_reads_default(tokens, index):
                return True
            index = _close(tokens, index)
        else:  # a triple pattern, a subquery, SERVICE …: it reads the default graph
            return True
    return False


def _operations(tokens: Sequence[Token]) -> list[list[Token]]:
    """The update's operations, the prologue (BASE, PREFIX) left out."""
    operations: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if depth == 0 and _word(token) in ("BASE", "PREFIX", "VERSION"):
            index += 3 if _word(token) == "PREFIX" else 2
            continue
        if token.text in ("{", "(", "["):
            depth += 1
        elif token.text in ("}", ")", "]"):
            depth -= 1
        if depth == 0 and token.text == ";":
            operations.append(current)
            current = []
        else:
            current.append(token)
        index += 1
    operations.append(current)
    return [operation for operation in operations if operation]


def _operation(op: list[Token]) -> str | None:
    words = [_word(token) for token in op]
    first = words[0]
    if first == "LOAD":
        return None if "INTO" in words else "LOAD without INTO GRAPH"
    if first in ("ADD", "MOVE", "COPY"):
        return f"{first} with DEFAULT" if "DEFAULT" in words else None
    if first in ("CLEAR", "DROP", "CREATE"):
        return None
    if first in ("INSERT", "DELETE") and len(op) > 2 and words[1] in ("DATA", "WHERE"):
        if op[2].text == "{" and _template_outside_graph(op, 2):
            return f"{first} {words[1]}: triples outside GRAPH"
        return None
    with_graph = first == "WITH"
    index = 2 if with_graph else 0
    using = False
    while index < len(op):
        word = _word(op[index])
        if word in ("INSERT", "DELETE") and index + 1 < len(op) and op[index + 1].text == "{":
            if not with_graph and _template_outside_graph(op, index + 1):
                return f"{word}: a template outside GRAPH"
            index = _close(op, index + 1)
        elif word == "USING":
            using = using or _word(op[index + 1]) != "NAMED"
            index += 2
        elif word == "WHERE" or op[index].text == "{":
            at = index + 1 if word == "WHERE" else index
            reads = at < len(op) and op[at].text == "{" and _group_reads_default(op, at)
            return "WHERE: a pattern outside GRAPH" if reads and not (with_graph or using) else None
        else:
            index += 1
    return None if first in _OPERATIONS else "an operation this endpoint does not know"


def default_graph_update(text: str) -> str | None:
    """Why the update is refused (it would use the store's default graph), or None."""
    tokens = list(lex(text))
    for op in _operations(tokens):
        if (why := _operation(op)) is not None:
            return why
    return None
