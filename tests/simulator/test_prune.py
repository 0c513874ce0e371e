"""`ihcheck sim prune` against podman's real image store.

An alias tag of the current common image stands in for a stale one: pruning must list and remove it and
leave every current image. Running it also removes whatever stale simulator images this machine holds,
which is what the command is for: no current recipe and no container uses them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from rich.console import Console
from rich.progress import Progress

from simulator import deploy, image, podman

pytestmark = [pytest.mark.containers, pytest.mark.usefixtures("machine_to_ourselves"),
              pytest.mark.skipif(shutil.which("podman") is None, reason="podman not installed")]

ALIAS = "localhost/ihcheck-sim-node:000000000000"


@pytest.fixture
def stale_alias() -> Iterator[str]:
    with Progress(console=Console(stderr=True)) as progress:
        image.ensure([[]], progress)
    podman.run(["tag", image.common_tag(), ALIAS])
    yield ALIAS
    podman.run(["rmi", ALIAS], check=False)


def test_prune_removes_what_no_recipe_names_and_keeps_the_current_images(stale_alias: str) -> None:
    listed = deploy.prune_images(dry_run=True)
    assert stale_alias in listed and podman.image_exists(stale_alias)  # a dry run removes nothing
    assert image.common_tag() not in listed and image.base_tag() not in listed

    removed = deploy.prune_images()
    assert removed == listed
    assert not podman.image_exists(stale_alias)
    assert podman.image_exists(image.common_tag())
    assert deploy.prune_images(dry_run=True) == []
