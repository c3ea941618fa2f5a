"""A query worker: a process answering jobs on a socket over the release's on-disk store.

Started by :mod:`sorakg.server.pool` as ``python -m sorakg.server.worker FD [STORE_DIR] [--copy]``.
The store is opened read-only (milliseconds, whatever its size; the operating system's page cache is
shared by every worker), so a worker holds no private copy of the graph. Frames are a 4-byte
big-endian length and a pickle (both ends are this package). The first frame the worker sends
is ``READY`` once the store is open; then one reply per job.
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
READY = "ready"


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


def open_store(path: Path | None, copy: bool = False) -> ox.Store:
    """The on-disk store at ``path`` read-only, or an empty in-memory store; with ``copy``, an
    in-memory copy of it that updates can change (update mode, see :mod:`sorakg.server.pool`)."""
    if path is None:
        return ox.Store()
    disk = ox.Store.read_only(str(path))
    if not copy:
        return disk
    memory = ox.Store()
    memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    return memory


def serve(sock: socket.socket, store_dir: Path | None, copy: bool = False) -> None:
    from .execute import run

    store = open_store(store_dir, copy)
    send_frame(sock, READY)
    while True:
        try:
            job = recv_frame(sock)
        except (EOFError, ConnectionError):
            return  # the server closed the socket or died: stop with it
        send_frame(sock, run(store, job))  # type: ignore[arg-type]


def main(argv: list[str]) -> None:
    copy = "--copy" in argv
    args = [a for a in argv if a != "--copy"]
    sock = socket.socket(fileno=int(args[0]))
    serve(sock, Path(args[1]) if len(args) > 1 else None, copy)


if __name__ == "__main__":
    main(sys.argv[1:])
