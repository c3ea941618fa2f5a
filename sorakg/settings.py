"""Settings, read from ``SORAKG_*`` environment variables or a ``sorakg.toml`` file."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, TomlConfigSettingsSource

# The checkout (docs, tests); an installed package has no checkout, so nothing at run time may
# read from here: packaged files come through importlib.resources, outputs go to the working dir.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def packaged_data() -> Path:
    """The curated tables shipped inside the package (``loaders/data`` in a checkout)."""
    return Path(str(files("sorakg.loaders") / "data")).resolve()  # the folder, not the symlink


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SORAKG_",
        toml_file="sorakg.toml",
        extra="ignore",
        hide_input_in_errors=True,  # a refused value may hold a password
    )

    base_iri: str = Field(
        "https://w3id.org/sorakg/", description="Base of every entity IRI; must end with '/'."
    )
    data_dir: Path = Field(
        default_factory=packaged_data, description="Folder of the curated source tables."
    )
    build_dir: Path = Field(
        Path("build"), description="Where builds are written (relative to the working directory)."
    )
    export_dir: Path = Field(
        Path("dist"), description="Where `sorakg export` writes (relative to the working dir)."
    )
    keep_builds: int = Field(
        3, ge=1, description="How many earlier builds to keep on disk (served ones are kept too)."
    )
    reason: bool = Field(
        True, description="Check the ontology and facts for consistency with HermiT on build."
    )
    # The SPARQL endpoint (`sorakg serve`); docs/endpoint.md explains each limit.
    host: str = Field("127.0.0.1", description="Address `sorakg serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `sorakg serve` listens on.")
    public_url: str | None = Field(
        None,
        description="The URL the endpoint is reached at (e.g. behind a proxy), used in links, "
        "Link headers and VoID; default http://host:port/. The Host header is never used.",
    )
    sparql_endpoint: str | None = Field(
        None, description="Proxy queries to this external SPARQL endpoint instead of the build."
    )
    sparql_update_endpoint: str | None = Field(
        None, description="The external store's SPARQL Update URL (Oxigraph: …/update)."
    )
    sparql_graph_store: str | None = Field(
        None,
        description="The external store's Graph Store Protocol URL, for `sorakg publish` "
        "(Oxigraph: …/store; Virtuoso: …/sparql-graph-crud).",
    )
    sparql_auth_scheme: Literal["basic", "digest", "bearer"] | None = Field(
        None, description="How to authenticate to the external store (with the two below)."
    )
    sparql_auth_user: str | None = Field(None, description="User name for basic/digest auth.")
    sparql_auth_password: SecretStr | None = Field(
        None, description="Password for basic/digest auth, or the bearer token."
    )
    query_workers: int = Field(2, ge=1, description="Worker processes that run queries.")
    fast_lane_ms: int = Field(
        500,
        ge=0,
        description="Milliseconds a query may run on the worker kept for cheap queries before it "
        "is moved to the other workers; 0: no such worker.",
    )
    page_lane: bool = Field(
        True,
        description="Keep one more query worker for the Linked Data pages' own queries, so "
        "that queries running until the timeout cannot starve the pages.",
    )
    inline_rows: int = Field(
        1000,
        ge=0,
        description="A SELECT or ASK of one triple pattern is answered in the server's own "
        "process, without a worker, while it has at most this many rows (more: a worker "
        "answers it); 0: every query goes to a worker.",
    )
    memory_store_quads: int = Field(
        2_000_000,
        ge=0,
        description="A release of at most this many quads is also held in memory by each query "
        "worker (about 320 MB per million quads, each; loaded from its N-Quads after start): "
        "joins there cost a third to a quarter of the on-disk store's CPU. Larger releases "
        "are read from the on-disk store only; 0: never in memory.",
    )
    query_timeout: float = Field(
        10.0, gt=0, description="Seconds a query may run before it is stopped (answered 503)."
    )
    max_rows: int = Field(
        10_000, ge=1, description="Most result rows (or triples) returned; more are cut off."
    )
    max_page_size: int = Field(
        1000,
        ge=1,
        description="Most items a page of a paged named query may ask for (its `limit`); a "
        "query's own page size above it is lowered to it.",
    )
    max_result_bytes: int = Field(
        16_000_000,
        ge=1,
        description="Most bytes of a query's answer; rows past it are cut off (X-SPARQL-MaxBytes).",
    )
    export_memory_mb: int = Field(
        4096,
        ge=0,
        description="Memory (MB) the server's one-time export of the downloads may use beyond its "
        "start; past it the export stops and /download says so. 0: no limit.",
    )
    export_nice: int = Field(
        19,
        ge=0,
        le=19,
        description="CPU priority (nice value) of the server's one-time export of the downloads: "
        "at 19 it yields the cores to the questions.",
    )
    query_memory_mb: int = Field(
        1024,
        ge=0,
        description="Memory (MiB) one query may use in its worker beyond the worker's own; "
        "a query needing more is stopped (503). 0: no limit.",
    )
    max_nesting: int = Field(
        1000,
        ge=1,
        description="Deepest nesting a query or update may have (brackets and chained "
        "operators, counted from its tokens); deeper is refused (400) before it runs.",
    )
    max_connections: int = Field(
        1000,
        ge=1,
        description="Connections served at once, slow senders included; past it a new "
        "request is answered 503 at once (uvicorn's limit_concurrency).",
    )
    max_body_bytes: int = Field(
        1_000_000, ge=1, description="Largest request body or query string accepted (413)."
    )
    update_enabled: bool = Field(False, description="Accept SPARQL Update (needs update_token).")
    update_token: SecretStr | None = Field(
        None, description="Bearer token an update request must send when updates are enabled."
    )
    allow_service: bool = Field(False, description="Allow SERVICE (federated) queries.")
    allow_load: bool = Field(False, description="Allow LOAD in updates (fetches remote data).")
    service_allowed_hosts: list[str] = Field(
        default_factory=list,
        description="With allow_service: hosts a SERVICE may reach although they are "
        "loopback, link-local or private addresses (others such are refused, 403).",
    )
    allow_unisolated: bool = Field(
        False,
        description="Serve even when the query workers cannot be cut off from the network "
        "(neither a network namespace nor an unprivileged user namespace can be made); "
        "otherwise the server refuses to start while SERVICE or LOAD is off.",
    )

    @field_validator("base_iri")
    @classmethod
    def _ends_with_slash(cls, value: str) -> str:
        if not value.endswith("/"):
            raise ValueError("base_iri must end with '/' so entity IRIs are slash IRIs")
        return value

    @field_validator("public_url")
    @classmethod
    def _absolute_http(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")) or " " in value:
            raise ValueError("public_url must be an absolute http(s) URL")
        return value if value.endswith("/") else value + "/"

    def served_root(self) -> str:
        """The base URL of the served pages, ending in '/': ``public_url`` or http://host:port/."""
        if self.public_url:
            return self.public_url
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @field_validator("data_dir", "build_dir", "export_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        # fixed when the settings are read, so a server's worker processes or a later chdir
        # cannot move the folders
        return value.expanduser().absolute()

    @model_validator(mode="after")
    def _update_needs_token(self) -> Settings:
        if self.update_enabled and not self.update_token:
            raise ValueError("update_enabled needs an update_token")
        return self

    @model_validator(mode="after")
    def _no_credentials_in_urls(self) -> Settings:
        # a URL is shown in logs and messages; a password in it would be shown with it
        for name in ("sparql_endpoint", "sparql_update_endpoint", "sparql_graph_store"):
            url = getattr(self, name)
            if url and "@" in urlsplit(url).netloc:
                raise ValueError(
                    f"{name} holds a user name or password: give them in sparql_auth_user and "
                    "sparql_auth_password (with sparql_auth_scheme), which are never shown"
                )
        return self

    @model_validator(mode="after")
    def _auth_is_complete(self) -> Settings:
        if self.sparql_auth_scheme in ("basic", "digest") and not (
            self.sparql_auth_user and self.sparql_auth_password
        ):
            raise ValueError(
                f"sparql_auth_scheme={self.sparql_auth_scheme} needs sparql_auth_user "
                "and sparql_auth_password"
            )
        if self.sparql_auth_scheme == "bearer" and not self.sparql_auth_password:
            raise ValueError("sparql_auth_scheme=bearer needs the token in sparql_auth_password")
        return self

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):  # type: ignore[no-untyped-def, override]
        # precedence: explicit arguments, then environment, then sorakg.toml
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)
