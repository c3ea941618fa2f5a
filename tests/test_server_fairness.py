"""The fast lane: runaway queries holding every general worker cannot starve a
point lookup; a query that overruns the lane's budget is moved, not lost, and stays out of it.

Behaviour, not timing: each test states which worker must answer what while the others are
held (by real runaway queries, or taken from the pool by the test)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sorakg.server.execute import Job
from sorakg.server.pool import WorkerPool
from tests.helpers import LOOKUP, SLOW_QUERY, query, rows, scenario, until


def test_a_lookup_is_answered_while_twice_as_many_runaways_as_workers_run(graph_file: Path):
    async def test(pool: WorkerPool) -> None:
        runaways = [asyncio.ensure_future(pool.run(query(SLOW_QUERY))) for _ in range(2)]
        # one runaway holds the general worker; the other overran the fast lane and waits
        await until(lambda: pool.moved == 1)
        reply = await pool.run(query(LOOKUP))
        assert reply.status == 200
        assert any(row["o"]["value"].endswith("/molecule/vegfr") for row in rows(reply.body))
        assert not any(runaway.done() for runaway in runaways)  # they still hold the workers
        assert pool.is_slow(query(SLOW_QUERY))
        for runaway in runaways:
            runaway.cancel()
        await asyncio.gather(*runaways, return_exceptions=True)

    scenario(graph_file, test, size=1, timeout=60, fast_lane=0.3)


def test_an_overrun_moves_the_query_to_the_general_lane_with_the_full_timeout(graph_file: Path):
    async def test(pool: WorkerPool) -> None:
        held = pool._idle.get_nowait()  # the general lane is busy
        moved = asyncio.ensure_future(pool.run(query(SLOW_QUERY)))
        await until(lambda: pool.moved == 1)  # it overran the fast lane: waiting, not answered
        assert not moved.done()
        pool._idle.put_nowait(held)  # the general lane frees: the query starts again there
        reply = await moved
        assert reply.status == 503
        assert "longer than 2 s" in reply.body.decode()  # the general timeout, not the budget
        assert pool.is_slow(query(SLOW_QUERY))

    scenario(graph_file, test, size=1, timeout=2, fast_lane=0.2)


def test_a_query_known_slow_keeps_out_of_the_fast_lane(graph_file: Path):
    async def test(pool: WorkerPool) -> None:
        held = pool._idle.get_nowait()
        first = asyncio.ensure_future(pool.run(query(SLOW_QUERY)))
        await until(lambda: pool.moved == 1)
        # the same query again (spaced differently) waits for the general lane only ...
        again = asyncio.ensure_future(pool.run(query("  " + SLOW_QUERY.replace(" ", "\n  "))))
        await asyncio.sleep(0)
        # ... so the fast lane still answers a lookup, and nothing more was moved
        reply = await pool.run(query(LOOKUP))
        assert reply.status == 200 and rows(reply.body)
        assert pool.moved == 1 and not again.done()
        pool._idle.put_nowait(held)
        answers = await asyncio.gather(first, again)
        assert [answer.status for answer in answers] == [503, 503]
        assert pool.moved == 1

    scenario(graph_file, test, size=1, timeout=6, fast_lane=0.2)


def test_a_client_that_gives_up_while_waiting_loses_no_worker(graph_file: Path):
    async def test(pool: WorkerPool) -> None:
        general, fast = pool._idle.get_nowait(), pool._fast_idle.get_nowait()
        waiting = asyncio.ensure_future(pool.run(query(LOOKUP)))
        await asyncio.sleep(0.1)
        waiting.cancel()  # e.g. the HTTP client disconnected
        await asyncio.gather(waiting, return_exceptions=True)
        pool._idle.put_nowait(general)
        pool._fast_idle.put_nowait(fast)
        assert (pool._idle.qsize(), pool._fast_idle.qsize()) == (1, 1)
        assert (await pool.run(query(LOOKUP))).status == 200
        assert pool.restarts == 0

    scenario(graph_file, test, size=1, timeout=10, fast_lane=0.2)


def test_without_a_fast_lane_the_pool_runs_as_many_workers_as_asked(graph_file: Path):
    async def test(pool: WorkerPool) -> None:
        assert (pool.expected, pool._fast_idle.qsize(), pool.missing) == (2, 0, 0)
        assert (await pool.run(query(LOOKUP))).status == 200

    scenario(graph_file, test, size=2, timeout=10, fast_lane=0)


def test_a_timeout_on_a_read_only_pool_given_a_live_dir_is_a_503(graph_file: Path, tmp_path: Path):
    """``sorakg serve`` gives every pool a live_dir, updates on or off; replacing a timed-out
    worker must not look for update snapshots a read-only pool never made (it raised, and the
    client's connection was reset instead of getting its 503)."""

    async def test(pool: WorkerPool) -> None:
        reply = await pool.run(query(SLOW_QUERY))
        assert reply.status == 503 and "longer than 1 s" in reply.body.decode()
        await until(lambda: pool.missing == 0)  # its replacement started
        assert (await pool.run(query(LOOKUP))).status == 200

    scenario(graph_file, test, size=1, timeout=1, live_dir=tmp_path / "live")  # type: ignore[arg-type]


def test_the_fast_lane_reads_what_updates_wrote(graph_file: Path, tmp_path: Path):
    insert = "INSERT DATA { GRAPH <urn:test:g> { <urn:test:s> <urn:test:p> 1 } }"

    async def test(pool: WorkerPool) -> None:
        assert (await pool.update(Job("update", insert))).status == 204
        # the update replaced the idle readers: wait for both, so the runaway takes the general one
        await until(lambda: (pool._idle.qsize(), pool._fast_idle.qsize()) == (1, 1))
        runaway = asyncio.ensure_future(pool.run(query(SLOW_QUERY)))
        await until(lambda: pool._idle.empty())  # the general lane is busy
        answer = await pool.run(query("ASK { <urn:test:s> ?p ?o }"))  # so the fast lane answers
        assert answer.status == 200 and json.loads(answer.body)["boolean"] is True
        assert pool.moved == 0 and not runaway.done()
        runaway.cancel()
        await asyncio.gather(runaway, return_exceptions=True)

    scenario(graph_file, test, size=1, timeout=60, fast_lane=5, updatable=True,  # type: ignore[arg-type]
             live_dir=tmp_path / "live")  # fmt: skip
