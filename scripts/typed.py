"""Text as people type it, made from a dataset's tokens (Moses' detokenizer), and UD EWT's raw sentences with
their gold words and character spans: what scripts/typed_text.py and benchmarks/tokenizers.py measure with.

sacremoses comes with requirements-dev.txt (the measurements, not training, need it).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from errors import DataFormatError

PTB_QUOTES = ("``", "''")


@lru_cache(maxsize=None)
def _moses():
    from sacremoses import MosesDetokenizer
    return MosesDetokenizer(lang="en")


def as_typed(tokens: list[str]) -> str:
    """A tokenised sentence as people type it: PTB quotes -> ``"``, then Moses' detokenizer (not NLTK's: our
    tokenizer is NLTK's, and its own inverse would be near the identity)."""
    return _moses().detokenize(['"' if t in PTB_QUOTES else t for t in tokens])


def ud_sentences(path: Path) -> list[dict]:
    """CoNLL-U -> [{"text", "words", "upos", "spans"}]: spans are (start, end) offsets of each word in the text,
    or None where a word cannot be placed (a multiword token whose words do not spell it)."""
    sentences, text, units = [], None, []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines() + [""], 1):
        if line.startswith("# text = "):
            text = line[len("# text = "):]
        elif line and not line.startswith("#"):
            f = line.split("\t")
            if "." in f[0]:                                      # an empty node: no word of the text
                continue
            if "-" in f[0]:                                      # a multiword token; its words follow
                units.append({"form": f[1], "words": [], "last": int(f[0].split("-")[1])})
            elif units and units[-1].get("last", 0) >= int(f[0]):
                units[-1]["words"].append((f[1], f[3]))
            else:
                units.append({"form": f[1], "words": [(f[1], f[3])]})
        elif not line and units:
            if text is None:
                raise DataFormatError(path, line_no, "a sentence without a '# text = ' line before it: the raw text "
                                                     "is what this measures (UD's CoNLL-U files have it)")
            sentences.append(_place(text, units))
            text, units = None, []
    return sentences


def _place(text: str, units: list[dict]) -> dict:
    """Gold words with their character spans, found left to right in the sentence's text."""
    words, upos, spans, cursor = [], [], [], 0
    for unit in units:
        start = text.find(unit["form"], cursor)
        found = start >= 0 and not text[cursor:start].strip()
        if found:
            cursor = start + len(unit["form"])
        spelled = "".join(w for w, _ in unit["words"]) == unit["form"]
        for w, tag in unit["words"]:
            words.append(w), upos.append(tag)
            spans.append((start, start + len(w)) if found and spelled else None)
            start += len(w)
    return {"text": text, "words": words, "upos": upos, "spans": spans}
