"""The update writer never lies and never wedges: a writer stopped around an update (killed, the
update timeout) answers whether the update was applied, read from the serial each update commits
with it, and "unknown" only when the store cannot be read again; the serial follows every valid
update, out of the default view; a store error or a failed snapshot replaces the writer (the next
update works) and /health shows it meanwhile, without paths; replacements after an update are not
"degraded"; a large INSERT DATA is applied."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from sorakg.release.default_view import UPDATES_GRAPH, default_graphs
from sorakg.server.execute import Job, Reply
from sorakg.server.pool import UNKNOWN, WorkerPool
from sorakg.server.update_marker import applied_serial, update_marked
from sorakg.settings import Settings
from tests.helpers import app_client

G = "https://w3id.org/sorakg/graph/asserted"
TOKEN = "curator-token"


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


SLOW_UPDATE = Job("update", f"INSERT {{ GRAPH <{G}> {{ ?a <urn:tag> ?n }} }} WHERE {{ GRAPH <{G}> "
                  f"{{ ?a ?b ?c . ?d ?e ?f }} BIND(1 AS ?n) }}")  # fmt: skip


async def holds(pool: WorkerPool, pattern: str) -> bool:
    reply = await pool.run(Job("query", f"ASK {{ GRAPH <{G}> {{ {pattern} }} }}", format="json"))
    return b"true" in reply.body


def test_a_writer_killed_mid_update_answers_not_applied_and_is_replaced(
    graph_file: Path, tmp_path: Path
) -> None:
    async def test(pool: WorkerPool) -> None:
        assert pool._writer is not None
        victim = pool._writer.process
        pending = asyncio.ensure_future(pool.update(SLOW_UPDATE))
        await asyncio.sleep(0.5)  # the writer is evaluating the update (it runs for minutes)
        victim.kill()
        reply = await pending
        assert reply.status == 500
        assert reply.body == b"the update writer died before its commit: the update was not applied"
        assert not await holds(pool, "?a <urn:tag> ?n")
        after = await pool.update(insert(1))  # the new writer
        assert after.status == 204 and pool._writer is not None
        assert pool._writer.process.pid != victim.pid

    updatable(graph_file, tmp_path / "live", test, timeout=60.0)


def test_an_update_stopped_by_the_timeout_answers_not_applied(
    graph_file: Path, tmp_path: Path
) -> None:
    async def test(pool: WorkerPool) -> None:
        reply = await pool.update(SLOW_UPDATE)
        assert reply.status == 503
        assert b"ran longer than 1 s before its commit: the update was not applied" in reply.body
        assert (await pool.update(insert(11))).status == 204  # and the next one is applied

    updatable(graph_file, tmp_path / "live", test, timeout=1.0)


@pytest.mark.parametrize("point", ["before-commit", "after-commit"])
def test_a_writer_stopped_around_the_commit_answers_what_happened(
    graph_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    """A writer killed just after its commit must not be answered "nothing was changed" (a retry
    would apply the update twice), nor one killed just before it "applied"."""
    flag = tmp_path / "stop"
    monkeypatch.setenv("SORAKG_TEST_WRITER_STOP", str(flag))

    async def test(pool: WorkerPool) -> None:
        assert (await pool.update(insert(20))).status == 204
        first = pool._writer
        flag.write_text(point)
        reply = await pool.update(insert(21))
        assert not flag.exists() and pool._writer is not first  # it stopped there, once
        applied = await holds(pool, '<urn:x21> <urn:p> "v"')
        if point == "after-commit":
            assert reply.status == 200 and applied
            assert (
                reply.body
                == b"the update writer died just after its commit: the update was applied"
            )
        else:
            assert reply.status == 500 and not applied
            assert (
                reply.body
                == b"the update writer died before its commit: the update was not applied"
            )
        assert await holds(pool, '<urn:x20> <urn:p> "v"')
        assert (await pool.update(insert(22))).status == 204  # the serials go on
        assert await holds(pool, '<urn:x22> <urn:p> "v"')
        assert pool.writer_error == ""

    updatable(graph_file, tmp_path / "live", test)


def test_unknown_only_when_the_store_cannot_be_read_again(
    graph_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flag = tmp_path / "stop"
    monkeypatch.setenv("SORAKG_TEST_WRITER_STOP", str(flag))

    async def test(pool: WorkerPool) -> None:
        async def cannot_start() -> object:
            raise OSError("the live store cannot be opened")

        flag.write_text("after-commit")
        pool._spawn_writer = cannot_start  # type: ignore[method-assign]
        reply = await pool.update(insert(30))
        assert reply.status == 500
        assert reply.body == f"the update writer died; {UNKNOWN}".encode()
        assert pool.writer_error  # /health: degraded

    updatable(graph_file, tmp_path / "live", test)


@pytest.mark.parametrize(
    "text",
    [
        f"INSERT DATA {{ GRAPH <{G}> {{ <urn:a> <urn:b> 1 }} }}",
        f"INSERT DATA {{ GRAPH <{G}> {{ <urn:a> <urn:b> 1 }} }} ;",
        f"INSERT DATA {{ GRAPH <{G}> {{ <urn:a> <urn:b> 1 }} }} # a comment",
        f"PREFIX x: <urn:> INSERT DATA {{ GRAPH <{G}> {{ x:a x:b 1 }} }}",
        f"WITH <{G}> DELETE {{ ?s ?p ?o }} INSERT {{ ?s ?p 2 }} WHERE {{ ?s ?p 1 }}",
        f"INSERT {{ GRAPH <{G}> {{ ?s <urn:b> 3 }} }} USING <{G}> WHERE {{ ?s ?p ?o }}",
        f"CLEAR SILENT GRAPH <urn:other> ; COPY <urn:other> TO <{G}>",
        f"CLEAR ALL ; INSERT DATA {{ GRAPH <{G}> {{ <urn:a> <urn:b> 1 }} }}",  # housekeeping too
        f'VERSION "1.2" INSERT DATA {{ GRAPH <{G}> {{ <urn:a> <urn:b> "x"@en--ltr }} }}',
        "PREFIX x: <urn:>",
        ";",
        "",
    ],
)
def test_every_valid_update_commits_its_serial(text: str) -> None:
    store = ox.Store()
    update_marked(store, text, 7, None)
    update_marked(store, text, 8, None)
    assert applied_serial(store) == 8
    assert UPDATES_GRAPH not in {g.value for g in default_graphs(store)[1:]}


def test_a_syntax_error_is_the_texts_own() -> None:
    text = f"INSERT DATA {{ GRAPH <{G}> {{ <urn:a> <urn:b> 1 }} "
    with pytest.raises(SyntaxError) as alone:
        ox.Store().update(text)
    store = ox.Store()
    with pytest.raises(SyntaxError) as marked:
        update_marked(store, text, 1, None)
    assert str(marked.value) == str(alone.value) and applied_serial(store) == 0 and len(store) == 0


def simulate_disk_full(graph_file: Path, tmp_path: Path) -> None:
    """The writer's store answers a disk-full error once; then space is back."""

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


