"""Named datasets and vectors fetched on request (data/download.py, data/registry.py), through a real HTTP server on
127.0.0.1 serving a mirror built from ../shared/data; the registry's SHA-256 values against the local files.
No test here reaches any other host: RNN_DATA_MIRROR replaces the host of every source URL."""
import contextlib
import filecmp
import functools
import hashlib
import http.server
import shutil
import re
import socket
import threading
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import train
from data import download
from data.datasets import load_splits
from data.config import DataConfig
from data.registry import REGISTRY, source_url
from tests.fixtures import TINY, named_data

LOOPBACK = "http://127.0.0.1:9/"
LOCAL = ("127.0.0.1", "localhost", "::1", None)
DATASETS = ("ud_en_ewt", "trec", "sst2", "atis")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def git_blob(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def mirror_path(mirror: Path, url: str) -> Path:
    return mirror / urlsplit(url).path.lstrip("/")


def build_mirror(mirror: Path, shared: Path, names=DATASETS) -> Path:
    """Every source of NAMES laid out by its URL path: plain files copied, zips built from the copied files."""
    for name in names:
        for source in REGISTRY[name].sources:
            target = mirror_path(mirror, source.url)
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.path:
                shutil.copyfile(shared / name / source.path, target)
            else:
                with zipfile.ZipFile(target, "w") as z:
                    for member, path in source.members:
                        z.write(shared / name / path, member)
    return mirror


@contextlib.contextmanager
def serve(folder: Path):
    """A real ThreadingHTTPServer on 127.0.0.1 (a free port) serving FOLDER; yields (base URL, paths requested)."""
    requested = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            requested.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", requested
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def loopback_only(monkeypatch):
    """Any connection or name lookup for a host other than 127.0.0.1 fails the test."""
    connect, getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(sock, address):
        if isinstance(address, tuple) and address[0] not in LOCAL:
            raise AssertionError(f"a test tried to connect to {address}")
        return connect(sock, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host not in LOCAL:
            raise AssertionError(f"a test tried to look up {host!r}")
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


@pytest.fixture
def cache(tmp_path, monkeypatch, loopback_only) -> Path:
    """A fresh download cache, no $RNN_DATA_ROOT and no ../shared/data: as on a clone with nothing beside it."""
    monkeypatch.setenv(download.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(download.DATA_ROOT_ENV, raising=False)
    monkeypatch.delenv(download.MIRROR_ENV, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # a proxy set in the environment must not see these requests
    monkeypatch.setattr(download, "SHARED_DATA", tmp_path / "no-shared-data")
    return tmp_path / "cache"


@pytest.mark.needs_data(*DATASETS)
def test_recorded_checksums_equal_the_shared_files(shared_data):
    """Every verified source's SHA-256 is the local file's; those files are the official ones (SOURCE.md)."""
    verified = {}
    for resource in REGISTRY.values():
        for source in resource.sources:
            if source.sha256 is not None:
                assert source.path, f"{source.url}: only plain files are verified"
                local = shared_data / resource.name / source.path
                assert sha256(local) == source.sha256, local
                verified.setdefault(resource.name, []).append(source.path)
    assert {k: len(v) for k, v in verified.items()} == {"ud_en_ewt": 3, "trec": 2, "atis": 9}
    for name in ("ud_en_ewt", "trec"):  # SOURCE.md states the SHA-256 of the official files ...
        stated = (shared_data / name / "SOURCE.md").read_text()
        assert all(s.sha256 in stated for s in REGISTRY[name].sources if s.sha256)
    stated = (shared_data / "atis" / "SOURCE.md").read_text()  # ... or their git blob ids in the source repository
    assert all(git_blob(shared_data / "atis" / path) in stated for path in verified["atis"])
    unverified = {r.name for r in REGISTRY.values() for s in r.sources if s.sha256 is None}
    assert unverified == {"ud_en_ewt", "sst2", "glove.6B.50d", "glove.6B.100d", "glove.6B.200d", "glove.6B.300d",
                          "wiki-news-300d-1M"}  # UD's LICENSE, GLUE's zip, the vectors' zips


def test_the_guard_refuses_other_hosts(loopback_only):
    with pytest.raises(AssertionError, match="a test tried to look up 'nlp.stanford.edu'"):
        socket.create_connection(("nlp.stanford.edu", 443), timeout=1)
    with socket.socket() as sock, pytest.raises(AssertionError, match="a test tried to connect to"):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed


def test_a_download_that_cannot_connect_says_what_to_do_offline(cache):
    with socket.socket() as sock:  # a port of 127.0.0.1 nothing listens on: the connection is refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ConnectionError) as e:
        download.fetch("trec", mirror=f"http://127.0.0.1:{port}/")
    assert re.match(rf"trec: could not download http://127\.0\.0\.1:{port}/Data/QA/QC/\S+\. "
                    rf"{re.escape(download.OFFLINE)}\. Behind a firewall, set \$RNN_DATA_MIRROR=http://host:port/ "
                    rf"to a mirror laid out by the URL paths\. \(.*refused.*\)$", str(e.value))  # advice first
    assert not [p for p in cache.rglob("*") if p.is_file()]  # nothing half-downloaded kept
    assert (Path(download.__file__).parent.parent / "configs" / "example_csv_classifier.yaml").is_file()  # named


def test_every_source_url_maps_onto_the_mirror():
    urls = {s.url for r in REGISTRY.values() for s in r.sources}
    mapped = {source_url(url, LOOPBACK) for url in urls}
    assert all(urlsplit(url).scheme == "https" for url in urls)
    assert {urlsplit(url).netloc for url in mapped} == {"127.0.0.1:9"}
    assert len(mapped) == len(urls)  # distinct sources stay distinct on a mirror
    assert source_url("https://cogcomp.seas.upenn.edu/Data/QA/QC/TREC_10.label", "http://127.0.0.1:8000") == \
        "http://127.0.0.1:8000/Data/QA/QC/TREC_10.label"
    assert not REGISTRY["conll2003"].sources  # no public source
    with pytest.raises(ValueError, match="a mirror is a base URL such as http://"):
        source_url("https://cogcomp.seas.upenn.edu/Data/QA/QC/TREC_10.label", "127.0.0.1:8000")


@pytest.mark.needs_data(*DATASETS)
def test_download_verifies_then_reads_the_cache_offline(tmp_path, cache, shared_data, monkeypatch, capsys):
    mirror = build_mirror(tmp_path / "mirror", shared_data)
    with serve(mirror) as (url, requested):
        monkeypatch.setenv(download.MIRROR_ENV, url)
        assert download.main(list(DATASETS)) == 0
        assert download.main(["trec", "sst2"]) == 0  # already there: verified from the cache, not fetched again
    assert len(requested) == sum(len(REGISTRY[n].sources) for n in DATASETS)
    for name in DATASETS:  # the same layout and bytes as ../shared/data
        for path in REGISTRY[name].files():
            assert filecmp.cmp(cache / name / path, shared_data / name / path, shallow=False), path
    assert not list(cache.rglob(".unzip")) and (cache / "archives" / "SST-2.zip").is_file()
    # the server is stopped: what follows must not need it
    for name in DATASETS:
        assert download.locate(name) == cache
        assert download.fetch(name) == cache
    assert {k: len(v) for k, v in load_splits(DataConfig(name="trec")).items()} == \
        {"train": 4906, "validation": 546, "test": 500}
    assert download.main(["--list"]) == 0
    assert f"{cache / 'trec'}" in capsys.readouterr().out


@pytest.mark.needs_data("trec")
def test_a_corrupted_file_is_refused_and_nothing_is_kept(tmp_path, cache, shared_data, monkeypatch):
    mirror = build_mirror(tmp_path / "mirror", shared_data, ["trec"])
    served = mirror_path(mirror, REGISTRY["trec"].sources[0].url)
    data = bytearray(served.read_bytes())
    data[100] ^= 1  # one bit
    served.write_bytes(bytes(data))
    with serve(mirror) as (url, _):
        monkeypatch.setenv(download.MIRROR_ENV, url)
        with pytest.raises(download.ChecksumError) as e:
            download.fetch("trec")
    message = str(e.value)
    assert "train_5500.label" in message and REGISTRY["trec"].sources[0].sha256 in message
    assert sha256(served) in message
    assert [p for p in cache.rglob("*") if p.is_file()] == []  # no partial or temporary file left
    with pytest.raises(FileNotFoundError, match="python -m data.download trec"):
        download.locate("trec")


def test_without_data_training_fails_naming_the_download_command(tmp_path, cache):
    with pytest.raises(FileNotFoundError) as e:
        train.main([TINY, *named_data("trec"), "--run-dir", str(tmp_path / "run")])
    message = str(e.value)
    for part in ("dataset 'trec' not found", "python -m data.download trec", "data.download=true", "data.root",
                 "$RNN_DATA_ROOT", "$RNN_DATA_CACHE", str(cache / "trec")):
        assert part in message
    with pytest.raises(download.NoPublicSource, match=r"Reuters.*eng\.train, eng\.testa and eng\.testb.*conll2003/"):
        download.locate("conll2003", download=True)


def test_lookup_order(tmp_path, cache, monkeypatch):
    roots = {k: tmp_path / k for k in ("root", "env", "shared")}
    for folder in [*roots.values(), cache]:
        (folder / "trec").mkdir(parents=True)
    monkeypatch.setattr(download, "SHARED_DATA", roots["shared"])
    monkeypatch.setenv(download.DATA_ROOT_ENV, str(roots["env"]))
    assert download.locate("trec", str(roots["root"])) == roots["root"]
    assert download.locate("trec") == roots["env"]
    monkeypatch.delenv(download.DATA_ROOT_ENV)
    assert download.locate("trec") == roots["shared"]
    shutil.rmtree(roots["shared"])
    with pytest.raises(FileNotFoundError):  # a cache folder counts only once all its files are there
        download.locate("trec")
    for path in REGISTRY["trec"].files():
        (cache / "trec" / path).write_text("")
    assert download.locate("trec") == cache


@pytest.mark.part("vectors")
@pytest.mark.needs_data("trec")
def test_named_vectors_and_data_download_through_the_mirror(tmp_path, cache, shared_data, monkeypatch, capsys):
    """data.download=true fetches TREC and glove.6B.100d (the registry's own entry, unverified: a zip this test
    writes stands in for Stanford's) before training; without it a named vectors resource is an error."""
    with pytest.raises(FileNotFoundError, match=r"python -m data\.download glove\.6B\.100d"):
        download.vectors_file("glove.6B.100d")
    with pytest.raises(ValueError, match="model.embed_dim=100"):
        download.vectors_file("glove.6B.100d", dim=300)
    assert download.vectors_file(str(tmp_path / "mine.txt")) == tmp_path / "mine.txt"  # a path stays a path
    mirror = build_mirror(tmp_path / "mirror", shared_data, ["trec"])
    words = ["what", "is", "the", "?", "how", "many", "who", "zzzznotaword"]
    glove = mirror_path(mirror, REGISTRY["glove.6B.100d"].sources[0].url)
    glove.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(glove, "w") as z:
        z.writestr("glove.6B.100d.txt", "".join(f"{w} {' '.join(f'{i + j / 100:g}' for j in range(100))}\n"
                                                for i, w in enumerate(words)))
    with serve(mirror) as (url, _):
        monkeypatch.setenv(download.MIRROR_ENV, url)
        results = train.main([TINY, *named_data("trec"), "data.limit=100", "data.lowercase=true",
                              "data.download=true", "model.vectors=glove.6B.100d", "model.embed_dim=100",
                              "train.max_steps=1", "--run-dir", str(tmp_path / "run")])
    assert "test/accuracy" in results
    vectors = cache / "glove.6B.100d" / "glove.6B.100d.txt"
    assert f"vectors {vectors}: {{'words': " in capsys.readouterr().out and (cache / "trec").is_dir()
    assert download.vectors_file("glove.6B.100d", dim=100) == vectors  # now found, without the server


def tiny_sst2_mirror(folder: Path) -> Path:
    """SST-2.zip (the registry's unverified source) of three tiny TSV files, laid out by its URL path."""
    source = REGISTRY["sst2"].sources[0]
    target = mirror_path(folder, source.url)
    target.parent.mkdir(parents=True)
    words = "good bad fine awful".split() * 5
    rows = "sentence\tlabel\n" + "".join(f"{w} film\t{i % 2}\n" for i, w in enumerate(words))
    with zipfile.ZipFile(target, "w") as z:
        for member, _ in source.members:
            z.writestr(member, rows)
    return folder


def test_a_file_damaged_after_its_download_is_refused_and_listed(tmp_path, cache, monkeypatch, capsys):
    """issue 26: checksums recorded at download mean the files are whole when read, and --list says so."""
    with serve(tiny_sst2_mirror(tmp_path / "mirror")) as (url, _):
        assert download.main(["sst2", "--mirror", url]) == 0
        assert "sst2: " in capsys.readouterr().out
        sums = (cache / "sst2" / "SHA256SUMS").read_text()
        assert f"{sha256(cache / 'sst2' / 'train.tsv')}  train.tsv\n" in sums
        assert len(load_splits(DataConfig(name="sst2"))["test"]) == 20
        train_tsv = cache / "sst2" / "train.tsv"
        train_tsv.write_bytes(train_tsv.read_bytes()[:50])         # truncated: a full disk, a copy cut short
        with pytest.raises(download.ChecksumError, match=rf"^sst2: {train_tsv} is not the file downloaded: its "
                                                         r"SHA-256 differs from the one recorded in .*SHA256SUMS "
                                                         r"\(truncated or edited since\?\); download it again: "
                                                         r"python -m data.download sst2$"):
            load_splits(DataConfig(name="sst2"))
        assert download.main(["--list"]) == 0
        line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("sst2 "))
        assert "DAMAGED: train.tsv changed since the download" in line and "SHA-256 verified" not in line
        assert download.main(["sst2", "--mirror", url]) == 0    # fetched again, whole
    splits = load_splits(DataConfig(name="sst2"))
    assert len(splits["train"]) + len(splits["validation"]) == 20


@pytest.mark.parametrize("args,message", [
    (["trec", "--mirror", "127.0.0.1:8000"], "error: a mirror is a base URL such as http://127.0.0.1:8000/ (http, "
                                             "https, ftp), got '127.0.0.1:8000' (--mirror or $RNN_DATA_MIRROR)"),
    (["trec", "--mirror", "file:///srv/mirror"], "error: a mirror is a base URL such as http://"),
    (["trec", "--root", "FILE"], "error: --root FILE: is a file; give a folder (the files go to ROOT/NAME/)"),
])
def test_download_arguments_that_cannot_work_are_one_line(tmp_path, cache, capsys, args, message):
    (tmp_path / "FILE").write_text("not a folder")
    args = [str(tmp_path / "FILE") if a == "FILE" else a for a in args]
    assert download.main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(message.replace("FILE", str(tmp_path / "FILE")))
