"""The handlers of the entity tables: drugs, molecules, pathways, mechanisms, models, trials
and biomarkers, each with its evidence record."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from . import tables as t
from .disputes import TRIAL_COLUMNS, DisputeWriter
from .identifiers import SCHEMES
from .read import Located
from .vocab import SK, term


class EntityRows(DisputeWriter):
    """Adds the rows of the entity tables."""

    def entity(self, item: Located, classes: list[URIRef]) -> URIRef:
        row = item.row
        assert isinstance(row, t.Entity)
        node = self.mint.entity(row.segment, row.id)
        for cls in classes:
            self.g.add((node, RDF.type, cls))
        self.g.add((node, RDFS.label, Literal(row.label, lang="en")))
        for synonym in row.synonyms:
            self.g.add((node, SKOS.altLabel, Literal(synonym, lang="en")))
        self.evidence(item, node)
        return node

    def drug(self, item: Located) -> None:
        row: t.Drug = item.row  # type: ignore[assignment]
        node = self.entity(item, [SK.Drug])
        for component in row.components:
            self.g.add((node, SK.hasComponent, self.ref(component)))
        if row.analogue_of:
            self.g.add((node, SK.analogueOf, self.ref(row.analogue_of)))

    def intervention(self, item: Located) -> None:
        row: t.Intervention = item.row  # type: ignore[assignment]
        node = self.entity(item, [SK.Intervention])
        if row.target:
            self.g.add((node, SK.interventionTarget, self.ref(row.target)))

    def molecule(self, item: Located) -> None:
        row: t.Molecule = item.row  # type: ignore[assignment]
        classes = [SK.Molecule, term(row.type, t.MoleculeType)] + [SK[c] for c in row.classes]
        node = self.entity(item, classes)
        self.add(node, SK.geneSymbol, row.gene)
        for family in row.member_of:
            self.g.add((node, SK.memberOf, self.ref(family)))
        if row.form_of:
            self.g.add((node, SK.formOf, self.ref(row.form_of)))

    def pathway(self, item: Located) -> None:
        row: t.Pathway = item.row  # type: ignore[assignment]
        self.entity(item, [SK.Pathway, term(row.type, t.PathwayType)])

    def mechanism(self, item: Located) -> None:
        row: t.Mechanism = item.row  # type: ignore[assignment]
        node = self.entity(item, [SK.ResistanceMechanism, term(row.type, t.MechanismType)])
        self.add(node, SKOS.definition, row.definition)
        self.fact(item, node, SK.resistanceTo, self.ref(row.resistance_to))

    def mechanism_pathway(self, item: Located) -> None:
        row: t.MechanismPathway = item.row  # type: ignore[assignment]
        self.fact(item, self.ref(row.mechanism), SK.involvesPathway, self.ref(row.pathway))

    def model(self, item: Located) -> None:
        row: t.Model = item.row  # type: ignore[assignment]
        node = self.entity(item, [SK.PreclinicalModel, term(row.type, t.ModelType)])
        if row.derived_from:
            self.g.add((node, SK.derivedFrom, self.ref(row.derived_from)))

    def trial(self, item: Located) -> None:
        row: t.Trial = item.row  # type: ignore[assignment]
        kind = (
            SK.RetrospectiveStudy if row.phase == t.Phase.retrospective else SK.InterventionalTrial
        )
        node = self.entity(item, [SK.ClinicalStudy, kind])
        g = self.g
        g.add((node, SK.phase, term(row.phase, t.Phase)))
        g.add((node, SK.status, term(row.status, t.Status)))
        g.add((node, SK.strategy, term(row.strategy, t.Strategy)))
        g.add((node, SK.condition, SK.HepatocellularCarcinoma))
        for feature in row.design:
            g.add((node, SK.designFeature, term(feature, t.DesignFeature)))
        if row.primary_outcome:
            g.add((node, SK.primaryOutcome, term(row.primary_outcome, t.PrimaryOutcome)))
        self.add(node, SK.enrolled, row.enrolled)
        self.add(node, SK.acronym, row.acronym)
        for column in TRIAL_COLUMNS:
            checks = self.contradicting(item, column)
            if checks:
                self.trial_column_dispute(item, node, column, checks)
        if row.source_table:
            g.add((node, SK.listedInTable, Literal(f"Table {row.source_table}")))
        if row.nct:
            g.add((node, SK.nctId, Literal(row.nct)))
            g.add((node, SKOS.exactMatch, URIRef(SCHEMES["nct"].iri_for(row.nct))))

    def biomarker(self, item: Located) -> None:
        row: t.Biomarker = item.row  # type: ignore[assignment]
        node = self.entity(item, [SK.Biomarker])
        self.g.add((node, SK.measuresMolecule, self.ref(row.molecule)))
        self.g.add((node, SK.sampleType, Literal(row.sample)))
