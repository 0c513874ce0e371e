"""Bundles that used to break themselves: `./` names, links out of the documents folder, interrupted and
concurrent writes. Each now either writes a bundle that verifies, or refuses in one line."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from checker.catalogue.materials_checklist import ITEM_IDS
from checker.errors import InputError
from probes.materials_folder import read_documents
from reports import bundle as bundle_module
from reports.bundle import write_bundle
from reports.files import locked_output_dir, write_atomic
from reports.keys import SigningKeys
from reports.verify import verify_bundle
from tests.reports.conftest import EXAMPLE_DOCS, make_result


def _docs(tmp_path: Path, index_edit: tuple[str, str] | None = None) -> Path:
    folder = tmp_path / "docs"
    shutil.copytree(EXAMPLE_DOCS, folder)
    if index_edit:
        index = folder / "materials.yaml"
        index.write_text(index.read_text().replace(*index_edit))
    return folder


def test_a_dot_slash_document_name_writes_a_bundle_that_verifies(tmp_path: Path) -> None:
    folder = _docs(tmp_path, ("file: topology.txt", "file: ./topology.txt"))
    result, inventory = make_result(tmp_path)
    documents = read_documents(folder, ITEM_IDS)
    assert "topology.txt" in [d.file for d in documents.documents]
    result = result.model_copy(update={"facts": result.facts.model_copy(update={"documents": documents})})
    written = write_bundle(result, inventory, tmp_path / "b", keys=SigningKeys.generate())
    verification = verify_bundle(written.directory)
    assert verification.ok, verification.first


def test_a_link_out_of_the_documents_folder_is_refused(tmp_path: Path) -> None:
    folder = _docs(tmp_path)
    outside = tmp_path / "secret.txt"
    outside.write_text("not for the regulator")
    (folder / "topology.txt").unlink()
    (folder / "topology.txt").symlink_to(outside)
    with pytest.raises(InputError, match="leads outside the documents folder"):
        read_documents(folder, ITEM_IDS)


@pytest.mark.parametrize("name", ["a\x00b.txt", "a\nb.txt", ".", "../x.txt", "/etc/passwd"])
def test_document_names_that_are_not_plain_paths_are_one_line(tmp_path: Path, name: str) -> None:
    folder = _docs(tmp_path, ("file: topology.txt", f"file: {name!r}".replace("'", '"')))
    with pytest.raises(InputError, match=r"materials\.yaml"):
        read_documents(folder, ITEM_IDS)


def test_a_fifo_as_a_document_does_not_block(tmp_path: Path) -> None:
    folder = _docs(tmp_path)
    (folder / "topology.txt").unlink()
    os.mkfifo(folder / "topology.txt")
    with pytest.raises(InputError, match="not a regular file"):
        read_documents(folder, ITEM_IDS)


def test_an_interrupted_write_leaves_nothing_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, inventory = make_result(tmp_path)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(bundle_module, "write_tarball", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_bundle(result, inventory, tmp_path / "b", keys=SigningKeys.generate())
    assert not (tmp_path / "b").exists() and not (tmp_path / "b.tar.gz").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    monkeypatch.undo()
    written = write_bundle(result, inventory, tmp_path / "b", keys=SigningKeys.generate())  # and it can be redone
    assert verify_bundle(written.directory).ok and verify_bundle(written.tarball or Path()).ok


def test_two_writers_of_one_bundle_directory_cannot_both_succeed(tmp_path: Path) -> None:
    result, inventory = make_result(tmp_path)
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        with locked_output_dir(tmp_path / "b"):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    holding.wait(10)
    try:
        with pytest.raises(InputError, match="another ihcheck run is writing this bundle"):
            write_bundle(result, inventory, tmp_path / "b", keys=SigningKeys.generate())
    finally:
        release.set()
        thread.join()
    write_bundle(result, inventory, tmp_path / "c", keys=SigningKeys.generate())
    with pytest.raises(InputError, match="exists and is not empty"):
        write_bundle(result, inventory, tmp_path / "c", keys=SigningKeys.generate())


def test_write_atomic_keeps_the_old_file_when_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    target.write_text("old")

    def boom(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new and complete")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