def test_a_store_error_replaces_the_writer_and_health_shows_it(
    graph_file: Path, tmp_path: Path
) -> None:
    simulate_disk_full(graph_file, tmp_path)


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


@contextmanager
def small_disk(where: Path, size_mb: int) -> Iterator[bool]:
    """A tmpfs of ``size_mb`` MiB mounted at ``where`` (True), or False where mounting needs a
    privilege the test does not have; unmounted afterwards."""
    where.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(where)]
    mounted = shutil.which("mount") is not None and subprocess.run(command).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(where)], check=True)


def fill(disk: Path) -> Path:
    """Fill ``disk`` to the last byte; returns the file that holds the space."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle:
        for size in (65536, 4096, 1):
            with contextlib.suppress(OSError):
                while True:
                    handle.write(b"\0" * size)
    return filler


def test_a_full_disk_degrades_the_writer_until_space_is_back(graph_file: Path, tmp_path: Path):
    """A real tmpfs under the live store, filled to the last byte: the update fails saying so
    (no paths), /health says the writer is broken, and once space is back the next update is
    applied beside the earlier ones. Where the test may not mount, the simulated store error
    above runs instead (it asserts the same answers)."""
    settings = Settings(update_enabled=True, update_token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    disk = tmp_path / "disk"
    with small_disk(disk, 64) as mounted:
        if not mounted:
            simulate_disk_full(graph_file, tmp_path)
            return
        with app_client(graph_file, settings, updatable=True, live_dir=disk / "live") as client:

            def update(n: int) -> httpx.Response:
                return client.post("/sparql", data={"update": insert(n).text}, headers=auth)

            def subjects() -> set[str]:
                query = f"SELECT ?s WHERE {{ GRAPH <{G}> {{ ?s <urn:p> ?o }} }}"
                rows = client.get("/sparql", params={"query": query}).json()["results"]
                return {row["s"]["value"] for row in rows["bindings"]}

            assert update(40).status_code == 204
            filler = fill(disk)
            failed = update(41)
            assert failed.status_code == 500 and str(disk).encode() not in failed.content
            assert "could not be written" in failed.text and "not applied" in failed.text
            health = client.get("/health")
            assert health.status_code == 503 and health.json()["status"] == "degraded"
            assert "failed writing the store" in health.json()["writer"]
            assert update(42).status_code == 503  # a new writer cannot even open the store
            assert client.get("/health").json()["writer"] != "ok"
            filler.unlink()  # space is back
            assert update(43).status_code == 204
            health = client.get("/health")
            assert health.status_code == 200 and health.json()["writer"] == "ok"
            assert subjects() == {"urn:x40", "urn:x43"}  # the failed ones were not applied
