"""`Rule.needs` is the truth: every judge runs on facts holding only the families it declares.

A family the rule does not declare is replaced by a poison object; reading it in any way (an attribute,
truthiness, iteration, comparison) raises `UndeclaredFamily`, a BaseException the engine's per-rule
`except Exception` cannot swallow. Since `needs` decides which probes run (`ihcheck check --rule X`), a
judge reading an undeclared family would silently see nothing in a real run; here it fails loudly.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import pytest

from checker.catalogue import CATALOGUE
from checker.engine import evaluate, rule_verdicts
from checker.model import Finding, Rule
from probes.facts import DeploymentFacts, HostFacts
from probes.families import FAMILIES, Scope
from tests.factories import deployment, host

DATA = Path(__file__).resolve().parents[1] / "data"


class UndeclaredFamily(BaseException):
    """A judge read a fact family its rule does not declare in `needs`."""


class Poison:
    def __init__(self, family: str) -> None:
        object.__setattr__(self, "_family", family)

    def _fail(self, *_: Any, **__: Any) -> NoReturn:
        raise UndeclaredFamily(f"read the undeclared fact family {object.__getattribute__(self, '_family')!r}")

    __getattr__ = __bool__ = __iter__ = __len__ = __eq__ = __ne__ = __hash__ = __getitem__ = __contains__ = _fail
    __str__ = __repr__ = __format__ = _fail


def only(facts: DeploymentFacts, needs: tuple[str, ...]) -> DeploymentFacts:
    """The facts with every family outside `needs` poisoned (the deployment's too)."""
    hosts = tuple(h.model_copy(update={f.name: Poison(f.name) for f in FAMILIES
                                       if f.scope is Scope.HOST and f.name not in needs}) for h in facts.hosts)
    update: dict[str, Any] = {"hosts": hosts}
    update |= {f.name: Poison(f.name) for f in FAMILIES if f.scope is Scope.DEPLOYMENT and f.name not in needs}
    return facts.model_copy(update=update)


def recorded() -> dict[str, DeploymentFacts]:
    found = {f"facts/{p.parent.name}/{p.name}": DeploymentFacts.model_validate_json(p.read_text(encoding="utf-8"))
             for p in sorted((DATA / "facts").glob("*/*.json"))}
    for path in sorted((DATA / "scenarios").glob("*.json")):
        found[f"scenarios/{path.name}"] = DeploymentFacts.model_validate(
            json.loads(path.read_text(encoding="utf-8"))["facts"])
    return found


FACTS = recorded()


@pytest.mark.parametrize("rule", CATALOGUE, ids=lambda r: r.id)
def test_every_judge_reads_only_the_families_it_needs(rule: Rule) -> None:
    for name, facts in FACTS.items():
        whole = rule_verdicts(evaluate(facts, [rule]))
        try:
            narrow = rule_verdicts(evaluate(only(facts, rule.needs), [rule]))
        except UndeclaredFamily as exc:
            pytest.fail(f"{rule.id} on {name}: {exc}; declare it in needs")
        assert narrow == whole, name


def _reads_power(facts: DeploymentFacts) -> list[Finding]:
    raise AssertionError(f"never reached: {[h.power.psus for h in facts.hosts if h.power]}")


def test_a_judge_reading_an_undeclared_family_fails() -> None:
    sneaky = replace(CATALOGUE[0], judge=_reads_power, needs=("identity",))
    facts = deployment(host("a"), host("b"))
    with pytest.raises(UndeclaredFamily, match="'power'"):
        evaluate(only(facts, sneaky.needs), [sneaky])


def test_a_host_judge_reading_an_undeclared_family_fails() -> None:
    power = next(r for r in CATALOGUE if r.scope == "host" and "power" in r.needs)

    def peeks(h: HostFacts) -> Finding:
        assert h.av is not None and h.av.systems is not None
        raise AssertionError("never reached")

    sneaky = replace(power, judge_host=peeks, needs=("power",), optional=())
    facts = next(f for f in FACTS.values() if any(h.power for h in f.hosts))
    with pytest.raises(UndeclaredFamily, match="'av'"):
        evaluate(only(facts, sneaky.needs), [sneaky])
