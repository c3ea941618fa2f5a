"""Settings, read from ``SORAKG_*`` environment variables or a ``sorakg.toml`` file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, TomlConfigSettingsSource

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SORAKG_", toml_file="sorakg.toml", extra="ignore")

    base_iri: str = Field(
        "https://w3id.org/sorakg/", description="Base of every entity IRI; must end with '/'."
    )
    data_dir: Path = Field(
        PROJECT_ROOT / "loaders" / "data", description="Folder of the curated source tables."
    )
    build_dir: Path = Field(PROJECT_ROOT / "build", description="Where builds are written.")
    keep_builds: int = Field(3, ge=1, description="How many earlier builds to keep on disk.")
    reason: bool = Field(
        True, description="Check the ontology and facts for consistency with HermiT on build."
    )

    @field_validator("base_iri")
    @classmethod
    def _ends_with_slash(cls, value: str) -> str:
        if not value.endswith("/"):
            raise ValueError("base_iri must end with '/' so entity IRIs are slash IRIs")
        return value

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):  # type: ignore[no-untyped-def, override]
        # precedence: explicit arguments, then environment, then sorakg.toml
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)
