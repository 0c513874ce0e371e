"""Reading what a user hands ihcheck (inventories, waivers, materials, specs, keys, bundles) with limits.

Every input is read as a regular file (a FIFO would block the run, /dev/zero would never end, a
directory or a device is not a document), up to a size, and YAML is parsed with caps on aliases and
nesting, so a "billion laughs" file is refused in a moment instead of costing minutes and gigabytes.
Every problem is an `InputError`: one line naming the file.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import IO, Any

from checker.errors import InputError

MAX_INPUT_BYTES = 16 * 1024 * 1024  # an inventory, a waivers file, a materials index, a key, a spec
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024  # one submitted document (a scanned PDF)
MAX_YAML_NODES = 200_000  # values after alias expansion: far above any real inventory, far below a bomb
MAX_YAML_DEPTH = 64
MAX_JSON_DIGITS = 40  # a number longer than this is no reading, date or sequence number ihcheck writes


def open_regular(path: Path, what: str, limit: int | None = MAX_INPUT_BYTES) -> IO[bytes]:
    """A regular file opened for reading after its type and size were checked, never blocking on a FIFO.
    For inputs read as a stream (an audit log): the caller reads it in chunks."""
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
        if limit is not None and info.st_size > limit:
            raise InputError(f"{path}: {what} is {info.st_size} bytes, more than the {limit} allowed")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def parse_json(data: bytes | str, where: str, what: str = "JSON") -> Any:
    """JSON from foreign bytes, every failure one InputError naming `where`: not UTF-8, not JSON, nested past
    the interpreter's recursion limit (ihcheck's own JSON nests ~12 deep) or a number of more digits than
    MAX_JSON_DIGITS (int() refuses 4,300 digits with a ValueError, and nothing ihcheck reads has 40)."""
    text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
    try:
        return json.loads(text, parse_int=_bounded_int)
    except RecursionError:  # the C decoder stops at the interpreter's recursion limit, at once and safely
        raise InputError(f"{where}: {what} nested too deep (refused)") from None
    except ValueError as exc:
        raise InputError(f"{where}: not valid {what} ({str(exc)[:160]})") from None


def loads(data: bytes | str) -> Any:
    """`json.loads` for foreign data, for code that already handles `json.JSONDecodeError`: depth, the length of
    a number and bad UTF-8 become that error too (never RecursionError or int()'s ValueError)."""
    try:
        return parse_json(data, "JSON")
    except UnicodeDecodeError as exc:
        raise json.JSONDecodeError(f"not UTF-8 ({exc.reason})", "", exc.start) from None
    except InputError as exc:
        raise json.JSONDecodeError(str(exc).removeprefix("JSON: "), "", 0) from None


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_JSON_DIGITS:
        raise ValueError(f"a number of {len(digits)} digits")
    return int(digits)


def load_json_limited(path: Path, what: str, limit: int = MAX_INPUT_BYTES) -> Any:
    """JSON from a regular file of at most `limit` bytes, shape-checked; InputError on any problem."""
    data = read_bytes_limited(path, what, limit)
    try:
        return parse_json(data, str(path), what)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: {what} is not UTF-8 text (byte {exc.start})") from None


def read_bytes_limited(path: Path, what: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; InputError otherwise (never blocks on a FIFO)."""
    with open_regular(path, what, limit) as handle:
        try:
            data = handle.read(limit + 1)
        except IsADirectoryError:  # pragma: no cover - open_regular refused it
            raise InputError(f"{path}: {what} is not a regular file") from None
        except OSError as exc:
            raise InputError(f"{path}: {what} cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InputError(f"{path}: {what} grew beyond the {limit} bytes allowed while being read")
    return data


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
    """Refuse YAML that would expand too far through its aliases, or nests too deep, before anything builds it.

    The document is composed (a node graph in which an alias is the anchored node itself, so composing is
    cheap) and the size it would have once expanded is counted node by node, each anchored node once.
    """
    import yaml

    loader = yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader
    try:
        documents = list(yaml.compose_all(text, Loader=loader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{path}: {what}: not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise InputError(f"{path}: {what}: YAML nested too deep") from None
    sizes: dict[int, int] = {}

    def expanded(node: yaml.Node, depth: int) -> int:
        if depth > MAX_YAML_DEPTH:
            raise InputError(f"{path}: {what}: YAML nested deeper than {MAX_YAML_DEPTH} levels")
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # a node that contains itself (a recursive alias) counts once
        if isinstance(node, yaml.SequenceNode):
            total = 1 + sum(expanded(child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total = 1 + sum(expanded(k, depth + 1) + expanded(v, depth + 1) for k, v in node.value)
        else:
            total = 1
        if total > MAX_YAML_NODES:
            raise InputError(f"{path}: {what}: YAML expands to more than {MAX_YAML_NODES} values through its "
                             "aliases (refused: an alias bomb)")
        sizes[id(node)] = total
        return total

    total = 0
    for document in documents:
        if document is not None:
            total += expanded(document, 0)
            if total > MAX_YAML_NODES:
                raise InputError(f"{path}: {what}: YAML expands to more than {MAX_YAML_NODES} values")


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
