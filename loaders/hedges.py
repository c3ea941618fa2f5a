"""The hedge-cue lexicon, and the check that no hedged quote passes as a firm claim.

``loaders/data/hedge_cues.csv`` lists the words that weaken a claim (``may``, ``suggest``,
``indicating``, ``possibly``, ``preliminarily`` …), each with the modality it signals and its
source: the lexical hedging cues of Kilicoglu and Bergler (BMC Bioinformatics 2008, 9(Suppl 11):
S10, Table 1), the speculation keywords of the BioScope annotation guidelines (Vincze et al., BMC
Bioinformatics 2008, 9(Suppl 11):S9), and a few this review uses, marked as the curator's.

A row that records a claim (a table with a ``modality`` column) as ``stated`` while its quote holds
a cue is a problem, unless its ``note`` says why that cue does not hedge the claim, naming it as
``cue '<cue>'`` ("could" as the past of "can" reports a result; "promising" may qualify a drug's
benefit, not its class).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import tables
from .errors import Problem
from .read import Located

LEXICON = "hedge_cues.csv"


@dataclass(frozen=True)
class Cue:
    cue: str
    pattern: re.Pattern[str]
    modality: str
    source: str


def read_lexicon(path: Path) -> list[Cue]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Cue(
                row["cue"],
                re.compile(rf"\b(?:{row['pattern']})\b", re.IGNORECASE),
                row["modality"],
                row["source"],
            )
            for row in csv.DictReader(handle)
        ]


def cues_in(text: str, lexicon: Iterable[Cue]) -> list[Cue]:
    return [cue for cue in lexicon if cue.pattern.search(text)]


def unexplained(rows: Iterable[Located], lexicon: list[Cue]) -> Iterator[Problem]:
    """Stated claims whose quote holds a cue the note does not explain."""
    for item in rows:
        row = item.row
        if not isinstance(row, tables.Claim) or row.modality != tables.Modality.stated:
            continue
        for cue in cues_in(row.quote, lexicon):
            if f"cue '{cue.cue}'" not in (row.note or ""):
                yield Problem(
                    item.file,
                    item.line,
                    "modality",
                    f"'stated', but the quote holds the hedge cue '{cue.cue}' ({cue.source}); "
                    f"record it as {cue.modality}, or say in note why cue '{cue.cue}' does not "
                    "hedge this claim",
                )
