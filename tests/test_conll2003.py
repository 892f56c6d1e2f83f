"""CoNLL-2003 from the original IOB1 files: -DOCSTART- dropped, IOB1 -> IOB2, counts from SOURCE.md."""
from collections import Counter

import pytest
from seqeval.metrics.sequence_labeling import get_entities

from data.datasets import load_splits
from data.config import DataConfig, task_of
from data.tags import iob1_to_iob2, is_bio

# SOURCE.md: sentences (no -DOCSTART-), tokens, entities per type decoded from the IOB1 tags
COUNTS = {
    "train": (14041, 203621, {"LOC": 7140, "MISC": 3438, "ORG": 6321, "PER": 6600}),
    "validation": (3250, 51362, {"LOC": 1837, "MISC": 922, "ORG": 1341, "PER": 1842}),
    "test": (3453, 46435, {"LOC": 1668, "MISC": 702, "ORG": 1661, "PER": 1617}),
}


@pytest.fixture(scope="module")
def conll():
    return load_splits(DataConfig(name="conll2003"))


def test_iob1_to_iob2_rules():
    assert iob1_to_iob2(["I-PER", "I-PER", "O", "I-LOC"]) == ["B-PER", "I-PER", "O", "B-LOC"]
    assert iob1_to_iob2(["I-LOC", "B-LOC", "I-LOC"]) == ["B-LOC", "B-LOC", "I-LOC"]  # adjacent same type
    assert iob1_to_iob2(["I-ORG", "I-PER"]) == ["B-ORG", "B-PER"]                     # a new type starts
    assert iob1_to_iob2(["O", "B-MISC"]) == ["O", "B-MISC"]
    assert is_bio(["O", "B-PER", "I-PER"]) and not is_bio(["NOUN", "VERB"]) and not is_bio(["O"])


@pytest.mark.part("tagging")
@pytest.mark.needs_data("conll2003")
def test_real_sentences_are_converted(conll, shared_data):
    from data.formats.columns import read_columns
    train = conll["train"]
    assert train[0] == {"tokens": "EU rejects German call to boycott British lamb .".split(),
                        "tags": ["B-ORG", "O", "B-MISC", "O", "O", "O", "B-MISC", "O", "O"]}
    assert train[1] == {"tokens": ["Peter", "Blackburn"], "tags": ["B-PER", "I-PER"]}
    # eng.train line 1947: "Golan Heights" (I-LOC I-LOC) directly followed by "Israel" (B-LOC, IOB1's only B- use)
    sent = next(ex for ex in train if "Golan" in ex["tokens"] and "Israel" in ex["tokens"])
    i = sent["tokens"].index("Golan")
    assert sent["tokens"][i: i + 6] == ["Golan", "Heights", "Israel", "captured", "from", "Syria"]
    assert sent["tags"][i: i + 6] == ["B-LOC", "I-LOC", "B-LOC", "O", "O", "B-LOC"]
    raw = read_columns(shared_data / "conll2003/eng.train")                # tag_scheme iob2: as written
    assert raw[0]["tags"][:3] == ["I-ORG", "O", "I-MISC"] and len(raw) == 14041


@pytest.mark.needs_data("conll2003")
@pytest.mark.parametrize("split", ["train", "validation", "test"])
def test_split_token_and_entity_counts(conll, split):
    sentences, tokens, entities = COUNTS[split]
    ds = conll[split]
    assert len(ds) == sentences and sum(len(t) for t in ds["tokens"]) == tokens
    assert "-DOCSTART-" not in {t for ts in ds["tokens"] for t in ts}
    begins = Counter(t[2:] for tags in ds["tags"] for t in tags if t.startswith("B-"))
    assert begins == entities                                  # IOB2: exactly one B- per entity
    decoded = Counter(e for tags in ds["tags"] for e, _, _ in get_entities(tags))
    assert decoded == entities
    assert all(not t.startswith("I-") or prev[2:] == t[2:] and prev != "O"   # valid IOB2: I-X continues X
               for tags in ds["tags"] for prev, t in zip(["O"] + tags, tags))


def test_conll2003_is_a_tagging_preset():
    cfg = DataConfig(name="conll2003")
    assert task_of(cfg) == "tagging"
