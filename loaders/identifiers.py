"""External identifiers: which registries we link to, and the curated identifiers table.

``loaders/data/identifiers.csv`` is shared by all publications (an entity such as sorafenib is
the same whichever paper names it). Each row records where the identifier was looked up and in
which release, so a reviewer can check it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import Problem


@dataclass(frozen=True)
class Scheme:
    """A registry: its identifier pattern and the canonical IRI of a record in it."""

    name: str
    label: str
    pattern: str
    iri: str  # format string taking the identifier value (OBO ids without their prefix)

    def iri_for(self, value: str) -> str:
        # OBO identifiers are written CHEBI:50924 but their IRIs end in CHEBI_50924
        return self.iri.format(value.split(":", 1)[-1])


# Canonical IRIs are the registries' own RDF IRIs, so the export joins with their RDF dumps.
SCHEMES: dict[str, Scheme] = {
    s.name: s
    for s in (
        Scheme(
            "chembl", "ChEMBL", r"^CHEMBL\d+$", "http://rdf.ebi.ac.uk/resource/chembl/molecule/{}"
        ),
        Scheme("chebi", "ChEBI", r"^CHEBI:\d+$", "http://purl.obolibrary.org/obo/CHEBI_{}"),
        Scheme("drugbank", "DrugBank", r"^DB\d{5}$", "https://go.drugbank.com/drugs/{}"),
        Scheme("hgnc", "HGNC", r"^\d+$", "https://identifiers.org/hgnc:{}"),
        Scheme(
            "uniprot",
            "UniProt",
            r"^([OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9]([A-Z][A-Z0-9]{2}[0-9]){1,2})$",
            "http://purl.uniprot.org/uniprot/{}",
        ),
        Scheme("go", "Gene Ontology", r"^GO:\d{7}$", "http://purl.obolibrary.org/obo/GO_{}"),
        Scheme(
            "cellosaurus", "Cellosaurus", r"^CVCL_[A-Z0-9]{4}$", "https://www.cellosaurus.org/{}"
        ),
        Scheme("nct", "ClinicalTrials.gov", r"^NCT\d{8}$", "https://clinicaltrials.gov/study/{}"),
    )
}


class Identifier(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    entity: str = Field(pattern=r"^[a-z]+/[a-z0-9-]+$", description="e.g. drug/sorafenib")
    scheme: str
    value: str
    source: str = Field(min_length=3, description="registry and file the value was read from")
    release: str = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _value_fits_scheme(self) -> Identifier:
        scheme = SCHEMES.get(self.scheme)
        if scheme is None:
            raise ValueError(f"unknown scheme '{self.scheme}' (known: {', '.join(SCHEMES)})")
        if not re.match(scheme.pattern, self.value):
            raise ValueError(f"'{self.value}' is not a {scheme.label} identifier")
        return self


def read_identifiers(path: Path, shown: str) -> tuple[list[tuple[Identifier, str]], list[Problem]]:
    """Rows of the identifiers table with their ``file:line``; problems for bad rows."""
    if not path.exists():
        return [], []
    found: list[tuple[Identifier, str]] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for record in reader:
            line = reader.line_num
            try:
                ident = Identifier.model_validate({k: v for k, v in record.items() if v})
            except ValidationError as error:
                for issue in error.errors():
                    column = ".".join(str(p) for p in issue["loc"]) or "row"
                    problems.append(Problem(shown, line, column, issue["msg"]))
                continue
            key = (ident.entity, ident.scheme)
            if key in seen:
                problems.append(
                    Problem(
                        shown,
                        line,
                        "scheme",
                        f"second {ident.scheme} id (first on line {seen[key]})",
                    )
                )
            seen[key] = line
            found.append((ident, f"{shown}:{line}"))
    return found, problems
