"""Namespaces, and the ontology term each controlled table value stands for."""

from __future__ import annotations

from enum import Enum

from rdflib import Namespace, URIRef

from . import tables as t
from .prefixes import PREFIX_IRIS

SK = Namespace(PREFIX_IRIS["sk"])
ONTOLOGY_IRI = URIRef("https://w3id.org/sorakg/ontology")

PREFIXES = {name: Namespace(iri) for name, iri in PREFIX_IRIS.items()}

# table value → ontology individual or class (local names in SK)
TERMS: dict[type[Enum], dict[str, str]] = {
    t.Phase: {
        "II": "PhaseII",
        "III": "PhaseIII",
        "retrospective": "RetrospectivePhase",
        "unspecified": "PhaseUnspecified",
    },
    t.Status: {
        "completed": "Completed",
        "ongoing": "Ongoing",
        "recruiting": "Recruiting",
        "halted": "Halted",
    },
    t.Strategy: {
        "combination": "CombinationWithSorafenib",
        "second_line": "SecondLine",
        "first_line": "FirstLine",
        "biomarker": "BiomarkerStudy",
        "monotherapy": "Monotherapy",
    },
    t.Measure: {
        "OS": "OverallSurvival",
        "TTP": "TimeToProgression",
        "PFS": "ProgressionFreeSurvival",
        "SD": "StableDiseaseRate",
        "RR": "ResponseRate",
        "DCR": "DiseaseControlRate",
        "PD": "ProgressiveDisease",
        "SD_duration": "StableDiseaseDuration",
        "follow_up": "FollowUp",
        "patients": "PatientCount",
        "HR": "HazardRatioMeasure",
    },
    t.Statistic: {
        "median": "Median",
        "proportion": "Proportion",
        "count": "Count",
        "hazard_ratio": "HazardRatio",
        "value": "PlainValue",
    },
    t.Unit: {
        "month": "Month",
        "percent": "Percent",
        "patient": "PatientUnit",
        "ratio": "RatioUnit",
    },
    t.Direction: {
        "positive": "Positive",
        "negative": "Negative",
        "none": "NoAssociation",
        "unspecified": "UnspecifiedDirection",
    },
    t.Verdict: {
        "supported": "Supported",
        "not_validated": "NotValidated",
        "not_predictive": "NotPredictive",
        "prognostic": "Prognostic",
    },
    t.Change: {
        "increased": "Increased",
        "decreased": "Decreased",
        "activated": "Activated",
        "involved": "Involved",
    },
    t.Basis: {"review": "AuthorStatement", "curator": "CuratorInference"},
    t.DesignFeature: {
        "randomized": "Randomized",
        "placebo_controlled": "PlaceboControlled",
        "double_blind": "DoubleBlind",
        "open_label": "OpenLabel",
        "multicentre": "Multicentre",
        "controlled": "Controlled",
        "retrospective": "Retrospective",
    },
    t.PrimaryOutcome: {
        "OS": "OverallSurvival",
        "TTP": "TimeToProgression",
        "PFS": "ProgressionFreeSurvival",
        "SD": "StableDiseaseRate",
        "RR": "ResponseRate",
        "Adverse Event": "AdverseEventOutcome",
        "Disease Progression": "DiseaseProgression",
    },
    # classes
    t.DrugClass: {
        "small_molecule": "SmallMoleculeDrug",
        "antibody": "AntibodyDrug",
        "cytotoxic": "CytotoxicAgent",
        "hormone_analogue": "HormoneAnalogue",
        "immunomodulator": "Immunomodulator",
        "natural_product": "Drug",
        "molecular_targeted": "MolecularTargetedDrug",
        "kinase_inhibitor": "KinaseInhibitor",
        "tyrosine_kinase_inhibitor": "TyrosineKinaseInhibitor",
        "multikinase_inhibitor": "MultikinaseInhibitor",
        "combination_product": "CombinationProduct",
    },
    t.InterventionKind: {k.value: "Intervention" for k in t.InterventionKind},
    t.MoleculeType: {
        "protein": "Protein",
        "protein_family": "ProteinFamily",
        "protein_complex": "ProteinComplex",
        "phosphoprotein": "Phosphoprotein",
        "cytokine": "Cytokine",
    },
    t.PathwayType: {"signaling_pathway": "SignalingPathway", "cellular_process": "CellularProcess"},
    t.MechanismType: {
        "primary": "PrimaryResistanceMechanism",
        "acquired": "AcquiredResistanceMechanism",
    },
    t.ModelType: {
        "cell_line": "CellLine",
        "resistant_cell_line": "ResistantCellLine",
        "engineered_cell_line": "EngineeredCellLine",
        "xenograft": "XenograftModel",
        "patient_tissue": "PatientTissue",
        "tissue": "TissueOfUnstatedOrigin",
    },
    t.ArmRole: {"experimental": "ExperimentalArm", "control": "ControlArm", "single": "SingleArm"},
    t.Action: {
        "inhibits": "inhibits",
        "activates": "activates",
        "upregulates": "upregulates",
        "downregulates": "downregulates",
        "has_no_effect_on": "hasNoEffectOn",
        "binds": "binds",
        "regulates": "regulates",
    },
    t.Modality: {"stated": "Stated", "hedged": "Hedged", "hypothesis": "Hypothesis"},
    t.Scope: {"drug_specific": "DrugSpecific", "antitumour_general": "AntitumourDrugsInGeneral"},
    t.EvidenceType: {
        "cell_line": "CellLineEvidence",
        "xenograft": "XenograftEvidence",
        "patient_tissue": "PatientTissueEvidence",
        "tissue_unspecified": "UnspecifiedTissueEvidence",
        "clinical_trial": "ClinicalTrialEvidence",
        "retrospective_analysis": "RetrospectiveAnalysisEvidence",
        "review_statement": "ReviewStatementEvidence",
    },
    t.Supports: {"yes": "Supports", "no": "DoesNotSupport"},
    t.ConclusionKind: {
        "treatment_option": "TreatmentOptionClaim",
        "efficacy": "EfficacyClaim",
        "safety": "SafetyClaim",
        "predictive_biomarker": "PredictiveBiomarkerClaim",
        "mechanism": "MechanismClaim",
        "background": "BackgroundClaim",
        "research_need": "ResearchNeedClaim",
    },
    t.ComparisonResult: {
        "longer": "Longer",
        "shorter": "Shorter",
        "higher": "Higher",
        "lower": "Lower",
        "no_difference": "NoDifference",
        "within": "WithinBound",
    },
    t.Significance: {
        "significant": "StatisticallySignificant",
        "not_significant": "NotStatisticallySignificant",
        "not_stated": "SignificanceNotStated",
    },
    t.CheckVerdict: {
        "consistent": "ConsistentWithReference",
        "contradicted": "ContradictedByReference",
        "partly_contradicted": "PartlyContradictedByReference",
        "not_covered": "NotCoveredByReference",
        "not_confirmed": "NotConfirmedByReference",
    },
    t.MemberRole: {
        "member": "hasMember",
        "upstream": "hasUpstreamRegulator",
        "downstream": "hasDownstreamTarget",
        "negative_regulator": "hasNegativeRegulator",
    },
}


def term(value: Enum | str, enum: type[Enum]) -> URIRef:
    """The ontology term for a controlled table value."""
    key = value.value if isinstance(value, Enum) else value
    return SK[TERMS[enum][key]]
