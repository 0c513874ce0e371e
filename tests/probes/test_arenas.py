"""The checker limits glibc's malloc arenas (probes/arenas.py), where the C library is glibc."""

from __future__ import annotations

import platform

import pytest

from probes.arenas import fewer_malloc_arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt(M_ARENA_MAX) is glibc's")
def test_glibc_takes_the_arena_limit() -> None:
    assert fewer_malloc_arenas() is True
    assert fewer_malloc_arenas(2) is True  # again: the same setting, no harm


def test_a_c_library_without_the_setting_is_told_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "darwin")
    assert fewer_malloc_arenas() is False
