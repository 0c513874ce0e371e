"""Property-based: random bytes and random YAML into every input reader and into `verify`.

None may crash (anything but the one-line InputError), hang, or pass: a reader returns a value or
refuses in one line; `verify` never accepts random content as a trusted, or even intact, bundle.
"""

from __future__ import annotations

import io
import json
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.catalogue.materials_checklist import ITEM_IDS
from checker.errors import IhcheckError, InputError
from probes.geo import load_simulated
from probes.inventory import load_inventory
from probes.materials_folder import read_documents
from reports.keys import load_keyring, pinned_fingerprints
from reports.verify import verify_bundle
from reports.waivers import load_waivers
from simulator import spec

SECONDS = 10.0  # per example: far above what a refusal costs, far below a hang
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30),
                    st.dates().map(str), st.just("2099-99-99"), st.just("{{ lookup('pipe', 'id') }}"),
                    st.just("-V"), st.just("\x1b[31m"))
documents = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)), max_leaves=20)
KEYS = ["all", "hosts", "vars", "children", "waivers", "rule", "expires", "documents", "file", "items",
        "third_party", "ansible_host", "ihcheck_bmc", "ihcheck_ups", "hosts", "services", "uplinks"]
shaped = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=3), st.dictionaries(st.sampled_from(KEYS), children, max_size=4)), max_leaves=15)
payloads = st.one_of(
    st.binary(max_size=2000),
    documents.map(lambda d: yaml.safe_dump(d, allow_unicode=True).encode()),
    shaped.map(lambda d: yaml.safe_dump(d, allow_unicode=True).encode()),
    st.text(max_size=500).map(str.encode),
)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


def _only_one_line_errors(read: Callable[[], Any]) -> Any:
    started = time.monotonic()
    try:
        value = read()
    except IhcheckError as exc:
        assert exc.exit_code is not None and 64 <= exc.exit_code <= 79, exc
        assert "\n" not in str(exc).strip(), str(exc)
        value = None
    assert time.monotonic() - started < SECONDS, "took too long"
    return value


@FUZZ
@given(data=payloads, suffix=st.sampled_from([".yml", ".ini", ""]))
def test_inventory(tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str) -> None:
    path = tmp_path_factory.mktemp("inv") / f"hosts{suffix}"
    path.write_bytes(data)
    inventory = _only_one_line_errors(lambda: load_inventory(path))
    if inventory is not None:
        for h in inventory.hosts:
            assert not h.address.startswith("-") and (h.user is None or not h.user.startswith("-"))


@FUZZ
@given(data=payloads)
def test_inventory_group_vars(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    folder = tmp_path_factory.mktemp("invdir")
    (folder / "hosts.yml").write_text("all:\n  hosts:\n    h: {ansible_connection: local}\n")
    (folder / "group_vars").mkdir()
    (folder / "group_vars" / "all.yml").write_bytes(data)
    _only_one_line_errors(lambda: load_inventory(folder))


@FUZZ
@given(data=payloads)
def test_waivers(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("w") / "waivers.yml"
    path.write_bytes(data)
    _only_one_line_errors(lambda: load_waivers(path))


@FUZZ
@given(data=payloads)
def test_materials_index(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    folder = tmp_path_factory.mktemp("docs")
    (folder / "materials.yaml").write_bytes(data)
    _only_one_line_errors(lambda: read_documents(folder, ITEM_IDS))


@FUZZ
@given(data=payloads)
def test_scenario_spec(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("spec") / "x.yaml"
    path.write_bytes(data)
    _only_one_line_errors(lambda: spec.load(path))


@FUZZ
@given(data=payloads)
def test_keyring_pubkey_and_identities(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("k") / "file"
    path.write_bytes(data)
    _only_one_line_errors(lambda: load_keyring(path))
    _only_one_line_errors(lambda: pinned_fingerprints(str(path)))
    _only_one_line_errors(lambda: load_simulated(path))


def _tarball(members: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


member_names = st.sampled_from(["b/manifest.json", "b/findings.json", "b/facts.json", "b/keys/ed25519.pub.pem",
                                "b/keys/sm2.pub.pem", "b/signatures/manifest.ed25519.sig",
                                "b/signatures/manifest.sm2.der", "b/observations/h%231.json", "b/x"])
manifests = st.fixed_dictionaries({"format": st.sampled_from(["ihcheck-bundle/1", "x"]),
                                   "files": st.dictionaries(st.text(max_size=10), documents, max_size=3)})


@FUZZ
@given(raw=st.binary(max_size=3000), members=st.dictionaries(member_names, payloads, max_size=6),
       manifest=manifests)
def test_verify(tmp_path_factory: pytest.TempPathFactory, raw: bytes, members: dict[str, bytes],
                manifest: dict[str, Any]) -> None:
    folder = tmp_path_factory.mktemp("v")
    members = {**members, "b/manifest.json": json.dumps(manifest).encode()}
    for name, data in (("random.tar.gz", raw), ("members.tar.gz", _tarball(members))):
        path = folder / name
        path.write_bytes(data)
        result = _only_one_line_errors(lambda p=path: verify_bundle(p))  # type: ignore[misc]
        assert result is None or not result.ok, "random content verified"
    directory = folder / "dir"
    for name, data in members.items():
        target = directory / name.removeprefix("b/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    result = _only_one_line_errors(lambda: verify_bundle(directory))
    assert result is None or not result.ok


def test_inputs_that_would_block_or_never_end_are_refused(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for read in (lambda p: load_inventory(p), load_waivers, lambda p: verify_bundle(p), load_keyring):
        for path in (fifo, Path("/dev/zero")):
            with pytest.raises(InputError):
                _started = time.monotonic()
                read(path)
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    os.mkfifo(bundle / "manifest.json")
    with pytest.raises(InputError, match="not a regular file"):
        verify_bundle(bundle)
