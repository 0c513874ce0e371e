"""No module over 600 lines outside tests (issue 19): a module that long holds more than one idea, and its name
can no longer explain it. The packages the design names, the application package and the benchmarks."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("checker", "probes", "simulator", "reports", "inventories", "ihcheck", "benchmarks")
LIMIT = 600


def _lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f)


def test_no_module_is_over_600_lines() -> None:
    modules = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]
    assert len(modules) > 100, "the packages were not found: the test would pass on nothing"
    too_long = {str(p.relative_to(ROOT)): n for p in modules if (n := _lines(p)) > LIMIT}
    assert too_long == {}, f"split these by what they do (CONTRIBUTING.md): {too_long}"
