"""The update writer never lies and never wedges: a writer stopped mid-update answers that it is
unknown whether the update was applied; a store error or a failed snapshot replaces the writer
(the next update works) and /health shows it meanwhile, without paths; replacements after an
update are not "degraded"; a large INSERT DATA is applied."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from sorakg.server.execute import Job, Reply
from sorakg.server.pool import WorkerPool

G = "https://w3id.org/sorakg/graph/asserted"


def insert(n: int) -> Job:
    return Job("update", f'INSERT DATA {{ GRAPH <{G}> {{ <urn:x{n}> <urn:p> "v" }} }}')


def updatable(graph_file: Path, live: Path, test: Callable[[WorkerPool], Awaitable[None]],
              **options: float) -> None:  # fmt: skip
    async def main() -> None:
        pool = WorkerPool(graph_file, size=1, updatable=True, live_dir=live, **options)  # type: ignore[arg-type]
        await pool.start()
        try:
            async with asyncio.timeout(120):
                await test(pool)
        finally:
            await pool.close()

    asyncio.run(main())


def test_a_writer_killed_mid_update_answers_unknown_and_is_replaced(
    graph_file: Path, tmp_path: Path
) -> None:
    slow = Job("update", f"INSERT {{ GRAPH <{G}> {{ ?a <urn:tag> ?n }} }} WHERE {{ GRAPH <{G}> "
               f"{{ ?a ?b ?c . ?d ?e ?f }} BIND(1 AS ?n) }}")  # fmt: skip

    async def test(pool: WorkerPool) -> None:
        assert pool._writer is not None
        victim = pool._writer.process
        pending = asyncio.ensure_future(pool.update(slow))
        await asyncio.sleep(0.5)  # the writer has the update
        victim.kill()
        reply = await pending
        assert reply.status == 500
        assert b"unknown whether the update was applied" in reply.body
        assert b"nothing was changed" not in reply.body
        after = await pool.update(insert(1))  # a new writer
        assert after.status == 204 and pool._writer is not None
        assert pool._writer.process.pid != victim.pid

    updatable(graph_file, tmp_path / "live", test, timeout=60.0)


def test_a_store_error_replaces_the_writer_and_health_shows_it(
    graph_file: Path, tmp_path: Path
) -> None:
    async def test(pool: WorkerPool) -> None:
        assert pool._writer is not None
        broken = pool._writer

        async def disk_full(job: object) -> object:
            return Reply.text(500, "update failed: IO error: No space left on device: While "
                              f"appending to file: {tmp_path}/live/store/000042.log")  # fmt: skip

        broken.call = disk_full  # type: ignore[method-assign]
        reply = await pool.update(insert(2))
        assert reply.status == 500 and str(tmp_path).encode() not in reply.body
        assert b"not applied" in reply.body
        assert pool.writer_error and pool._writer is None  # /health: degraded, writer broken
        again = await pool.update(insert(3))  # space is back: a new writer reopens the store
        assert again.status == 204 and pool.writer_error == ""
        assert pool._writer is not broken

    updatable(graph_file, tmp_path / "live", test)


def test_a_failed_snapshot_resets_the_writer(graph_file: Path, tmp_path: Path) -> None:
    async def test(pool: WorkerPool) -> None:
        real = pool._snapshot

        async def failing() -> Path:
            raise OSError(f"0 bytes read on a total of 4 expected bytes ({tmp_path})")

        pool._snapshot = failing  # type: ignore[method-assign]
        reply = await pool.update(insert(4))
        assert reply.status == 500 and b"applied but queries do not see it" in reply.body
        assert str(tmp_path).encode() not in reply.body
        assert pool._writer is None and pool.writer_error
        pool._snapshot = real  # type: ignore[method-assign]
        assert (await pool.update(insert(5))).status == 204
        seen = await pool.run(Job("query", "ASK { <urn:x4> <urn:p> ?o . <urn:x5> <urn:p> ?v }",
                                  format="json"))  # fmt: skip
        assert b"true" in seen.body  # both updates visible after the new snapshot

    updatable(graph_file, tmp_path / "live", test)


def test_readers_replaced_after_an_update_are_not_missing(graph_file: Path, tmp_path: Path):
    async def test(pool: WorkerPool) -> None:
        assert (await pool.update(insert(6))).status == 204
        assert pool.missing == 0  # replacements of the idle readers are starting right now
        await asyncio.sleep(0)
        assert pool.missing == 0

    updatable(graph_file, tmp_path / "live", test, fast_lane=0.5)


def test_an_insert_data_near_the_body_limit_is_applied(graph_file: Path, tmp_path: Path):
    triples = " ".join(f'<urn:s{i}> <urn:p> "value number {i}" .' for i in range(22_000))
    job = Job("update", f"INSERT DATA {{ GRAPH <{G}> {{ {triples} }} }}")
    assert 900_000 < len(job.text) < 1_000_000  # max_body_bytes is 1,000,000

    async def test(pool: WorkerPool) -> None:
        assert (await pool.update(job)).status == 204

    updatable(graph_file, tmp_path / "live", test)
