"""Named resources: where each public dataset and each set of pretrained vectors comes from, and its SHA-256.

Each resource is a folder of files, ``NAME/PATH``, laid out as in ../shared/data so the readers' presets
(data/datasets.py) read a download unchanged. A source is a plain file (``path``) or a zip archive whose
``members`` are extracted to their paths. ``sha256`` is the official file's checksum where it is confirmed
(the ../shared/data copy is byte-identical to the official file, its SOURCE.md says so and tests/test_download.py
hashes it); ``None`` marks a source as unverified: packaged differently from the copy here (GLUE's zip) or not
available here to hash (the vectors). pooch then downloads it without a check and logs the hash it got.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit
from errors import ConfigError


UD_EWT = "https://raw.githubusercontent.com/UniversalDependencies/UD_English-EWT/4c89b5833a70aa5ed3a00bad2f23f57992cc7df8"
ATIS = "https://raw.githubusercontent.com/MiuLab/SlotGated-SLU/61f0307c729b1fad479ef1de94aa5ac5dee601b0/data/atis"
TREC = "https://cogcomp.seas.upenn.edu/Data/QA/QC"
MIRROR_SCHEMES = ("http", "https", "ftp")  # what pooch downloads from
GLOVE_6B = "https://nlp.stanford.edu/data/glove.6B.zip"
FASTTEXT_EN = "https://dl.fbaipublicfiles.com/fasttext/vectors-english/wiki-news-300d-1M.vec.zip"

CONLL2003_HOWTO = (
    "CoNLL-2003 has no public download: its text is Reuters news (RCV1), licensed by NIST. Request the Reuters "
    "Corpus (RCV1, free for research, signed agreement) at https://trec.nist.gov/data/reuters/reuters.html, then "
    "build eng.train, eng.testa and eng.testb with the shared task's scripts and annotations "
    "(https://www.clips.uantwerpen.be/conll2003/ner/, ner.tgz: bin/make.eng). Put the three files in "
    "DATA_ROOT/conll2003/ (DATA_ROOT: data.root, $RNN_DATA_ROOT, or the download cache).")


@dataclass(frozen=True)
class Source:
    url: str
    sha256: Optional[str]                     # None: unverified (see the module docstring)
    path: Optional[str] = None                # a plain file: its path inside NAME/
    members: tuple[tuple[str, str], ...] = ()  # a zip: (member in the archive, path inside NAME/) pairs

    def __post_init__(self):
        if (self.path is None) == (not self.members):
            raise ValueError(f"{self.url}: a source is either a file (path) or an archive (members)")

    def targets(self) -> list[str]:
        """The paths inside NAME/ that this source provides."""
        return [self.path] if self.path else [path for _, path in self.members]


@dataclass(frozen=True)
class Resource:
    name: str
    kind: str                       # dataset | vectors
    origin: str                     # the official source, in words
    licence: str
    sources: tuple[Source, ...] = ()  # empty: no public source (howto says how to get it)
    howto: str = ""
    dim: Optional[int] = None       # vectors: the width (model.embed_dim must match)

    def files(self) -> list[str]:
        return [t for s in self.sources for t in s.targets()]


def _files(base: str, hashes: dict[str, str]) -> tuple[Source, ...]:
    return tuple(Source(f"{base}/{path}", sha, path=path) for path, sha in hashes.items())


def _glove(dim: int) -> Resource:
    return Resource(f"glove.6B.{dim}d", "vectors", "GloVe 6B (Wikipedia 2014 + Gigaword 5, 400k uncased words), "
                    "Stanford NLP, https://nlp.stanford.edu/projects/glove/", "ODC Public Domain Dedication "
                    "and License (PDDL) 1.0",
                    (Source(GLOVE_6B, None, members=((f"glove.6B.{dim}d.txt", f"glove.6B.{dim}d.txt"),)),), dim=dim)


RESOURCES = [
    Resource("ud_en_ewt", "dataset", "UD English-EWT r2.16, github.com/UniversalDependencies/UD_English-EWT",
             "CC BY-SA 4.0", _files(UD_EWT, {
                 "en_ewt-ud-train.conllu": "3fb78e2b55482c8ee00caa653af436c88c9e5bc9a73ce26e4ae3ddc79d2b7e7b",
                 "en_ewt-ud-dev.conllu": "531a54ff90d6ab12201c5a50c3e78e6ddac4de69abc4bce5d275d3cd29efe2b6",
                 "en_ewt-ud-test.conllu": "e266e515a0a7547657ed3d90d9ba46487d6bd251f27ad4269d4e8a427c8555cd",
             }) + (Source(f"{UD_EWT}/LICENSE.txt", None, path="LICENSE"),)),
    Resource("trec", "dataset", "CogComp (Li & Roth 2002), cogcomp.seas.upenn.edu/Data/QA/QC", "none stated",
             _files(TREC, {
                 "train_5500.label": "9e4c8bdcaffb96ed61041bd64b564183d52793a8e91d84fc3a8646885f466ec3",
                 "TREC_10.label": "033f22c028c2bbba9ca682f68ffe204dc1aa6e1cf35dd6207f2d4ca67f0d0e8e",
             })),
    Resource("sst2", "dataset", "GLUE SST-2 (Wang et al. 2018; Socher et al. 2013), dl.fbaipublicfiles.com/glue",
             "none stated (cite SST and GLUE)",
             (Source("https://dl.fbaipublicfiles.com/glue/data/SST-2.zip", None,
                     members=tuple((f"SST-2/{f}", f) for f in ("train.tsv", "dev.tsv", "test.tsv"))),)),
    Resource("atis", "dataset", "ATIS, Goo et al. 2018 split, github.com/MiuLab/SlotGated-SLU @ 61f0307",
             "none stated (LDC-origin corpus)", _files(ATIS, {
                 "train/seq.in": "3a670980841b21ab39088b2595efc17d487cdc45769c075a3e5f9458bba28c7f",
                 "train/seq.out": "14c7131bd66562f797dbd7189bc7358f0cf354c6afb0785a9ab973c35b58f34c",
                 "train/label": "d0a771547665eecbdf9f96ea015ef07d1f6ee9f063e861020dafabb3c2a04377",
                 "valid/seq.in": "c7435b96e7948393608c34819628e863c5338f11ca68e8f896d2cc041d8e17f8",
                 "valid/seq.out": "83ccff3e36f83a993f8e5b5b82adf3256076f234abda4d784051381d7ac76922",
                 "valid/label": "06957cfe6fdffac84f8280bc3a1f8ca85c85631b363817aa4543aac611f8addf",
                 "test/seq.in": "4b2119fc59c37f9398c6605db435d4f467505009e6ee3e5af04fed09f39dc397",
                 "test/seq.out": "a4690d6bceadc06876d1ff99bc401744aa981cb321e598ae12a3859d7be53254",
                 "test/label": "ce4bfe6590d9498e1078f30b4137d3e8b3e94277b444b26360c0bf2e9e282761",
             })),
    Resource("conll2003", "dataset", "CoNLL-2003 shared task (Tjong Kim Sang & De Meulder 2003) over Reuters RCV1",
             "Reuters Corpus agreement (NIST), research use", howto=CONLL2003_HOWTO),
    *(_glove(dim) for dim in (50, 100, 200, 300)),
    Resource("wiki-news-300d-1M", "vectors", "fastText English, 1M words trained on Wikipedia 2017 + UMBC + "
             "statmt news (Mikolov et al. 2018), https://fasttext.cc/docs/en/english-vectors.html", "CC BY-SA 3.0",
             (Source(FASTTEXT_EN, None, members=(("wiki-news-300d-1M.vec", "wiki-news-300d-1M.vec"),)),), dim=300),
]
REGISTRY = {r.name: r for r in RESOURCES}


def source_url(url: str, mirror: Optional[str]) -> str:
    """The URL to fetch: the source itself, or with a mirror, the mirror's base + the source's URL path (host
    stripped), e.g. http://127.0.0.1:8000/ + /Data/QA/QC/TREC_10.label."""
    if not mirror:
        return url
    if urlsplit(mirror).scheme not in MIRROR_SCHEMES or not urlsplit(mirror).netloc:
        raise ConfigError(f"a mirror is a base URL such as http://127.0.0.1:8000/ ({', '.join(MIRROR_SCHEMES)}), got "
                          f"{mirror!r} (--mirror or $RNN_DATA_MIRROR)")
    return mirror.rstrip("/") + urlsplit(url).path
