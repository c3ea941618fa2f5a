"""A query worker: a process holding its own copy of the store, answering jobs on a socket.

Started by :mod:`sorakg.server.pool` as ``python -m sorakg.server.worker FD [GRAPH_FILE]``.
Frames are a 4-byte big-endian length and a pickle (both ends are this package). The first
frame the worker sends is its triple count, once the graph is loaded; then one reply per job.
A worker is killed, not asked, when a query overruns its time: Oxigraph cannot be interrupted.
"""

from __future__ import annotations

import pickle
import socket
import struct
import sys
from pathlib import Path

import pyoxigraph as ox

HEADER = struct.Struct("!I")


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise EOFError
        chunks += chunk
    return bytes(chunks)


def send_frame(sock: socket.socket, value: object) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(HEADER.pack(len(payload)) + payload)


def recv_frame(sock: socket.socket) -> object:
    (size,) = HEADER.unpack(_recv_exact(sock, HEADER.size))
    return pickle.loads(_recv_exact(sock, size))


def serve(sock: socket.socket, graph_file: Path | None) -> None:
    from sorakg.store import load_store

    from .execute import run

    store = load_store(graph_file) if graph_file else ox.Store()
    send_frame(sock, len(store))
    while True:
        try:
            job = recv_frame(sock)
        except (EOFError, ConnectionError):
            return  # the server closed the socket or died: stop with it
        send_frame(sock, run(store, job))  # type: ignore[arg-type]


def main(argv: list[str]) -> None:
    sock = socket.socket(fileno=int(argv[0]))
    serve(sock, Path(argv[1]) if len(argv) > 1 else None)


if __name__ == "__main__":
    main(sys.argv[1:])
