"""What every source table shares: the row's common columns and checks, claims, and the
column helpers the entity and fact tables are declared with (conventions: :mod:`.tables`)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

# lower-case words joined by hyphens, or a ClinicalTrials.gov number (trials are named by it)
SLUG = r"^(?:[a-z0-9]+(?:-[a-z0-9]+)*|NCT\d{8})$"


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split("|") if part.strip()]
    return value


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


Slug = Annotated[str, Field(pattern=SLUG)]


def ref(*segments: str, default: Any = ..., description: str | None = None, **kw: Any) -> Any:
    """A column that names entities of the given kinds (``ref("drug", "intervention")``)."""
    return Field(default, description=description, json_schema_extra={"refs": list(segments)}, **kw)


def references(model: type[BaseModel]) -> dict[str, tuple[str, ...]]:
    """The columns of ``model`` that name other entities, with the kinds they may name."""
    found: dict[str, tuple[str, ...]] = {}
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and "refs" in extra:
            found[name] = tuple(str(kind) for kind in extra["refs"])  # type: ignore[union-attr]
    return found


SlugList = Annotated[list[Annotated[str, Field(pattern=SLUG)]], BeforeValidator(_split_list)]
TextList = Annotated[list[str], BeforeValidator(_split_list)]
OptionalSlug = Annotated[str | None, BeforeValidator(_blank_to_none), Field(pattern=SLUG)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]
OptionalInt = Annotated[int | None, BeforeValidator(_blank_to_none), Field(ge=0)]
OptionalFloat = Annotated[float | None, BeforeValidator(_blank_to_none)]


class Basis(StrEnum):
    review = "review"
    curator = "curator"


class Row(BaseModel):
    """Provenance columns carried by every row."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=True)

    #: file name of the table this model reads
    table: ClassVar[str]
    #: ``entity`` tables define things; ``fact`` tables relate them
    kind: ClassVar[str] = "fact"
    #: columns whose values identify the row within its table (the evidence IRI is built from them)
    key: ClassVar[tuple[str, ...]]

    refs: Annotated[
        list[int], BeforeValidator(lambda v: parse_refs(v) if isinstance(v, str) else v)
    ] = []
    quote: str = Field(min_length=1)
    location: str = Field(
        min_length=3, description="section heading, or 'Table N, row …, column …'"
    )
    basis: Basis = Basis.review
    note: OptionalText = None

    @model_validator(mode="after")
    def _curator_rows_explain(self) -> Row:
        if self.basis == Basis.curator and not self.note:
            raise ValueError("basis is 'curator' but note is empty: say what the curator inferred")
        return self

    def key_values(self) -> tuple[str, ...]:
        return tuple(str(getattr(self, name) or "") for name in self.key)

    def id_words(self) -> tuple[str, ...]:
        """The words of the row's IRIs (its key values, unless a table shortens them)."""
        return self.key_values()


def parse_refs(text: str) -> list[int]:
    """Parse ``"17-19;21"`` into ``[17, 18, 19, 21]``; an empty cell means no citation."""
    refs: list[int] = []
    for part in filter(None, (p.strip() for p in re.split(r"[;,]", text))):
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if not match:
            raise ValueError(f"'{part}' is not a reference number or range like 17-19")
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first:
            raise ValueError(f"reference range '{part}' runs backwards")
        refs.extend(range(first, last + 1))
    return refs


class Modality(StrEnum):
    """How the review words the claim: as a result, hedged ("may", "suggest"), or speculated."""

    stated = "stated"
    hedged = "hedged"
    hypothesis = "hypothesis"


class Scope(StrEnum):
    """Whom the claim is about: the drug the row names, or antitumour drugs in general."""

    drug_specific = "drug_specific"
    antitumour_general = "antitumour_general"


class EvidenceType(StrEnum):
    cell_line = "cell_line"
    xenograft = "xenograft"
    patient_tissue = "patient_tissue"
    #: tumour tissue whose origin (patients or animals) the review does not state
    tissue_unspecified = "tissue_unspecified"
    clinical_trial = "clinical_trial"
    retrospective_analysis = "retrospective_analysis"
    review_statement = "review_statement"


class Supports(StrEnum):
    """Whether the quoted evidence supports the claim or speaks against it."""

    yes = "yes"
    no = "no"


class Claim(BaseModel):
    """The strength of a claim, as a clinical evidence base records it (docs/curation.md)."""

    modality: Modality = Field(description="stated, hedged ('may', 'suggest') or hypothesis")
    scope: Scope = Field(description="drug_specific, or antitumour_general")
    evidence_type: EvidenceType = Field(
        description="cell_line, xenograft, patient_tissue (only when the review says the tissue "
        "is patients'), tissue_unspecified, clinical_trial, retrospective_analysis or "
        "review_statement (a trial's phase is the trial's)"
    )
    supports: Supports = Field(description="yes, or no when the evidence speaks against it")
