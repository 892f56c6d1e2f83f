"""BIO tags, for data with tags only (the tagging task): the column files' sentences (blank-line separated blocks),
IOB1 -> IOB2, telling BIO tags from others, and the checks on them (a reader's, naming the line; every split's, once
train is read). IOB1 (the original CoNLL-2003 files) starts an entity with ``I-X`` (``B-X`` only right after another X
entity); IOB2 (seqeval's strict mode, the CRF's constraints) always with ``B-X``: an ``I-X`` that continues no X entity
becomes ``B-X``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from errors import DataFormatError
from .config import DataConfig, setting
from .files import open_lines
from .formats import layout


def _opens(tags: list[str], i: int) -> bool:
    """``tags[i]`` is an ``I-X`` that continues no X entity (after ``O``, another type, or at the start)."""
    return tags[i].startswith("I-") and (i == 0 or tags[i - 1] not in ("B-" + tags[i][2:], tags[i]))


def iob1_to_iob2(tags: list[str]) -> list[str]:
    return ["B-" + tag[2:] if _opens(tags, i) else tag for i, tag in enumerate(tags)]


def first_invalid_iob2(tags: list[str]) -> int | None:
    """Index of the first tag strict IOB2 and a CRF (`models.crf.iob2_transition_mask`) forbid, `_opens`."""
    return next((i for i in range(len(tags)) if _opens(tags, i)), None)


def is_bio(tag_names: Iterable[str]) -> bool:
    """Every tag is ``O``, ``B-X`` or ``I-X`` and one is not ``O`` (entity-level metrics apply)."""
    names = list(tag_names)
    return any(t != "O" for t in names) and all(map(bio_tag, names))


def bio_tag(tag: str) -> bool:
    return tag == "O" or tag[:2] in ("B-", "I-") and len(tag) > 2


def iob2_problem(tags: list[str], i: int) -> str:
    """What is wrong with ``tags[i]``, a sentence's `first_invalid_iob2`, and what to do."""
    after = f"after {tags[i - 1]}" if i > 0 else "at the start of a sentence"
    return (f"tag {tags[i]} {after} is not valid IOB2: an entity starts with B-{tags[i][2:]} (strict IOB2 scoring "
            f"would not count this one, and a CRF cannot tag it); if the file is IOB1, set data.tag_scheme=iob1 to "
            f"convert it")


def tagged(path: Path, tokens: list[str], tags: list[str], lines: list[int], tag_scheme: str,
           check_iob2: bool) -> list[dict]:
    """A column file's sentence as [example] ([] without tokens), IOB1 tags converted; with ``check_iob2`` the
    first tag that breaks IOB2 is an error naming its line."""
    tags = iob1_to_iob2(tags) if tag_scheme == "iob1" else tags
    if check_iob2:
        require_iob2(path, tags, lines)
    return [{"tokens": tokens, "tags": tags}] if tokens else []


def require_iob2(path: Path, tags: list[str], lines: list[int]) -> None:
    i = first_invalid_iob2(tags)
    if i is not None:
        raise DataFormatError(path, lines[i], iob2_problem(tags, i))


def check_bio(dd, tag_names: list[str], cfg: DataConfig, paths: dict[str, Path], iob2: bool = False) -> None:
    """When train's tags (``tag_names``) are BIO, every split's must be valid IOB2 BIO tags, CRF or not (else
    seqeval's strict count silently drops an entity, or breaks); with ``iob2`` (a CRF, whose constraints forbid an
    ``I-X`` that continues no X) every ``I-X`` must continue one, whatever the tag set (IOBES too). ``paths``:
    {split: path} of the files (`data.datasets.split_paths`)."""
    bio = is_bio(tag_names)
    if not (bio or iob2):
        return
    for split, ds in dd.items():
        for i, tags in enumerate(ds["tags"]):
            if bio and (bad := next((t for t in tags if not bio_tag(t)), None)) is not None:
                raise _bio_error(cfg, paths, split, i, f"tag {bad!r} is not a BIO tag (O, B-TYPE or I-TYPE) as "
                                                         f"train's are")
            if (j := first_invalid_iob2(tags)) is not None:
                raise _bio_error(cfg, paths, split, i, iob2_problem(tags, j))


def _bio_error(cfg: DataConfig, paths: dict[str, Path], split: str, index: int, problem: str) -> DataFormatError:
    """The error for sentence ``index`` of ``split``, whose tags break IOB2 (``problem``): the reader's, naming
    path:line (the split's file read again, checked), else one naming the file and sentence."""
    if cfg.hub_id is not None:
        return DataFormatError(cfg.hub_id, None, f"split {split!r}, sentence {index + 1}: {problem}")
    from .datasets import reader_options  # here: the readers import this module, not the whole pipeline
    path = paths.get(split, paths["train"])  # a held-out split comes from train's file
    try:
        layout(setting(cfg, "format")).read(path, **reader_options(cfg), check_iob2=True)
    except DataFormatError as e:
        return e
    return DataFormatError(path, None, f"sentence {index + 1} of split {split!r}: {problem}")


def sentences(path: Path, comments: bool = False, encoding: str = "utf-8") -> Iterator[list[tuple[int, str]]]:
    """Blank-line separated blocks of (line_no, line); ``#`` lines skipped if ``comments`` (CoNLL-U; in other
    column files ``#`` can be a token)."""
    block = []
    for line_no, line in open_lines(path, encoding):
        if not line.strip():
            if block:
                yield block
            block = []
        elif not (comments and line.startswith("#")):
            block.append((line_no, line))
    if block:
        yield block
