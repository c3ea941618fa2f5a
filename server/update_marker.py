"""Each update commits a serial number with it, so that a writer lost mid-update can be told
apart from one lost just after its commit.

The writer appends two operations to every update's text, run by Oxigraph in the same
transaction: the previous serial is deleted and the update's own is inserted, in a housekeeping
graph outside every query's default view (``UPDATES_GRAPH``). After the writer is killed (the
update timeout, an out-of-memory abort, a crash), the pool opens the live store again and reads
the serial: the update's own means it was committed, the one before means it was not.
"""

from __future__ import annotations

import pyoxigraph as ox

from sorakg.release.default_view import UPDATES_GRAPH

_WRITER = ox.NamedNode("urn:sorakg:writer")
_APPLIED = ox.NamedNode("urn:sorakg:applied")
_PATTERN = f"<{_WRITER.value}> <{_APPLIED.value}>"


def marker(serial: int) -> str:
    """The operations that record ``serial`` as the last update committed."""
    return (
        f"DELETE WHERE {{ GRAPH <{UPDATES_GRAPH}> {{ {_PATTERN} ?serial }} }} ;\n"
        f"INSERT DATA {{ GRAPH <{UPDATES_GRAPH}> {{ {_PATTERN} {serial} }} }}"
    )


def update_marked(store: ox.Store, text: str, serial: int, base_iri: str | None) -> None:
    """Run the update ``text`` and record ``serial`` in the same transaction.

    The marker follows the text as an operation of its own ("; marker"), or right after it when
    the text already ends with ``;`` or holds no operation (Oxigraph refuses "; ;"). Neither form
    parses unless the text does, since the marker is a complete operation: a syntax error is then
    the text's own, reported by running it on an empty store (where nothing can change)."""
    for joint in ("\n;\n", "\n"):  # a newline first ends a comment on the text's last line
        try:
            store.update(text + joint + marker(serial), base_iri=base_iri)
            return
        except SyntaxError:
            continue
    ox.Store().update(text, base_iri=base_iri)  # raises the text's own SyntaxError
    store.update(marker(serial))  # a valid text without an operation (";"): nothing but the mark


def applied_serial(store: ox.Store) -> int:
    """The serial of the last update committed to ``store`` (0: none yet)."""
    quads = store.quads_for_pattern(_WRITER, _APPLIED, None, ox.NamedNode(UPDATES_GRAPH))
    return max((int(q.object.value) for q in quads if isinstance(q.object, ox.Literal)), default=0)
