"""BIO tags: IOB1 -> IOB2 conversion, telling a BIO tag set from any other, and the checks on tags (a reader's,
naming the line; every split's, once train is read). Only data with tags imports this module.

IOB1 (the original CoNLL-2003 files): ``I-X`` starts an entity; ``B-X`` appears only where an X entity directly
follows another X entity. IOB2 (what seqeval's strict mode and the CRF's constraints expect): every entity starts
with ``B-X``. So an ``I-X`` that does not continue an X entity (it follows ``O``, another type, or nothing)
becomes ``B-X``; everything else is unchanged.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from errors import DataFormatError


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
    return any(t != "O" for t in names) and all(map(bio_tag, names))


def bio_tag(tag: str) -> bool:
    """``O``, ``B-X`` or ``I-X``."""
    return tag == "O" or tag[:2] in ("B-", "I-") and len(tag) > 2


def first_invalid_iob2(tags: list[str]) -> int | None:
    """Index of the first ``I-X`` that continues no X entity (after ``O``, another type, or at the start): what
    strict IOB2 and a CRF's constraints (`models.crf.iob2_transition_mask`) forbid; None if there is none."""
    for i, tag in enumerate(tags):
        if tag.startswith("I-") and (i == 0 or tags[i - 1] not in ("B-" + tag[2:], tag)):
            return i
    return None


def iob2_problem(tags: list[str], i: int) -> str:
    """What is wrong with ``tags[i]``, the `first_invalid_iob2` of a sentence, and what to do (for error messages)."""
    after = f"after {tags[i - 1]}" if i > 0 else "at the start of a sentence"
    return (f"tag {tags[i]} {after} is not valid IOB2: an entity starts with B-{tags[i][2:]} (strict IOB2 scoring "
            f"would not count this one, and a CRF cannot tag it); if the file is IOB1, set data.tag_scheme=iob1 to "
            f"convert it")


def tagged(path: Path, tokens: list[str], tags: list[str], lines: list[int], tag_scheme: str,
           check_iob2: bool) -> list[dict]:
    """A column file's sentence as [example] ([] if it has no token): IOB1 tags converted (``tag_scheme="iob1"``),
    and with ``check_iob2`` the first tag that breaks IOB2 an error naming its line."""
    tags = iob1_to_iob2(tags) if tag_scheme == "iob1" else tags
    if check_iob2:
        require_iob2(path, tags, lines)
    return [{"tokens": tokens, "tags": tags}] if tokens else []


def require_iob2(path: Path, tags: list[str], lines: list[int]) -> None:
    """DataFormatError at the line of the first tag that is not valid IOB2 (`first_invalid_iob2`)."""
    i = first_invalid_iob2(tags)
    if i is not None:
        raise DataFormatError(path, lines[i], iob2_problem(tags, i))


def check_bio(dd, tag_names: list[str], error: Callable[[str, int, str], DataFormatError]) -> None:
    """When train's tags (``tag_names``) are BIO, every split's must be valid IOB2 BIO tags, with a CRF or not: an
    ``I-X`` that continues no X entity would silently leave seqeval's strict count of entities (IOB1 files:
    data.tag_scheme=iob1 converts them), and a tag that is not O, B-X or I-X would break it. Raises
    ``error(split, sentence, problem)``."""
    if not is_bio(tag_names):
        return
    for split, ds in dd.items():
        for i, tags in enumerate(ds["tags"]):
            if (bad := next((t for t in tags if not bio_tag(t)), None)) is not None:
                raise error(split, i, f"tag {bad!r} is not a BIO tag (O, B-TYPE or I-TYPE) as train's are")
            if (j := first_invalid_iob2(tags)) is not None:
                raise error(split, i, iob2_problem(tags, j))
