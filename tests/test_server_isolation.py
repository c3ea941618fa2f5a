"""The query workers' network isolation is never lost silently.

Each test runs a child process with CAP_SYS_ADMIN dropped from its bounding set (``setpriv``),
as an unprivileged user or a default container has it; one also in a user namespace whose
limit of further user namespaces is 0, where no namespace can be made at all.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap

import pytest

from sorakg.server.pool import WorkerPool
from sorakg.settings import Settings

UNPRIVILEGED = ["setpriv", "--bounding-set", "-sys_admin"]
# a user namespace that may make no further one: neither namespace can be made inside it
NO_NAMESPACES = ["unshare", "-Ur", "sh", "-c",
                 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"', "sh"]  # fmt: skip


def _python(prefix: list[str], code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, sys.executable, "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_a_worker_without_cap_sys_admin_still_loses_the_network() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        done = _python(
            UNPRIVILEGED,
            f"""
            import json, socket
            from sorakg.server.worker import isolate_network
            how = isolate_network()
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=5).close()
                reached = True
            except OSError:
                reached = False
            print(json.dumps([how, reached]))
            """,
        )
    how, reached = json.loads(done.stdout.strip().splitlines()[-1])
    assert how == "user and network namespaces", done.stderr  # CLONE_NEWNET alone was refused
    assert reached is False


def _pool_start(allow_unisolated: bool) -> subprocess.CompletedProcess[str]:
    return _python(
        NO_NAMESPACES + UNPRIVILEGED,
        f"""
        import asyncio, json
        from sorakg.server.pool import WorkerPool

        async def go():
            pool = WorkerPool(None, size=1, isolate_network=True,
                              allow_unisolated={allow_unisolated})
            await pool.start()
            try:
                print(json.dumps(pool.isolation()))
            finally:
                await pool.close()

        asyncio.run(go())
        """,
    )


def test_the_pool_refuses_to_start_when_its_workers_keep_the_network() -> None:
    refused = _pool_start(allow_unisolated=False)
    assert refused.returncode != 0
    assert "Unisolated" in refused.stderr and "allow_unisolated" in refused.stderr
    accepted = _pool_start(allow_unisolated=True)
    assert accepted.returncode == 0, accepted.stderr
    state = json.loads(accepted.stdout.strip().splitlines()[-1])
    assert state["readers"].startswith("NOT isolated")
    assert "keeps the host's network" in accepted.stderr  # the log says it too


@pytest.mark.parametrize(
    ("settings", "readers", "writer"),
    [
        ({}, True, True),
        ({"allow_load": True}, True, False),  # LOAD runs in the writer only
        ({"allow_service": True}, False, False),
    ],
)
def test_allow_load_leaves_the_readers_isolated(
    settings: dict[str, bool], readers: bool, writer: bool
) -> None:
    chosen = Settings(update_enabled=True, update_token="t", **settings)  # type: ignore[arg-type]
    pool = WorkerPool.from_settings(chosen, None)
    assert (pool.isolate_network, pool.isolate_writer) == (readers, writer)
