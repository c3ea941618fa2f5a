"""The graph's mappings as an SSSOM table (https://w3id.org/sssom/).

Two kinds of rows, each with its justification and where it was confirmed:

- ontology terms → NCIt, ChEBI, MONDO, OBI … (``ontology/mappings.csv``);
- entities → their registry records (``loaders/data/identifiers.csv``, and the NCT numbers the
  review prints), taken from the built graph's ``skos:exactMatch`` links so the table and the
  RDF cannot disagree.

Every mapping was curated by hand from a registry snapshot, so every row's
``mapping_justification`` is ``semapv:ManualMappingCuration``; the ``comment`` says which
snapshot and release, and what agreed with it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SKOS

from sorakg.loaders.identifiers import SCHEMES, read_identifiers, split_iri
from sorakg.loaders.prefixes import TABLE
from sorakg.loaders.vocab import SK
from sorakg.ontology import MAPPINGS
from sorakg.release.metadata import dataset_facts
from sorakg.settings import Settings

COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "object_source_version",
    "comment",
)
MANUAL = "semapv:ManualMappingCuration"
NCT_NOTE = "NCT number printed in the review (trials table); record address of ClinicalTrials.gov"


@dataclass(frozen=True)
class Mapping:
    subject_id: str
    subject_label: str
    predicate_id: str
    object_id: str
    object_label: str
    mapping_justification: str
    object_source_version: str
    comment: str


def _label(graph: Graph, node: URIRef) -> str:
    label = graph.value(node, RDFS.label)
    return str(label) if label is not None else ""


class _Namer:
    """CURIEs for the table: registry prefixes for targets, our own for subjects."""

    def __init__(self, base: str):
        self.base = base
        self.used: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        if iri.startswith(str(SK)):
            self.used["sk"] = str(SK)
            return "sk:" + iri.removeprefix(str(SK))
        if iri.startswith(self.base):
            kind, _, local = iri.removeprefix(self.base).partition("/")
            self.used[kind] = f"{self.base}{kind}/"
            return f"{kind}:{local}"
        split = split_iri(iri)
        if split is None:
            raise ValueError(f"no registry prefix for {iri}")
        prefix, uri_prefix, local = split
        self.used[prefix] = uri_prefix
        return f"{prefix}:{local}"


def mappings(settings: Settings, graphs: dict[str, Graph]) -> tuple[list[Mapping], dict[str, str]]:
    """The rows and the CURIE map they need."""
    name = _Namer(settings.base_iri)
    ontology, facts = graphs["ontology"], graphs["asserted"]
    rows: list[Mapping] = []
    with MAPPINGS.open(newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            term = SK[record["subject"].removeprefix("sk:")]
            note = f"; {record['note']}" if record["note"] else ""
            rows.append(
                Mapping(
                    subject_id=name(str(term)),
                    subject_label=_label(ontology, term),
                    predicate_id=record["predicate"],
                    object_id=name(record["object"]),
                    object_label=record["object_label"],
                    mapping_justification=MANUAL,
                    object_source_version="",
                    comment=f"confirmed in {record['source']}{note}",
                )
            )
    identifiers, _ = read_identifiers(settings.data_dir / "identifiers.csv", "identifiers.csv")
    provenance = {
        (f"{settings.base_iri}{ident.entity}", SCHEMES[ident.scheme].iri_for(ident.value)): ident
        for ident, _ in identifiers
    }
    for subject, target in sorted(facts.subject_objects(SKOS.exactMatch)):
        if not isinstance(subject, URIRef) or not isinstance(target, URIRef):
            continue
        ident = provenance.get((str(subject), str(target)))
        if ident is None and facts.value(subject, SK.nctId) is None:
            raise ValueError(f"no recorded source for {subject} skos:exactMatch {target}")
        note = f"; {ident.note}" if ident is not None and ident.note else ""
        rows.append(
            Mapping(
                subject_id=name(str(subject)),
                subject_label=_label(facts, subject),
                predicate_id="skos:exactMatch",
                object_id=name(str(target)),
                object_label="",
                mapping_justification=MANUAL,
                object_source_version=ident.release if ident else "",
                comment=f"read from {ident.source}{note}" if ident else NCT_NOTE,
            )
        )
    name.used.setdefault("skos", TABLE["skos"])
    name.used["semapv"] = TABLE["semapv"]
    rows.sort(key=lambda m: (m.subject_id, m.predicate_id, m.object_id))
    return rows, dict(sorted(name.used.items()))


def _yaml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sssom_table(settings: Settings, graphs: dict[str, Graph]) -> str:
    """The SSSOM/TSV text: a YAML metadata block in ``#`` lines, then the rows."""
    rows, curie_map = mappings(settings, graphs)
    facts = dataset_facts(settings, graphs)
    meta = [
        "curie_map:",
        *(f"  {prefix}: {_yaml_string(iri)}" for prefix, iri in curie_map.items()),
        f"mapping_set_id: {settings.base_iri}mappings/sorakg.sssom.tsv",
        f"mapping_set_version: {_yaml_string(facts.version)}",
        f"mapping_set_title: {_yaml_string(facts.title + ': mappings')}",
        f"license: {facts.license}",
    ]
    out = io.StringIO()
    out.write("".join(f"#{line}\n" for line in meta))
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([getattr(row, column) for column in COLUMNS])
    return out.getvalue()
