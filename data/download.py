"""Fetch named datasets and vectors from their sources, on request, and find them where they are:

    python -m data.download trec sst2 glove.6B.100d     # into $RNN_DATA_ROOT if set, else the download cache
    python -m data.download --list                      # every name, its source, checksum, where it is now

pooch downloads (to a temporary file, kept only if its SHA-256 matches the registry's), caches and unzips;
data/registry.py says what comes from where. Each download then records the SHA-256 of every file of NAME in
NAME/SHA256SUMS (`sha256sum -c` reads it too); whenever NAME is found there again (a training, --list), its files
are checked against it: a file truncated or changed since is an error naming it, never data read silently.
Nothing here touches the network unless a download is asked for (this command, or ``data.download: true`` in a
config). ``RNN_DATA_MIRROR=http://host:port/`` replaces the host
of every source URL, for a mirror laid out by the sources' URL paths (the tests serve one on 127.0.0.1).

A named resource NAME is the folder NAME/ in the first data root that has it: ``data.root`` if set, else
``$RNN_DATA_ROOT`` if set, else ../shared/data beside the repository, else the download cache (``$RNN_DATA_CACHE``,
default ~/.cache/rnn-template/data), which counts only once every file of NAME is there.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Optional

import pooch
import requests

from errors import ConfigError, UserError
from .registry import REGISTRY, Resource, Source, source_url

DATA_ROOT_ENV, CACHE_ENV, MIRROR_ENV = "RNN_DATA_ROOT", "RNN_DATA_CACHE", "RNN_DATA_MIRROR"
OFFLINE = ("Offline, train on files you have: configs/example_*.yaml read the repository's own small ones "
           "(tests/fixtures/), e.g. make train CONFIG=configs/example_csv_classifier.yaml")
DEFAULT_CACHE = "~/.cache/rnn-template/data"
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


CHECKSUMS = "SHA256SUMS"  # NAME/SHA256SUMS: "<sha256>  <path>" per file of NAME, written by `fetch`
_hashes: dict[tuple, str] = {}  # (path, size, mtime, inode) -> SHA-256: each file hashed once per process


class ChecksumError(UserError, ValueError):
    """A download (or a cached file) whose SHA-256 is not the registry's; the message names the file."""


class NoPublicSource(FileNotFoundError):
    pass


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE).expanduser()


def candidates(root: Optional[str] = None) -> list[Path]:
    """The data roots to look in, in order; the last one is where a download goes."""
    if root:
        return [Path(root)]
    if os.environ.get(DATA_ROOT_ENV):
        return [Path(os.environ[DATA_ROOT_ENV])]
    return [SHARED_DATA, cache_dir()]


def is_complete(resource: Resource, root: Path) -> bool:
    folder = root / resource.name
    return folder.is_dir() and all((folder / f).is_file() for f in resource.files())


def locate(name: str, root: Optional[str] = None, download: bool = False) -> Path:
    """The data root holding NAME/ (see the module docstring); with ``download``, fetch it there if missing."""
    roots = candidates(root)
    for c in roots:
        if (c / name).is_dir() and (c != cache_dir() or name not in REGISTRY or is_complete(REGISTRY[name], c)):
            verify(name, c)
            return c
    resource = REGISTRY.get(name)
    looked = ", ".join(str(c / name) for c in roots)
    if resource is not None and not resource.sources:
        raise NoPublicSource(f"{resource.kind} {name!r} not found; looked in: {looked}. {resource.howto}")
    if download and resource is not None:
        print(f"{resource.kind} {name!r} not found in {looked}: downloading it into {roots[-1]}", flush=True)
        return fetch(name, roots[-1])
    raise FileNotFoundError(
        f"{'dataset' if resource is None else resource.kind} {name!r} not found; looked in: {looked}. "
        f"Download it with `python -m data.download {name}` (into {roots[-1]}), or set data.download=true to "
        f"fetch it before training; or point data.root=/path or ${DATA_ROOT_ENV} at a folder holding {name}/. "
        f"Download cache: ${CACHE_ENV} (default {DEFAULT_CACHE}); mirror: ${MIRROR_ENV}.")


def vectors_file(value: str, root: Optional[str] = None, download: bool = False, dim: Optional[int] = None) -> Path:
    """model.vectors: an existing file, else a named vectors resource (glove.6B.100d, ...) found or fetched."""
    resource = REGISTRY.get(value)
    if Path(value).is_file() or resource is None or resource.kind != "vectors":
        return Path(value)  # load_vectors names a missing file
    if dim is not None and resource.dim != dim:
        raise ConfigError(f"model.vectors {value!r} is {resource.dim}-dimensional: set model.embed_dim={resource.dim}")
    return locate(value, root, download) / value / resource.files()[0]


def fetch(name: str, root: Optional[Path] = None, mirror: Optional[str] = None) -> Path:
    """Download NAME's files into ROOT/NAME/ (default: where `locate` would put them); returns ROOT.

    Files already there with the right SHA-256 are not downloaded again. A file whose SHA-256 differs from
    the registry's is refused: `ChecksumError` names it and both hashes, and nothing of it is kept.
    """
    if name not in REGISTRY:
        raise KeyError(f"unknown resource {name!r}; known: {', '.join(REGISTRY)}")
    resource = REGISTRY[name]
    root = Path(root) if root is not None else candidates()[-1]
    if not resource.sources:
        if (root / name).is_dir():  # put there by hand, as its howto says
            return root
        raise NoPublicSource(f"{name}: {resource.howto}")
    mirror = mirror if mirror is not None else os.environ.get(MIRROR_ENV)
    for path in changed(name, root):  # since the download: fetched again
        (root / name / path).unlink(missing_ok=True)
    for source in resource.sources:
        if source.path:
            _retrieve(name, source, source_url(source.url, mirror), root / name / source.path)
        elif not all((root / name / path).is_file() for _, path in source.members):
            _unzip(name, source, source_url(source.url, mirror), root / name)
    folder = root / name
    (folder / CHECKSUMS).write_text("".join(f"{_sha256(folder / f)}  {f}\n" for f in resource.files()))
    return root


