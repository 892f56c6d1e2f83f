"""Fetch named datasets and vectors from their sources, on request, and find them where they are:

    python -m data.download trec sst2 glove.6B.100d     # into $RNN_DATA_ROOT if set, else the download cache
    python -m data.download --list                      # every name, its source, checksum, where it is now

pooch downloads (to a temporary file, kept only if its SHA-256 matches the registry's), caches and unzips;
data/registry.py says what comes from where. Nothing here touches the network unless a download is asked for
(this command, or ``data.download: true`` in a config). ``RNN_DATA_MIRROR=http://host:port/`` replaces the host
of every source URL, for a mirror laid out by the sources' URL paths (the tests serve one on 127.0.0.1).

A named resource NAME is the folder NAME/ in the first data root that has it: ``data.root`` if set, else
``$RNN_DATA_ROOT`` if set, else ../shared/data beside the repository, else the download cache (``$RNN_DATA_CACHE``,
default ~/.cache/rnn-template/data), which counts only once every file of NAME is there.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Optional

import pooch
import requests

from .config_checks import ConfigError
from .registry import REGISTRY, Resource, Source, source_url

DATA_ROOT_ENV, CACHE_ENV, MIRROR_ENV = "RNN_DATA_ROOT", "RNN_DATA_CACHE", "RNN_DATA_MIRROR"
DEFAULT_CACHE = "~/.cache/rnn-template/data"
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


class ChecksumError(ValueError):
    pass


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
    for source in resource.sources:
        if source.path:
            _retrieve(name, source, source_url(source.url, mirror), root / name / source.path)
        elif not all((root / name / path).is_file() for _, path in source.members):
            _unzip(name, source, source_url(source.url, mirror), root / name)
    return root


def _retrieve(name: str, source: Source, url: str, target: Path, processor=None):
    try:
        return pooch.retrieve(url, known_hash=source.sha256, fname=target.name, path=target.parent,
                              processor=processor)
    except ValueError as e:  # pooch deletes a download whose hash does not match, then raises
        if "does not match the known hash" not in str(e):
            raise
        raise ChecksumError(f"{name}: {target} from {url} refused, nothing kept: {e}") from None
    except requests.exceptions.RequestException as e:
        raise ConnectionError(f"{name}: could not download {url}: {e}. Behind a firewall, set "
                              f"${MIRROR_ENV}=http://host:port/ to a mirror laid out by the URL paths.") from None


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
    if not resource.sources:
        return "no public source"
    verified = sum(s.sha256 is not None for s in resource.sources)
    return "SHA-256 verified" if verified == len(resource.sources) else \
        "unverified" if not verified else f"{verified}/{len(resource.sources)} sources verified"


def list_resources() -> str:
    rows = []
    for r in REGISTRY.values():
        where = next((str(c / r.name) for c in candidates() if is_complete(r, c)), "not downloaded")
        rows.append(f"{r.name:18} {r.kind:8} {_status(r):18} {where}\n{'':28}{r.origin}; licence: {r.licence}")
    return "\n".join(rows)


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
    for name in args.names:
        try:
            root = fetch(name, Path(args.root) if args.root else None, args.mirror)
        except (NoPublicSource, ChecksumError, ConnectionError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(f"{name}: {root / name} ({_status(REGISTRY[name])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
