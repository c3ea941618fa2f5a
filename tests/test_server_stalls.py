"""No single request stalls the others: long texts are checked off the event loop, search input
is bounded before any ranking, point lookups answered in-process are capped in number, and the
pages keep a worker of their own while runaway queries hold every other.

Behaviour, not timing: each test states what must be answered while something else runs."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from sorakg.server import search
from sorakg.server.app import create_app
from sorakg.server.execute import Job
from sorakg.server.pool import INLINE_IN_FLIGHT, SLOW_FOR, WorkerPool
from sorakg.settings import Settings
from tests.constants import SORAFENIB
from tests.helpers import LOOKUP, SLOW_QUERY, Spy, query, rows, scenario, until

NESTING = "ASK { " + "{}" * 499_000 + "}"  # 1 MB of groups: lexing it takes seconds of CPU


def test_health_is_answered_while_a_1_mb_text_is_checked() -> None:
    app = create_app(Settings(), Spy())

    async def go() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            big = asyncio.ensure_future(client.post(
                "/sparql", content=NESTING, headers={"Content-Type": "application/sparql-query"}
            ))  # fmt: skip
            await asyncio.sleep(0.2)  # lets the big request reach its check
            health = await client.get("/health")
            assert health.status_code == 200
            assert not big.done()  # /health did not wait for the check
            assert (await big).status_code == 500  # checked, then given to the spy backend

    asyncio.run(go())


def test_search_input_is_cut_before_ranking(graph_file: Path) -> None:
    words = " ".join(["sorafenib"] * 300_000)  # 300k words, 3 MB
    assert search.bounded(words) == " ".join(["sorafenib"] * 16)
    index = search.Index(
        names=[("https://w3id.org/sorakg/drug/sorafenib", "sorafenib", "label", "drug")],
        quotes=[("sorafenib resistance in HCC", "https://w3id.org/sorakg/drug/sorafenib", "", "")],
    )
    calls: list[str] = []
    real = search._words

    def counted(text: str) -> list[str]:
        calls.append(text)
        return real(text)

    search._words = counted  # type: ignore[assignment]
    try:
        hits, quotes = search.rank(index, words, "https://w3id.org/sorakg/")
    finally:
        search._words = real  # type: ignore[assignment]
    assert [hit.label for hit in hits] == ["sorafenib"] and len(quotes) == 1
    assert max(len(text) for text in calls) <= search.MAX_QUERY_CHARS  # never the 3.3 MB


def test_point_lookups_beyond_the_cap_go_to_the_workers(graph_file: Path) -> None:
    async def test(pool: WorkerPool) -> None:
        first = await pool.run(query(LOOKUP))
        assert first.status == 200 and pool.answered_inline == 1
        pool._inline_busy = INLINE_IN_FLIGHT  # as many as the cap are being answered here
        reply = await pool.run(query(LOOKUP))
        assert reply.status == 200 and rows(reply.body) == rows(first.body)
        assert pool.answered_inline == 1  # a worker answered it
        pool._inline_busy = 0

    scenario(graph_file, test, size=1, inline_rows=1000)


def test_pages_are_answered_while_runaways_hold_every_other_worker(graph_file: Path) -> None:
    text = f"SELECT ?p ?o WHERE {{ <{SORAFENIB}> ?p ?o FILTER(isIRI(?o)) }}"
    page = Job("query", text, format="json", page=True)  # not a point lookup: needs a worker

    async def test(pool: WorkerPool) -> None:
        runaways = [asyncio.ensure_future(pool.run(query(SLOW_QUERY))) for _ in range(3)]
        await until(lambda: pool.moved == 1)  # general and fast lanes taken, one more waits
        reply = await pool.run(page)
        assert reply.status == 200 and rows(reply.body)
        assert not any(runaway.done() for runaway in runaways)
        for runaway in runaways:
            runaway.cancel()

    scenario(graph_file, test, size=1, fast_lane=0.5, page_lane=True, timeout=60.0)


def test_one_overrun_does_not_keep_a_query_out_of_the_fast_lane_for_good(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pool = WorkerPool(None, fast_lane=0.5)
    job = query(f"SELECT * {{ <{SORAFENIB}> ?p ?o }}")
    pool._remember_slow(job)
    assert pool.is_slow(job)
    now = time.monotonic()
    monkeypatch.setattr("sorakg.server.pool_lanes.time.monotonic", lambda: now + SLOW_FOR + 1)
    assert not pool.is_slow(job)


def test_the_page_lane_is_on_by_default_and_counted_in_health(graph_file: Path) -> None:
    settings = Settings()
    pool = WorkerPool.from_settings(settings, graph_file)
    assert pool.page_lane and pool.expected == settings.query_workers + 2
    with TestClient(create_app(settings, pool)) as client:
        workers = client.get("/health").json()["workers"]
    assert workers["size"] == settings.query_workers + 2 and workers["missing"] == 0
