"""Reading a data file line by line, for every layout (data/formats/): numbered lines in any encoding (an invalid
byte named with its line), and the check every reader shares (blank-line separated blocks: data/tags.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from errors import DataFormatError


def open_lines(path: Path, encoding: str = "utf-8", keepends: bool = False) -> Iterator[tuple[int, str]]:
    """Yield (line_no, line) without the newline; a byte not valid in ``encoding`` is reported with its line."""
    if "\n".encode(encoding) != b"\n":  # UTF-16/32, utf-8-sig: a newline is not (only) the byte 0x0A
        yield from decoded_lines(path, encoding, keepends)
        return
    with open(path, "rb") as f:
        for line_no, raw in enumerate(f, start=1):
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError as e:
                raise DataFormatError(path, line_no, f"not valid {encoding} ({e.reason} at byte {e.start}); a data "
                                                     f"file in another encoding: data.encoding, e.g. latin-1") from None
            if line_no == 1:
                line = line.removeprefix("\ufeff")  # a byte order mark (Excel's CSV): not part of the text
            yield line_no, line if keepends else line.rstrip("\r\n")


def decoded_lines(path: Path, encoding: str, keepends: bool) -> Iterator[tuple[int, str]]:
    """`open_lines` for the encodings whose newline is not the byte 0x0A: the whole file decoded, then split."""
    data = Path(path).read_bytes()
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        line_no = data[:e.start].decode(encoding, errors="replace").count("\n") + 1
        raise DataFormatError(path, line_no, f"not valid {encoding} ({e.reason} at byte {e.start} of the "
                                             f"file); a data file in another encoding: data.encoding") from None
    lines = text.split("\n")
    for line_no, line in enumerate(lines, start=1):
        last = line_no == len(lines)
        if last and not line:  # after the final newline
            return
        yield line_no, line + ("" if last else "\n") if keepends else line.rstrip("\r")


def nonempty(examples: list[dict], path: Path) -> list[dict]:
    if not examples:
        raise DataFormatError(path, None, "no examples found (empty file?)")
    return examples
