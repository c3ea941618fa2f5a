"""A SPARQL lexer for what Oxigraph does not expose: its syntax tree.

Oxigraph parses and runs a query in one call, so the few questions asked of a query's text
before running it are answered from its tokens: which keywords it uses (the endpoint refuses
``SERVICE`` and ``LOAD``, and honours a query's own ``FROM``), its form (``SELECT``, ``ASK`` …),
where its WHERE group opens (the query library binds parameters there for remote endpoints)
and how deeply it nests (too deep a query overflows the parser's stack).

:func:`lex` splits text by the terminals of the grammar as Oxigraph 0.5 reads them (SPARQL 1.2,
the rules of ``spargebra``'s parser): IRIs and the four string forms with their escapes, ECHAR
and UCHAR (``\\uXXXX``, ``\\UXXXXXXXX``) alike, language tags with a base direction,
variables, blank node labels, numbers, prefixed names (with ``%HH`` and ``\\#``-style escapes),
``NIL`` and ``ANON``; comments run to a CR or LF. Oxigraph reads an escape inside a string or
an IRI only, as its text: it does not expand escapes before parsing, as SPARQL 1.1 said to.
Everything else is a keyword-like word or one punctuation token, so ``<http://x/SERVICE>``,
``"LOAD"``, ``# from``, ``?service`` or ``service:p`` never count as keywords, while
``?o.SERVICE``, ``2.SERVICE`` and ``#x\\rSERVICE`` do.

The grammar alone is not enough for the policy check, because Oxigraph's parser is scannerless
(a PEG over characters): it reads ``SERVICEex:x`` as ``SERVICE ex:x``, ``trueSERVICE`` as
``true SERVICE``, and the ``<`` of ``FILTER(?a<?b)SERVICE…#>`` as less-than where the grammar's
tokens see one IRI. :func:`may_use` therefore over-approximates: see its docstring.
:func:`keywords_read` (and :func:`uses`) read ``FROM``, ``GRAPH`` and ``SERVICE`` glued to the
name after them as Oxigraph does (``FROMex:g`` is ``FROM ex:g`` in a dataset clause).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

# --- the grammar's terminals (SPARQL 1.1 Query, 19.8) -----------------------------------------

_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_VARNAME = rf"[{_U}0-9][{_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_PREFIX = rf"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_LOCAL = rf"(?:[{_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_ECHAR = r"""\\[tbnrf\\"']"""
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_EXPONENT = r"[eE][+-]?[0-9]+"
_WS = r"[ \t\r\n]"

# possessive: a run of plain characters is taken whole (a character at a time, the
# alternation cost a few microseconds per IRI on every lookup)
_IRI = rf"""<(?:[^<>"{{}}|^`\\\x00-\x20]++|{_UCHAR})*+>"""
_STRING = rf"""\"\"\"(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*\"\"\"
             | '''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*'''
             | "(?:[^"\\\r\n]|{_ECHAR}|{_UCHAR})*"
             | '(?:[^'\\\r\n]|{_ECHAR}|{_UCHAR})*'"""
_LANGTAG = r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?"  # with a base direction (1.2)
_VAR = rf"[?$]{_VARNAME}"
_NUMBER = rf"""[0-9]+\.[0-9]*{_EXPONENT}|\.[0-9]+{_EXPONENT}|[0-9]+{_EXPONENT}
              | [0-9]*\.[0-9]+ | [0-9]+"""
_PNAME = rf"(?:{_PREFIX})?:(?:{_LOCAL})?"

# Order matters where two terminals start alike: long strings before short ones, DOUBLE before
# DECIMAL before INTEGER, a blank node label (``_:``) before a prefixed name, a prefixed name
# (which needs its ``:``) before a bare word.
_TOKEN = rf"""(?P<ws>{_WS}+)
      | (?P<comment>\#[^\r\n]*)
      | (?P<iri>{_IRI})
      | (?P<string>{_STRING})
      | (?P<langtag>{_LANGTAG})
      | (?P<var>{_VAR})
      | (?P<bnode>_:[{_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?)
      | (?P<number>{_NUMBER})
      | (?P<pname>{_PNAME})
      | (?P<word>[A-Za-z][A-Za-z0-9_]*)
      | (?P<nil>\({_WS}*\))
      | (?P<anon>\[{_WS}*\])
      | (?P<punct>\|\||&&|\^\^|!=|<=|>=|.)"""


def _compiled(pattern: str, ascii: bool) -> re.Pattern[str]:
    """``pattern`` compiled, for text of ASCII characters only when ``ascii``: then without the
    name characters past U+00BF (which no ASCII text holds, so it matches the same), because
    Python's ``re`` walks every code point of a class's ranges as it compiles: the whole
    expressions take 25 and 60 ms, about a tenth of that without them. A query's text is almost
    always ASCII, so a process (a query worker, the server) rarely compiles the full ones."""
    return re.compile(pattern.replace(_BASE, "A-Za-z") if ascii else pattern,
                      re.VERBOSE | re.DOTALL)  # fmt: skip


@functools.cache
def _token(ascii: bool) -> re.Pattern[str]:
    return _compiled(_TOKEN, ascii)


class Token(NamedTuple):
    kind: str  # a group name of _TOKEN: "iri", "string", "var", "word", "punct" …
    text: str
    start: int
    end: int


def _lex(text: str, pos: int = 0) -> Iterator[Token]:
    """Every token from ``pos`` on, white space and comments included."""
    for match in _token(text.isascii()).finditer(text, pos):
        yield Token(match.lastgroup or "punct", match.group(), *match.span())


def lex(text: str) -> Iterator[Token]:
    """The tokens of ``text`` by the SPARQL grammar, without white space and comments."""
    return (token for token in _lex(text) if token.kind not in ("ws", "comment"))


# A query's text, or its tokens from :func:`lex` when several questions are asked of one text
# (the worker asks for FROM and for undeclared prefixes): lexed once, not once per question.
Lexed = str | Iterable[Token]


def lexed(text: Lexed) -> Iterable[Token]:
    return lex(text) if isinstance(text, str) else text


def uses(text: Lexed, *keywords: str) -> set[str]:
    """The subset of ``keywords`` that Oxigraph reads in ``text`` (see :func:`keywords_read`)."""
    tokens = list(lexed(text))
    return {keyword for _, keyword in keywords_read(tokens, *keywords)}


def names_dataset(text: str) -> bool:
    """Whether the query has its own ``FROM``/``FROM NAMED`` (as Oxigraph reads it): then the
    store must read that dataset, not the default view's. Cheap for a text without "from"."""
    return "from" in text.lower() and "FROM" in uses(text, "FROM")


# Keywords that a name and then a group follow (``GRAPH ?g { … }``, ``SERVICE <s> { … }``).
_GROUP_AFTER_NAME = frozenset({"GRAPH", "SERVICE"})


def keywords_read(tokens: Sequence[Token], *keywords: str) -> list[tuple[int, str]]:
    """Where Oxigraph reads each of ``keywords`` in ``tokens`` (:func:`lex`'s, of one text): the
    index of each token in which it reads one, and the keyword, in order.

    A keyword token of the grammar counts wherever it stands. Oxigraph's parser is scannerless
    and matches a keyword without a word boundary, so it also reads one glued to what follows,
    which the grammar's tokens take for one word or prefixed name:

    - ``FROM`` in a dataset clause (:func:`_dataset_clauses`): ``FROMex:g`` is ``FROM ex:g``,
      ``from:g`` is ``FROM :g``, ``FROMNAMED<g>`` is ``FROM NAMED <g>``, ``ASKFROM<g>`` is
      ``ASK FROM <g>``. Nowhere else: ``?s fromage:p ?o`` is a name.
    - ``GRAPH`` and ``SERVICE`` in a prefixed name whose prefix holds it and which a ``{``
      follows (``GRAPH:x { … }`` is ``GRAPH :x { … }``), or in a longer word (``trueGRAPH<g>``
      is ``true GRAPH <g>``; no other word holds it). This errs towards reading the keyword: an
      object ``?s ?p GRAPH:x`` before a group, its prefix declared, is a name to Oxigraph.

    Other keywords (``COUNT`` …) count as keyword tokens only: a name cannot follow them.
    """
    wanted = {keyword.upper() for keyword in keywords}
    found = [(at, "FROM") for at in _dataset_clauses(tokens)] if "FROM" in wanted else []
    for at, token in enumerate(tokens):
        if token.kind not in ("word", "pname"):
            continue
        plain = token.text.upper() if token.kind == "word" else None  # a keyword token
        for keyword in wanted - {"FROM"}:
            glued = keyword in _GROUP_AFTER_NAME and _glued(token, _at(tokens, at + 1), keyword)
            if plain == keyword or glued:
                found.append((at, keyword))
    return sorted(found)


def _at(tokens: Sequence[Token], at: int) -> Token | None:
    return tokens[at] if at < len(tokens) else None


def _glued(token: Token, after: Token | None, keyword: str) -> bool:
    """Whether Oxigraph may read ``keyword``, one that a name and a group follow (``GRAPH``,
    ``SERVICE``), inside one word or prefixed name (``after``: the token after it): in a word
    that holds it (``trueGRAPH``), or in the prefix of a name before a ``{`` (``GRAPH:x {``).
    Elsewhere a prefixed name stays one (``?s graph:p ?o``): Oxigraph reads a group pattern's
    triples first and the keyword only where they fail, before the group."""
    upper = token.text.upper()
    if token.kind == "word":
        return keyword in upper
    return keyword in upper.partition(":")[0] and after is not None and after.text == "{"


def _declaration(tokens: Sequence[Token], at: int) -> bool:
    """Whether the token at ``at`` declares a prefix (``PREFIX p: <iri>``)."""
    after = _at(tokens, at + 1)
    declares = tokens[at].kind == "pname" and tokens[at].text.endswith(":")
    return declares and after is not None and after.kind == "iri"


def _declared(tokens: Sequence[Token]) -> set[str]:
    """The prefixes the prologue declares, as written: ``PREFIX ex:`` and ``PREFIXex:`` (one
    token, read by Oxigraph as ``PREFIX ex:``) declare ``ex``."""
    names: set[str] = set()
    for at, token in enumerate(tokens):
        if _declaration(tokens, at):
            name = token.text[:-1]
            spaced = at > 0 and tokens[at - 1].text.upper().endswith("PREFIX")
            glued = not spaced and name.upper().startswith("PREFIX")
            names.add(name[len("PREFIX") :] if glued else name)
    return names


def _dataset_clauses(tokens: Sequence[Token]) -> Iterator[int]:
    """The tokens in which Oxigraph reads ``FROM``: the words and prefixed names holding it
    that stand outside brackets between the prologue and the query's WHERE group (after the
    form's clause, or glued to its keyword: ``ASKFROM``). There Oxigraph reads ``FROM`` glued to
    any name (``fromex:g`` is ``FROM ex:g`` even with ``fromex:`` declared), or fails. But a
    ``DESCRIBE`` reads a name first: one whose prefix the query declares is a resource to
    describe, up to the first ``FROM`` (``DESCRIBE fromage:brie``). A ``FROM`` anywhere else,
    after the WHERE group opens (a subquery has no dataset clause) or in brackets, is an error
    to Oxigraph: it takes no effect."""
    declared: set[str] | None = None  # read at the first DESCRIBE that needs it
    depth, describing = 0, False
    for at, token in enumerate(tokens):
        text = token.text
        if text == "{" and depth == 0:
            before = tokens[at - 1].text.upper() if at > 0 else ""
            if not before.endswith("CONSTRUCT"):  # else CONSTRUCT's template
                return  # the WHERE group
        if text in ("(", "[", "{"):
            depth += 1
        elif text in (")", "]", "}"):
            depth = max(depth - 1, 0)  # a bracket in an IRI Oxigraph reads apart: not below 0
        elif depth == 0 and token.kind in ("word", "pname") and not _declaration(tokens, at):
            prefix = text.partition(":")[0] if token.kind == "pname" else text
            if "DESCRIBE" in prefix.upper():
                after = _at(tokens, at + 1)
                describing = after is None or after.text != "*"  # DESCRIBE * names none
            elif "FROM" in prefix.upper():
                if describing and token.kind == "pname":
                    declared = _declared(tokens) if declared is None else declared
                    if prefix in declared:
                        continue  # a resource to describe
                describing = False
                yield at


# --- where Oxigraph may read another token boundary --------------------------------------------

# Tokens after which a ``<`` opens an operand (an IRI, or a triple term after ``<``), never the
# less-than operator: an operator, an opening bracket, a separator, a path's operator, the
# verb ``a``. After any other token (a variable, a literal, a name, ``)``, ``true``, a keyword,
# the ``}`` of ``EXISTS { … }`` …) Oxigraph may read ``<`` as less-than where the grammar's
# tokens see an IRI.
_OPERAND_NEXT = frozenset(
    {"(", "[", "{", ",", ".", ";", "=", "!=", "<=", ">=", "&&", "||", "!", "+", "-", "*", "/",
     "|", "^", "^^", "?", "a"}
)  # fmt: skip


def reads_alike(tokens: Iterable[Token]) -> bool:
    """Whether Oxigraph reads the same keywords, IRIs, strings and comments as :func:`lex`'s
    ``tokens`` (of one text, in order): False when it may not. For the routing of a query by its
    ``GRAPH``/``FROM`` keywords (``server/execute.py``): False sends it to the store that
    answers any query; :func:`may_use` (the policy check) follows both readings instead.

    The readings part only at an IRI token whose ``<`` Oxigraph may read as less-than (inside
    an expression's brackets, after a token that ends an operand) or as the second ``<`` of a
    triple term's ``<<``. There it reads the IRI's text as tokens of its own, which end at the
    IRI's ``>`` (no white space, ``<``, ``{`` or ``"`` is in an IRI: no keyword takes effect in
    it), unless a ``#`` or ``'`` in it opens a comment or a string running past the ``>``
    (``FILTER(?o<'x>') GRAPH ?g { … 'y' }``): then the readings may differ anywhere after it,
    and this answers False. A bracket in such an IRI (``?a<STR((?b>``) leaves Oxigraph's
    brackets and the tokens' apart: from there on, every IRI after a token that ends an
    operand counts as inside an expression."""
    brackets: list[str] = []  # "(" an expression's, "{" or "[" a pattern's, "v" VALUES data
    values = unsure = False  # VALUES seen and its block not yet open; brackets out of step
    before: Token | None = None
    for token in tokens:
        text = token.text
        if token.kind == "iri" and before is not None and before.text not in _OPERAND_NEXT:
            second = before.text == "<" and before.end == token.start  # ``<<`` of a triple term
            if second or unsure or (brackets and brackets[-1] == "("):
                if "#" in text or "'" in text:
                    return False
                unsure = unsure or any(c in text for c in "()[]")
        elif token.kind == "word" and text.upper() == "VALUES":
            values = True
        elif text in ("(", "[", "{"):
            data = (values and text == "{") or (bool(brackets) and brackets[-1] == "v")
            brackets.append("v" if data else text)
            values = values and text != "{"
        elif text in (")", "]", "}") and brackets:
            brackets.pop()
        before = token
    return True


# --- the policy check ------------------------------------------------------------------------

_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except (ValueError, OverflowError):
            return match.group()

    return _UNICODE_ESCAPE.sub(one, text)


Context = tuple[Token | None, Token | None]  # the two significant tokens before one, nearest first


def _flags(context: Context, token: Token, after: Token | None) -> set[str]:
    """The refused keywords a scannerless parser could read inside one word or prefixed name.

    Oxigraph matches keywords without a word boundary, so a word that merely contains
    ``SERVICE`` (``trueSERVICE``) may be ``true SERVICE``, and a prefixed name whose prefix
    contains it (``SERVICEex:x``, ``service:x``) may be ``SERVICE ex:x`` / ``SERVICE :x``.
    A prefixed name can only be read so when a ``{`` follows (SERVICE's group: :func:`_glued`);
    for LOAD, when it starts an update operation (after ``;``, after the prologue, or first)
    and ``;``, ``INTO`` or the end follows. Elsewhere it is an ordinary name (``?s service:p
    ?o``).
    """
    upper = token.text.upper()
    if token.kind == "word":
        return {keyword for keyword in ("SERVICE", "LOAD") if keyword in upper}
    found: set[str] = set()
    if token.kind == "pname":
        prefix = upper.partition(":")[0]
        follows = after.text.upper() if after is not None else None
        if _glued(token, after, "SERVICE"):
            found.add("SERVICE")
        before, before2 = context
        prologue = (  # PREFIX p: <iri> or BASE <iri>
            before is not None
            and before.kind == "iri"
            and before2 is not None
            and (before2.kind == "word" or before2.text.endswith(":"))
        )
        first = before is None or before.text == ";" or prologue
        if prefix.startswith("LOAD") and first and follows in (None, ";", "INTO"):
            found.add("LOAD")
    return found


def _may_hide(iri: str) -> bool:
    """Whether reading ``<`` as less-than could show a refused keyword in ``iri``: through a
    ``#`` or ``'`` that would open a comment or string running past the ``>``, or after a
    ``)`` inside it. Any other re-read ends at the ``>``, where the first reading resumes."""
    upper = iri.upper()
    hidden = ")" in upper and ("SERVICE" in upper or "LOAD" in upper)
    return hidden or "#" in upper or "'" in upper


def _may_use(text: str) -> set[str]:
    """SERVICE/LOAD over every reading of each ``<`` (IRI or less-than), in linear time.

    Lexing is deterministic from any offset, so readings that reach a token boundary already
    lexed share everything after it: a work list of start offsets, each lexed until it meets
    a boundary seen before (plus two tokens, whose judgement depends on what came before). A
    ``<…>`` token is also re-read from just after its ``<``. Inside such a re-read, a keyword
    before the original ``>`` counts only after a ``)`` (an expression closed: IRI text cannot
    hold ``{`` or ``}``, so that is the only way back to a group), which keeps IRIs like
    ``<http://x/SERVICE>`` from counting.
    """
    found: set[str] = set()
    seen: set[int] = set()
    # (offset to lex from, the two significant tokens before it, end of the IRI re-read or -1)
    work: list[tuple[int, Context, int]] = [(0, (None, None), -1)]
    while work:
        start, context, iri_end = work.pop()
        closed = False
        pending: tuple[Context, Token] | None = None  # judged once its successor is known
        extra = -1  # after meeting a seen boundary: significant tokens still to look at
        for token in _lex(text, start):
            if extra < 0 and token.start in seen:
                extra = 2
            if extra < 0:
                seen.add(token.start)
            if token.kind in ("ws", "comment"):
                continue
            if pending is not None:
                found |= _flags(pending[0], pending[1], token)
                pending = None
            if extra == 0:
                break
            if extra > 0:
                extra -= 1
            if token.kind in ("word", "pname") and (token.start >= iri_end or closed):
                pending = (context, token)
            elif token.text == ")":
                closed = True
            elif token.kind == "iri" and extra < 0 and _may_hide(token.text):
                work.append((token.start + 1, context, token.end))
            context = (token, context[0])
        if pending is not None:
            found |= _flags(pending[0], pending[1], None)
    return found


def may_use(text: str, *keywords: str) -> set[str]:
    """The subset of ``keywords`` (``SERVICE``, ``LOAD``) that Oxigraph might read in ``text``.

    An over-approximation for the policy check: every keyword token of the grammar counts;
    so does a refused keyword hidden inside a word or prefixed name where a scannerless parser
    could split it off (see :func:`_flags`), or behind a ``<`` that the parser may read as
    less-than instead of an IRI (see :func:`_may_use`). Text with ``\\u``/``\\U`` escapes is
    also checked with them expanded, as SPARQL 1.1 says (and rdflib, and external stores in
    proxy mode may do): Oxigraph does not, so that second reading only refuses more.
    ``tests/test_sparql_policy.py`` holds the check against Oxigraph itself.
    """
    wanted = {keyword.upper() for keyword in keywords}
    unknown = wanted - {"SERVICE", "LOAD"}
    if unknown:
        raise ValueError(f"may_use checks SERVICE and LOAD only, not {sorted(unknown)}")
    if text.isascii():
        # in ASCII text a keyword can only be spelt with its own letters (in any case) or with
        # \u escapes: text holding neither cannot use it, whatever the reading (most queries)
        lowered = text.lower()
        if "\\u" not in lowered and not any(k.lower() in lowered for k in wanted):
            return set()
    found = _may_use(text)
    if "\\u" in text or "\\U" in text:
        found |= _may_use(_unescape(text))
    return found & wanted


# --- how deep the parser goes --------------------------------------------------------------

_OPEN, _CLOSE = {"{", "(", "["}, {"}", ")", "]"}
# Operators a recursive-descent parser nests: a chain of n of them is n levels deep.
_OPERATORS = {"||", "&&", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "|", "^", "!"}
_PATTERN_CHAINS = {"UNION", "OPTIONAL", "MINUS"}  # group after group nests the same way
_SEPARATORS = {".", ";", ","}  # end an expression or a triple: the operator chain starts anew


def depth(text: str) -> int:
    """How deep a recursive parser (Oxigraph's) must go for ``text``, from its tokens.

    Every open bracket (``{``, ``(``, ``[``) is one level; so is every operator of a chain
    inside one bracket (``||``, ``&&``, comparisons, arithmetic, path ``/``, ``|``, ``^``,
    prefix ``!``), up to the next ``.``, ``;`` or ``,``; and every ``UNION``, ``OPTIONAL`` or
    ``MINUS`` in one group. Brackets, operators and keywords inside strings, IRIs and comments
    are not tokens and do not count.
    """
    chains = [0]  # per open level: operators chained since the last separator
    patterns = [0]  # per open level: UNION / OPTIONAL / MINUS so far
    current = deepest = 0
    for token in lex(text):
        t = token.text
        if token.kind == "punct":
            if t in _OPEN:
                chains.append(0)
                patterns.append(0)
                current += 1
            elif t in _CLOSE:
                if len(chains) > 1:
                    current -= 1 + chains.pop() + patterns.pop()
            elif t in _OPERATORS:
                chains[-1] += 1
                current += 1
            elif t in _SEPARATORS:
                current -= chains[-1]
                chains[-1] = 0
        elif token.kind == "word" and t.upper() in _PATTERN_CHAINS:
            patterns[-1] += 1
            current += 1
        deepest = max(deepest, current)
    return deepest


# --- questions the query library asks --------------------------------------------------------


_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


def form(text: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the query's first form keyword."""
    for token in lex(text):
        if token.kind == "word" and token.text.upper() in _FORMS:
            return token.text.upper()
    return "SELECT"


def where_brace(text: str) -> int | None:
    """The offset just after the ``{`` that opens the query's WHERE group, or None."""
    depth, after_where, first = 0, False, None
    for token in lex(text):
        if token.text == "{":
            if depth == 0 and (after_where or first is None):
                if after_where:
                    return token.end
                first = token.end
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif depth == 0 and token.kind == "word" and token.text.upper() == "WHERE":
            after_where = True
    return first


# --- queries cheap enough to answer without a worker ------------------------------------------

# Each terminal is an atomic group (``(?>…)``): once matched it is never split again, as a lexer
# would not split it; the regular expression then runs in linear time on any text (a failing
# match cannot backtrack into a long name or string in quadratically many ways).
_GAP = rf"(?:{_WS}++|\#[^\r\n]*+)*+"  # white space and comments between tokens
_TERM = rf"(?>{_VAR}|{_IRI}|{_PNAME})"  # a pattern's subject, predicate or object
_LITERAL = rf"""(?>{_STRING})(?:{_GAP}(?>{_LANGTAG}|\^\^{_GAP}(?>{_IRI}|{_PNAME})))?
               | (?>{_NUMBER}) | true | false"""
# The whole query as one expression over the grammar's terminals: a prologue, SELECT (variables
# or *) or ASK, one triple pattern in the WHERE group, and at most a LIMIT.
_ONE_PATTERN = rf"""{_GAP}
    (?:(?i:BASE){_GAP}(?>{_IRI}){_GAP}
     | (?i:PREFIX){_GAP}(?>(?:{_PREFIX})?:){_GAP}(?>{_IRI}){_GAP})*
    (?:(?i:ASK) | (?i:SELECT)(?:(?:{_GAP}(?>{_VAR}))+|{_GAP}\*))
    (?:{_GAP}(?i:WHERE))?
    {_GAP}\{{
        {_GAP}(?P<s>{_TERM})
        {_GAP}(?P<p>(?>{_TERM}|a))
        {_GAP}(?P<o>(?>{_TERM}|{_LITERAL}))
        (?:{_GAP}\.)?
    {_GAP}\}}
    (?:{_GAP}(?i:LIMIT){_GAP}(?>[0-9]+))?
    {_GAP}"""


@functools.cache
def _one_pattern(ascii: bool) -> re.Pattern[str]:
    # compiled on first use: the query workers import this module but never ask
    return _compiled(_ONE_PATTERN, ascii)


def one_pattern(text: str) -> bool:
    """Whether ``text`` is a ``SELECT`` (without ``DISTINCT``/``REDUCED``) or ``ASK`` of exactly
    one triple pattern with distinct variables, with no ``FROM``, and no modifier but ``LIMIT``.

    Such a query is one index scan in which every step yields a row (no filter, join, path,
    repeated variable or ``OFFSET`` can make it scan without answering, no ``ORDER BY`` or
    ``DISTINCT`` collects the rows first), so stopping after n rows bounds its time and memory.
    Text with ``\\u`` escapes is never such a query (an escape may stand for a bracket). One
    regular expression over the grammar's terminals: cheaper than lexing, on every lookup."""
    if "\\u" in text or "\\U" in text:
        return False
    match = _one_pattern(text.isascii()).fullmatch(text)
    if match is None:
        return False
    names = [term[1:] for term in match.group("s", "p", "o") if term[0] in "?$"]
    return len(names) == len(set(names))