def changed(name: str, root: Path) -> list[str]:
    """The files of ROOT/NAME whose SHA-256 is not the one NAME/SHA256SUMS recorded at download (a missing file
    too); [] where nothing was recorded (a folder put there by hand, ../shared/data)."""
    folder = root / name
    try:
        lines = (folder / CHECKSUMS).read_text().splitlines()
    except FileNotFoundError:
        return []
    recorded = dict(reversed(line.split("  ", 1)) for line in lines if "  " in line)
    return [f for f, sha in recorded.items() if not (folder / f).is_file() or _sha256(folder / f) != sha]


def verify(name: str, root: Path) -> None:
    """ChecksumError if a file of ROOT/NAME changed since its download (`changed`)."""
    if bad := changed(name, root):
        raise ChecksumError(f"{name}: {root / name / bad[0]} is not the file downloaded: its SHA-256 differs from "
                            f"the one recorded in {root / name / CHECKSUMS} (truncated or edited since?); download it "
                            f"again: python -m data.download {name}"
                            + ("" if root in candidates()[-1:] else f" --root {shlex.quote(str(root))}"))


def _sha256(path: Path) -> str:
    """The file's SHA-256, hashed once per process while its size, mtime and inode stay the same."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    if key not in _hashes:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        _hashes[key] = digest.hexdigest()
    return _hashes[key]


def _retrieve(name: str, source: Source, url: str, target: Path, processor=None):
    try:
        return pooch.retrieve(url, known_hash=source.sha256, fname=target.name, path=target.parent,
                              processor=processor)
    except ValueError as e:  # pooch deletes a download whose hash does not match, then raises
        if "does not match the known hash" not in str(e):
            raise
        raise ChecksumError(f"{name}: {target} from {url} refused, nothing kept: {e}") from None
    except requests.exceptions.RequestException as e:
        raise ConnectionError(f"{name}: could not download {url}. {OFFLINE}. Behind a firewall, set ${MIRROR_ENV}="
                              f"http://host:port/ to a mirror laid out by the URL paths. ({e})") from None


def _unzip(name: str, source: Source, url: str, folder: Path) -> None:
    """Download the archive into the cache (once; glove.6B's four widths share one), extract its members."""
    archive = cache_dir() / "archives" / Path(source.url).name
    staging = folder / ".unzip"
    members = [member for member, _ in source.members]
    try:
        _retrieve(name, source, url, archive, pooch.Unzip(members=members, extract_dir=str(staging)))
        for member, path in source.members:
            if not (staging / member).is_file():
                raise FileNotFoundError(f"{name}: {archive} (from {url}) has no member {member!r}")
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / member, folder / path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _status(resource: Resource) -> str:
    """Is a download checked against a SHA-256 the registry knows (the source's, not the files now: `changed`)?"""
    if not resource.sources:
        return "no public source"
    verified = sum(s.sha256 is not None for s in resource.sources)
    return "source SHA-256 known" if verified == len(resource.sources) else \
        "source unverified" if not verified else f"{verified}/{len(resource.sources)} sources' SHA-256"


def list_resources() -> str:
    """One entry per resource: its source's checksum, where it is and whether its files are the ones downloaded."""
    rows = []
    for r in REGISTRY.values():
        root = next((c for c in candidates() if is_complete(r, c)), None)
        where = "not downloaded" if root is None else f"{root / r.name} ({_files_status(r.name, root)})"
        rows.append(f"{r.name:18} {r.kind:8} {_status(r):21} {where}\n{'':28}{r.origin}; licence: {r.licence}")
    return "\n".join(rows)


def _files_status(name: str, root: Path) -> str:
    if not (root / name / CHECKSUMS).is_file():
        return "no SHA-256 recorded there: not downloaded by this program"
    if bad := changed(name, root):
        return f"DAMAGED: {', '.join(bad)} changed since the download; fetch again: python -m data.download {name}"
    return "every file as downloaded (SHA256SUMS)"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="*", metavar="NAME", help=f"any of: {', '.join(REGISTRY)}")
    p.add_argument("--list", action="store_true", help="list the named resources and where each is now")
    p.add_argument("--root", help=f"download into ROOT/NAME/ (default: ${DATA_ROOT_ENV} if set, else the cache)")
    p.add_argument("--mirror", help=f"base URL of a mirror (default: ${MIRROR_ENV})")
    args = p.parse_args(argv)
    if args.list or not args.names:
        print(list_resources())
        return 0
    unknown = [n for n in args.names if n not in REGISTRY]
    if unknown:
        p.error(f"unknown name(s) {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    if args.root and Path(args.root).exists() and not Path(args.root).is_dir():
        print(f"error: --root {args.root}: is a file; give a folder (the files go to ROOT/NAME/)", file=sys.stderr)
        return 1
    for name in args.names:
        try:
            root = fetch(name, Path(args.root) if args.root else None, args.mirror)
        except (ChecksumError, ConfigError, OSError) as e:  # OSError: no public source, no connection, the disk
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(f"{name}: {root / name} ({_status(REGISTRY[name])}; {_files_status(name, root)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
