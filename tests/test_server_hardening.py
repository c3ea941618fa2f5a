"""Small holes an outside security review found, each as its reproduction:
Linked Data paths that are no IRI, a non-ASCII bearer token, HEAD on every GET route, a
Content-Type and ``nosniff`` on every error, and the Host header never reflected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sorakg.server.app import create_app
from sorakg.server.pool import WorkerPool
from sorakg.settings import Settings
from tests.helpers import wait_for_downloads

pytestmark = pytest.mark.slow  # prepares the downloads first

TOKEN = "s3cret-token"
EVIL = "evil.example:666"
PUBLIC = "https://kg.example.org/sorakg/"


@pytest.fixture(scope="module")
def client(reasoned_graph_file: Path) -> Iterator[TestClient]:
    """The release the other reasoned-build servers of this process share: its downloads are
    exported once for all of them."""
    graph_file = reasoned_graph_file
    settings = Settings(update_enabled=True, update_token=TOKEN, public_url=PUBLIC, export_nice=0)  # type: ignore[arg-type]
    app = create_app(settings, WorkerPool(graph_file, size=1), prepare_downloads=True)
    with TestClient(app) as test_client:
        wait_for_downloads(test_client)
        yield test_client


@pytest.mark.parametrize("path", ["/drug/a%20b", "/drug/%22", "/drug/%3Cx%3E", "/%C2%83",
                                  "/drug/%7Bx%7D", "/drug/a%5Cb"])  # fmt: skip
def test_linked_data_path_that_is_no_iri_is_404(client: TestClient, path: str) -> None:
    for method in ("GET", "HEAD"):
        response = client.request(method, path)
        assert response.status_code == 404, (method, path)
        assert response.headers["content-type"].startswith("text/plain")
        assert response.headers["x-content-type-options"] == "nosniff"


def test_non_ascii_bearer_token_is_401(client: TestClient) -> None:
    update = "INSERT DATA { <urn:a> <urn:b> 1 }"
    for token in ("Bearer é".encode(), b"Bearer \xff\xfe", f"Bearer {TOKEN}é".encode()):
        response = client.post("/sparql", data={"update": update}, headers={"Authorization": token})
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")


def _get_paths(client: TestClient) -> list[str]:
    """Every GET operation the app publishes, with a real value for each path parameter."""
    paths = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        if "get" in operations:
            name = "SHA256SUMS" if path.startswith("/download") else "drug-actions"
            paths.append(path.replace("{name}", name).replace("{path}", "drug/sorafenib"))
    return paths


def test_head_answers_every_get_route_like_get(client: TestClient) -> None:
    paths = _get_paths(client)
    assert {"/", "/sparql", "/queries", "/download", "/download/SHA256SUMS", "/health",
            "/.well-known/void", "/drug/sorafenib"} <= set(paths)  # fmt: skip
    for path in paths:
        got = client.get(path)
        head = client.head(path)
        assert got.status_code == 200, path
        assert head.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"], path
        # the length is GET's (VoID's blank nodes make two GETs differ in length)
        assert ("content-length" in head.headers) == ("content-length" in got.headers), path


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/download/%3Cimg%20src=x%20onerror=alert(1)%3E"),
        ("GET", "/download/no-such-file"),
        ("GET", "/queries/no-such-query"),
        ("GET", "/drug/no-such-drug"),
        ("PUT", "/sparql"),
        ("DELETE", "/health"),
        ("GET", "/sparql?query=SELECT"),
        ("GET", "/static/%2e%2e/app.py"),
    ],
)
def test_every_error_has_a_content_type(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code >= 400
    assert response.headers["content-type"], path
    assert response.headers["x-content-type-options"] == "nosniff"


def test_host_header_is_never_reflected(client: TestClient) -> None:
    host = {"Host": EVIL}
    checked = {
        "/.well-known/void": client.get("/.well-known/void", headers=host),
        "/download": client.get("/download", headers={**host, "Accept": "application/json"}),
        "/queries": client.get("/queries", headers={**host, "Accept": "application/json"}),
        "/sparql": client.get("/sparql", headers={**host, "Accept": "text/turtle"}),
        "/drug/sorafenib": client.get("/drug/sorafenib", headers={**host, "Accept": "text/html"}),
        "/drug/sorafenib.ttl": client.get("/drug/sorafenib.ttl", headers=host),
    }
    for path, response in checked.items():
        assert response.status_code == 200, path
        everything = response.text + " ".join(f"{k}: {v}" for k, v in response.headers.items())
        assert "evil.example" not in everything, path
    assert f"<{PUBLIC}sparql>" in checked["/.well-known/void"].text
    assert f"{PUBLIC}download/SHA256SUMS" in checked["/download"].text
    assert f"{PUBLIC}queries/" in checked["/queries"].text
    assert f"<{PUBLIC}sparql>" in checked["/sparql"].text
    assert f"<{PUBLIC}drug/sorafenib.ttl>" in checked["/drug/sorafenib"].headers["link"]


def test_public_url_defaults_to_host_and_port() -> None:
    assert Settings(host="10.0.0.5", port=8080).served_root() == "http://10.0.0.5:8080/"
    assert Settings(host="::1", port=80).served_root() == "http://[::1]:80/"
    assert Settings(public_url="https://x.org/kg").served_root() == "https://x.org/kg/"
    with pytest.raises(ValueError, match="public_url"):
        Settings(public_url="javascript:alert(1)")
