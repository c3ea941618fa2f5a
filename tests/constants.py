"""Where the project's tables are, and the IRIs the tests name."""

from __future__ import annotations

from sorakg.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "loaders" / "data"
PUB = "sorafenib-resistance-hcc-review"
REVIEW = DATA / PUB / "source.txt"
BASE = "https://w3id.org/sorakg/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SK = "https://w3id.org/sorakg/ontology#"
SORAFENIB = "https://w3id.org/sorakg/drug/sorafenib"
