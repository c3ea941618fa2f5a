"""External identifiers: which registries we link to, and the curated identifiers table.

``loaders/data/identifiers.csv`` is shared by all publications (an entity such as sorafenib is
the same whichever paper names it). Each row records where the identifier was looked up and in
which release, so a reviewer can check it.

Prefixes, identifier patterns and IRIs come from the Bioregistry (the ``bioregistry`` package
ships its registry, so this works offline) through a ``curies`` converter. The only choice made
here is *which* of a registry's IRIs is canonical: its RDF IRI where the Bioregistry records one
(ChEMBL, ChEBI, UniProt, GO), so the export joins with those registries' own RDF; otherwise an
IRI form listed by the Bioregistry, or, where noted, the registry's own current record address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import bioregistry
import curies
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import Problem
from .source_files import read_csv

RDF_IRI = "rdf"  # the registry's RDF IRI as the Bioregistry records it
DEFAULT_IRI = "default"  # the Bioregistry's default URI format


@dataclass(frozen=True)
class Choice:
    """Our name for a scheme, its Bioregistry prefix, and which IRI form is canonical."""

    name: str
    prefix: str
    iri: str = RDF_IRI  # RDF_IRI, DEFAULT_IRI or a URI prefix
    why: str = ""  # required when ``iri`` is a URI prefix the Bioregistry does not list


CHOICES = (
    Choice("chembl", "chembl.compound"),
    Choice("chebi", "chebi"),
    Choice("drugbank", "drugbank", DEFAULT_IRI),
    Choice("hgnc", "hgnc", "https://identifiers.org/hgnc:"),
    Choice("uniprot", "uniprot"),
    Choice("go", "go"),
    Choice("cellosaurus", "cellosaurus", DEFAULT_IRI),
    Choice(
        "nct",
        "clinicaltrials",
        "https://clinicaltrials.gov/study/",
        why="ClinicalTrials.gov's own record address; the Bioregistry lists it with 'www.'",
    ),
)


def _ascii(pattern: str) -> str:
    # registry patterns use \d, which in Python and XSD also matches non-ASCII digits
    return pattern.replace(r"\d", "[0-9]")


@dataclass(frozen=True)
class Scheme:
    """A registry: its identifier pattern and the canonical IRI of a record in it."""

    name: str  # the ``scheme`` column value and the ``sk:{name}Id`` property
    prefix: str  # the Bioregistry's preferred prefix for CURIEs (CHEBI, chembl.compound …)
    label: str
    pattern: str  # of the value as written in the table (OBO ids with their CHEBI: prefix)
    local_pattern: str  # of the local identifier, as the Bioregistry gives it
    uri_prefix: str
    written_prefix: str  # what the table writes before the local id ("CHEBI:", "CVCL_" or "")

    def local(self, value: str) -> str:
        """The local identifier: ``CHEBI:50924`` → ``50924``."""
        return value.removeprefix(self.written_prefix)

    def curie(self, value: str) -> str:
        return f"{self.prefix}:{self.local(value)}"

    def iri_for(self, value: str) -> str:
        return converter().expand(self.curie(value), strict=True)


def _uri_prefix(resource: bioregistry.Resource, choice: Choice) -> str:
    if choice.iri == RDF_IRI:
        found = resource.get_rdf_uri_prefix()
        if found is None:
            raise ValueError(f"the Bioregistry records no RDF IRI for {choice.prefix}")
        return found
    if choice.iri == DEFAULT_IRI:
        found = resource.get_uri_prefix()
        if found is None:
            raise ValueError(f"the Bioregistry records no URI format for {choice.prefix}")
        return found
    if choice.iri not in resource.get_uri_prefixes() and not choice.why:
        raise ValueError(
            f"{choice.iri} is not an IRI form the Bioregistry lists for {choice.prefix}"
        )
    return choice.iri


def _scheme(choice: Choice) -> Scheme:
    resource = bioregistry.get_resource(choice.prefix)
    if resource is None:
        raise ValueError(f"the Bioregistry has no prefix {choice.prefix}")
    local_pattern = _ascii(resource.get_pattern() or r"^.+$")
    banana = resource.get_banana()
    written = f"{banana}{resource.get_banana_peel()}" if banana else ""
    pattern = "^" + re.escape(written) + local_pattern.removeprefix("^")
    return Scheme(
        name=choice.name,
        prefix=resource.get_preferred_prefix() or resource.prefix,
        label=resource.get_name() or choice.prefix,
        pattern=pattern,
        local_pattern=local_pattern,
        uri_prefix=_uri_prefix(resource, choice),
        written_prefix=written,
    )


SCHEMES: dict[str, Scheme] = {c.name: _scheme(c) for c in CHOICES}


@cache
def converter() -> curies.Converter:
    """CURIEs ↔ IRIs for our schemes: the canonical IRI first, every form the Bioregistry
    lists as a synonym (so ``compress`` understands identifiers.org or www. links too)."""
    records = []
    for choice in CHOICES:
        scheme = SCHEMES[choice.name]
        resource = bioregistry.get_resource(choice.prefix)
        assert resource is not None
        synonyms = {p for p in resource.get_uri_prefixes() if p != scheme.uri_prefix}
        prefix_synonyms = {choice.name, choice.prefix, *resource.get_synonyms()} - {scheme.prefix}
        records.append(
            curies.Record(
                prefix=scheme.prefix,
                uri_prefix=scheme.uri_prefix,
                prefix_synonyms=sorted(prefix_synonyms),
                uri_prefix_synonyms=sorted(synonyms),
                pattern=scheme.local_pattern,
            )
        )
    return curies.Converter(records)


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
    table = read_csv(path, shown)
    problems += table.problems
    for line, record in table.records:
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


# ChEMBL's RDF names its core ontology (CCO) with this prefix; the Bioregistry (0.15.6) has no
# record for the namespace, so it is the one prefix declared here rather than looked up.
CCO = curies.Record(prefix="cco", uri_prefix="http://rdf.ebi.ac.uk/terms/chembl#")


@cache
def link_converter() -> curies.Converter:
    """Our schemes first, then the whole Bioregistry (RDF IRIs and preferred prefixes first):
    names the prefixes of mapping targets (NCIT, MONDO, OBI …) in exports and SSSOM."""
    registry = bioregistry.get_converter(
        uri_prefix_priority=["rdf", "default"], prefix_priority=["preferred", "default"]
    )
    return curies.chain([converter(), curies.Converter([CCO]), registry])


@cache
def _prefix_map() -> dict[str, str]:
    return dict(link_converter().prefix_map)  # built anew on each access: keep one


def split_iri(iri: str) -> tuple[str, str, str] | None:
    """(prefix, URI prefix, local id) of an IRI under a known registry prefix, or None."""
    parsed = link_converter().parse_uri(iri)
    if not parsed:
        return None
    prefix, local = parsed
    uri_prefix = _prefix_map()[prefix]
    # a synonym IRI form parses too; only the canonical form gets the prefix's name
    return (prefix, uri_prefix, local) if iri == uri_prefix + local else None
