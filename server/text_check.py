"""What the web layer checks in every query and update text before any engine sees it: how
deeply it nests (a recursive parser's stack grows with the depth) and whether it might use
SERVICE or LOAD while the settings refuse them.

Light on purpose: it imports the lexer only, so the child process that checks a long text
(``python -m sorakg.server.text_check``, see ``server/protocol.py``) starts in about 0.05 s of
CPU, not the web stack's 0.8 s. The text comes on stdin; ``STATUS message`` goes to stdout.
"""

from __future__ import annotations

import sys

from sorakg.sparql import text as sparql_text


def refused(text: str, op: str, allow_service: bool, allow_load: bool) -> str | None:
    """Why ``text`` is refused (403), or None. The check reads the text the way Oxigraph might
    (:func:`sparql_text.may_use`), erring towards refusing."""
    used = sparql_text.may_use(text, "SERVICE", "LOAD")
    if "SERVICE" in used and not allow_service:
        return "SERVICE (federated query) is disabled on this endpoint"
    if "LOAD" in used and op == "update" and not allow_load:
        return "LOAD is disabled on this endpoint"
    return None


def verdict(
    text: str, op: str, max_nesting: int, allow_service: bool, allow_load: bool
) -> tuple[int, str]:
    """``(200, "")``, ``(400, why)`` for a text nesting deeper than ``max_nesting``, or
    ``(403, why)`` for a refused SERVICE or LOAD."""
    if len(text) > max_nesting:  # each level takes a character at least
        deep = sparql_text.depth(text)
        if deep > max_nesting:
            return 400, (
                f"the {op} nests {deep} levels deep (brackets and chained operators); "
                f"the limit is max_nesting = {max_nesting}"
            )
    why = refused(text, op, allow_service, allow_load)
    return (403, why) if why else (200, "")


def main(argv: list[str]) -> None:
    op, max_nesting, allow_service, allow_load = argv
    text = sys.stdin.buffer.read().decode("utf-8", "surrogatepass")
    status, message = verdict(text, op, int(max_nesting), allow_service == "True",
                              allow_load == "True")  # fmt: skip
    sys.stdout.write(f"{status} {message}")


if __name__ == "__main__":
    main(sys.argv[1:])
