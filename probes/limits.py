"""Reading what a user hands ihcheck (inventories, waivers, materials, specs, keys, bundles) with limits.

Every input is read as a regular file (a FIFO would block the run, /dev/zero would never end, a
directory or a device is not a document), up to a size, and YAML is parsed with caps on aliases and
nesting, so a "billion laughs" file is refused in a moment instead of costing minutes and gigabytes.
Every problem is an `InputError`: one line naming the file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from probes.errors import InputError

MAX_INPUT_BYTES = 16 * 1024 * 1024  # an inventory, a waivers file, a materials index, a key, a spec
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024  # one submitted document (a scanned PDF)
MAX_YAML_ALIASES = 200
MAX_YAML_DEPTH = 64


def read_bytes_limited(path: Path, what: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; InputError otherwise (never blocks on a FIFO)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise InputError(f"{path}: {what} cannot be opened: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{path}: {what} is not a regular file")
        if info.st_size > limit:
            raise InputError(f"{path}: {what} is {info.st_size} bytes, more than the {limit} allowed")
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise InputError(f"{path}: {what} grew beyond the {limit} bytes allowed while being read")
            chunks.append(chunk)
        return b"".join(chunks)
    except IsADirectoryError:
        raise InputError(f"{path}: {what} is not a regular file") from None
    except OSError as exc:
        raise InputError(f"{path}: {what} cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_text_limited(path: Path, what: str, limit: int = MAX_INPUT_BYTES) -> str:
    data = read_bytes_limited(path, what, limit)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: {what} is not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise InputError(f"{path}: {what} holds a NUL byte: not a text file")
    return text


def check_yaml_shape(text: str, path: Path, what: str) -> None:
    """Refuse YAML with too many aliases or too deep a nesting, from the event stream (nothing is built)."""
    import yaml

    aliases = depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_YAML_ALIASES:
                    raise InputError(f"{path}: {what}: more than {MAX_YAML_ALIASES} YAML aliases (refused: an alias "
                                     "bomb expands to gigabytes)")
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise InputError(f"{path}: {what}: YAML nested deeper than {MAX_YAML_DEPTH} levels")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{path}: {what}: not valid YAML{where}: {problem}") from None


def load_yaml_limited(path: Path, what: str, limit: int = MAX_INPUT_BYTES) -> Any:
    """YAML from a regular file, size, aliases and depth capped, parsed safely; InputError on any problem."""
    import yaml

    text = read_text_limited(path, what, limit)
    check_yaml_shape(text, path, what)
    try:
        return yaml.load(text, Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader)
    except yaml.YAMLError as exc:  # pragma: no cover - check_yaml_shape parsed it already
        raise InputError(f"{path}: {what}: not valid YAML: {str(exc).splitlines()[0]}") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a timestamp like 2026-13-45, a huge int
        raise InputError(f"{path}: {what}: {exc}") from None
