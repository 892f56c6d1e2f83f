"""BIO tag schemes: IOB1 -> IOB2 conversion, the first tag that breaks IOB2, and telling a BIO tag set from any other.

IOB1 (the original CoNLL-2003 files): ``I-X`` starts an entity; ``B-X`` appears only where an X entity directly
follows another X entity. IOB2 (what seqeval's strict mode and the CRF's constraints expect): every entity starts
with ``B-X``. So an ``I-X`` that does not continue an X entity (it follows ``O``, another type, or nothing)
becomes ``B-X``; everything else is unchanged.
"""
from __future__ import annotations

from typing import Iterable


def iob1_to_iob2(tags: list[str]) -> list[str]:
    """One sentence's IOB1 tags -> IOB2 tags, same length."""
    out = []
    for i, tag in enumerate(tags):
        if tag.startswith("I-"):
            previous = tags[i - 1] if i > 0 else "O"
            if previous[2:] != tag[2:] or previous[:2] not in ("B-", "I-"):
                tag = "B-" + tag[2:]
        out.append(tag)
    return out


def is_bio(tag_names: Iterable[str]) -> bool:
    """True when every tag is ``O`` or ``B-X``/``I-X`` and at least one is not ``O`` (entity-level metrics apply)."""
    names = list(tag_names)
    return any(t != "O" for t in names) and all(t == "O" or t[:2] in ("B-", "I-") and len(t) > 2 for t in names)


def first_invalid_iob2(tags: list[str]) -> int | None:
    """Index of the first ``I-X`` that continues no X entity (after ``O``, another type, or at the start): what
    strict IOB2 and a CRF's constraints (`models.crf.iob2_transition_mask`) forbid; None if there is none."""
    for i, tag in enumerate(tags):
        if tag.startswith("I-") and (i == 0 or tags[i - 1] not in ("B-" + tag[2:], tag)):
            return i
    return None
