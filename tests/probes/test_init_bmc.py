"""`ihcheck init` finds the BMC as the answers are given: a real IPMI BMC (OpenIPMI's ipmi_sim) answers `mc info`
with the right read-only account; a wrong password is refused at once with the BMC's own words and asked again."""

from __future__ import annotations

from pathlib import Path

from ihcheck.init import Bmc, _bmc, bmc_answers
from tests.probes.conftest import ipmi_sim


def test_the_bmc_is_tried_with_the_account_given(tmp_path: Path) -> None:
    with ipmi_sim(tmp_path / "bmc", [("PS1", {0})]) as bmc:
        right = Bmc(address=bmc.address, port=bmc.port, user=bmc.user, password=bmc.password.get_secret_value())
        assert bmc_answers(right) is None
        wrong = right.model_copy(update={"password": "not-it"})
        problem = bmc_answers(wrong)
        assert problem is not None and f"{bmc.address}:{bmc.port}" in problem

        answers = iter([bmc.address, str(bmc.port), bmc.user, "not-it",  # refused: asked again
                        bmc.address, str(bmc.port), bmc.user, bmc.password.get_secret_value()])
        said: list[str] = []
        found = _bmc(lambda question, default: next(answers), said.append, live=True)
    assert found is not None and found.password == bmc.password.get_secret_value()
    assert said[0].startswith("✗ BMC ") and said[-1].startswith("✓ BMC")
