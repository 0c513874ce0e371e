"""Where a check's results go, validated before any host is contacted.

A check can take minutes (bandwidth measurements, many hosts); an output that cannot be written
must not be found out after it ran and its result thrown away. So the command line's outputs are
checked first, each failure one line naming the option and the path (exit 65):

    --out FILE, --report FORMAT:FILE …   the parent directory exists and is writable, FILE is no
                                         directory, no two outputs go to one file, FORMAT is known
    --bundle DIR                         DIR is absent or an empty directory, DIR.tar.gz is absent,
                                         and the parent is writable
    --sign-key DIR                       both private keys load (the passphrase-less PEMs of
                                         `ihcheck keys new`)
    --sarif-help-uri URL                 an http(s) URL without a fragment (each rule's helpUri is
                                         URL#rule-id, the anchors `ihcheck rules --format markdown` writes)

The demo's own output folder is prepared the same way, before anything boots: a folder an
earlier demo made (it carries a marker file) is replaced; any other non-empty folder is refused.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from checker.errors import InputError

if TYPE_CHECKING:
    from reports.keys import SigningKeys
    from reports.render import Format

DEMO_MARKER = ".ihcheck-demo"


@dataclass(frozen=True)
class ReportRequest:
    fmt: Format
    path: Path


@dataclass(frozen=True)
class Outputs:
    reports: tuple[ReportRequest, ...]
    bundle: Path | None
    keys: SigningKeys | None


def _writable_file(option: str, path: Path) -> None:
    if path.is_dir():
        raise InputError(f"{option} {path}: is a directory, not a file")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{option} {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{option} {path}: directory {parent} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{option} {path}: exists and is not writable")


def parse_report(spec: str) -> ReportRequest:
    """`html:report.html` → (html, report.html); InSpec's `--reporter FORMAT:FILE` habit."""
    from ihcheck.formats import names
    from reports.render import Format

    name, sep, file = spec.partition(":")
    if not sep or not file:
        raise InputError(f"--report {spec}: expected FORMAT:FILE, e.g. html:report.html")
    known = names("check --report")
    if name.strip().lower() not in known:
        raise InputError(f"--report {spec}: unknown format {name!r} (known: {', '.join(known)})") from None
    fmt = Format(name.strip().lower())
    return ReportRequest(fmt, Path(file))


def validate_help_uri(uri: str) -> str:
    """Where the hospital publishes the rule catalogue (`ihcheck rules --format markdown`, e.g. its copy of
    the README); ihcheck has no public documentation site of its own, so it never makes one up."""
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() or ord(c) < 32 for c in uri):
        raise InputError(f"--sarif-help-uri {uri!r}: expected an http(s) URL of the published rule catalogue")
    if parts.fragment:
        raise InputError(f"--sarif-help-uri {uri!r}: no #fragment; each rule's helpUri is URL#rule-id")
    return uri


def validate_bundle_dir(bundle: Path) -> None:
    if bundle.exists() and (not bundle.is_dir() or any(bundle.iterdir())):
        raise InputError(f"--bundle {bundle}: exists and is not an empty directory; choose a new directory "
                         "(a bundle is never written over another)")
    tarball = bundle.with_name(bundle.name + ".tar.gz")
    if tarball.exists():
        raise InputError(f"--bundle {bundle}: {tarball} exists; choose a new directory")
    parent = bundle.resolve().parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"--bundle {bundle}: directory {parent} does not exist or is not writable")


def validate_outputs(*, out_file: Path | None, reports: list[str] | None, bundle: Path | None,
                     sign_key: Path | None) -> Outputs:
    """Every output of one check, checked before anything is probed."""
    requests = tuple(parse_report(spec) for spec in reports or ())
    seen: dict[Path, str] = {}
    named = [("--out", out_file)] if out_file is not None else []
    named += [(f"--report {r.fmt.value}:{r.path}", r.path) for r in requests]
    for option, path in named:
        _writable_file(option.split()[0], path)
        key = path.resolve()
        if key in seen:
            raise InputError(f"{option}: {path} is also the file of {seen[key]}")
        seen[key] = option
    keys = None
    if sign_key is not None:
        if bundle is None and not requests:
            raise InputError("--sign-key: only meaningful with --bundle DIR or --report")
        from reports.keys import SigningKeys

        try:
            keys = SigningKeys.load(sign_key)
        except InputError as exc:
            raise InputError(f"--sign-key {exc}") from None
    if bundle is not None:
        validate_bundle_dir(bundle)
    return Outputs(reports=requests, bundle=bundle, keys=keys)


def prepare_demo_dir(out_dir: Path) -> None:
    """Empty the demo's folder for a new run: replace what an earlier demo wrote, refuse anything else."""
    if out_dir.exists():
        if not out_dir.is_dir():
            raise InputError(f"--out-dir {out_dir}: exists and is not a directory")
        contents = list(out_dir.iterdir())
        if contents and not (out_dir / DEMO_MARKER).is_file():
            raise InputError(f"--out-dir {out_dir}: not empty and not made by `ihcheck demo`; choose another "
                             "folder (the demo replaces only its own)")
        shutil.rmtree(out_dir)
    try:
        out_dir.mkdir(parents=True)
        (out_dir / DEMO_MARKER).write_text("written by `ihcheck demo`; the next demo replaces this folder\n",
                                           encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--out-dir {out_dir}: cannot create it: {exc.strerror}") from None
