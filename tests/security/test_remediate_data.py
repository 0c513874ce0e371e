"""The remediation playbook holds what came from a host as data: Ansible's own loader and Templar decide.

The property: whatever an account name, a sudoers file, a listening process or address, or a host name
holds, no string of the generated playbook that Ansible would template carries it, and templating the
whole playbook with Ansible's Templar runs nothing (a `pipe` lookup would create a file) and leaves each
hostile value as written.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.catalogue import CATALOGUE
from checker.catalogue.mlps import MLPS_RULES
from checker.engine import evaluate
from checker.errors import InputError
from probes.facts import DeploymentFacts, HostFacts
from probes.facts.baseline import Account, Sudoers, SudoRule
from probes.facts.services import ListeningSocket
from reports.remediate import render_ansible
from reports.result import CheckResult
from tests.reports.test_mlps_outputs import WHEN
from tests.rules.mlps_examples import defaults, host

PAYLOADS = ("{{ lookup('pipe', 'touch MARK') }}", "{% for x in [1] %}{{ lookup('pipe','touch MARK') }}{% endfor %}",
            "{{ hostvars }}", "x'] + [lookup('pipe','touch MARK')] + ['", "{# c #}", "${HOME}", "!unsafe", "a\nb: c",
            "*anchor", "&a", "- x", "? k", "'\"", "\x1b[31m", "fe80::1", "2001:db8::2", "h[1:3]", "!h", "&h", "~h")


def _hostile_host(name: str, account: str, who: str, file: str, process: str, address: str) -> HostFacts:
    b = defaults()
    assert b.accounts is not None
    accounts = b.accounts.model_copy(update={"accounts": (*b.accounts.accounts, Account(
        name=account, uid=1500, gid=1500, shell="/bin/bash", line=40, shadow="set", max_days=99999))})
    sudoers = Sudoers(rules=(SudoRule(who=who, spec="ALL=(ALL) NOPASSWD: ALL", file=file, line=3,
                                      nopasswd_all=True),))
    b = b.model_copy(update={"accounts": accounts, "sudoers": sudoers})
    sockets = (ListeningSocket(protocol="tcp", address=address, port=6379, process=process),
               ListeningSocket(protocol="tcp", address="0.0.0.0", port=873, process="rsync"))
    return host(b, sockets=sockets, name=name).model_copy(update={"address": "10.0.0.12"})


def _result(hosts: tuple[HostFacts, ...]) -> CheckResult:
    facts = DeploymentFacts(inventory="inventory.yml", collected_at=WHEN, hosts=hosts)
    return CheckResult.build(rules=CATALOGUE, facts=facts, findings=evaluate(facts, MLPS_RULES), observations=[],
                             started_at=WHEN, finished_at=WHEN + timedelta(seconds=2))


def _strings(node: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [x for k, v in node.items() for x in (*_strings(k, path), *_strings(v, f"{path}.{k}"))]
    if isinstance(node, list):
        return [x for v in node for x in _strings(v, path)]
    return [(path, node)] if isinstance(node, str) else []


def _assert_data_only(text: str, tmp: Path, hostile: list[str]) -> None:
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, is_trusted_as_template

    playbook = tmp / "remediate.yml"
    playbook.write_text(text.replace("MARK", str(tmp / "PWNED")), encoding="utf-8")
    loader = DataLoader()
    data = loader.load_from_file(str(playbook))
    for path, value in _strings(data):
        if is_trusted_as_template(value):  # Ansible would template it: it must be ihcheck's own text
            for bad in hostile:
                assert bad.replace("MARK", str(tmp / "PWNED")) not in value or bad in ("!h", "- x"), (path, value)
        if path.endswith(".when"):
            assert value in ("inventory_hostname in ihcheck_task_hosts", "inventory_hostname not in ihcheck_hosts")
    names = [str(n) for n in data[0]["vars"]["ihcheck_hosts"]] if data else []
    templar = Templar(loader=loader, variables={"ihcheck_remote_log_server": "log.example", "hostvars": {
        "secret": "INVENTORY-SECRET"}, "inventory_hostname": "x", "ihcheck_hosts": names})
    rendered = templar.template(data)
    assert not (tmp / "PWNED").exists(), "a host's value ran a command when the playbook was templated"
    assert "INVENTORY-SECRET" not in repr(rendered)
    flat = [str(v) for _, v in _strings(rendered)]
    for bad in hostile:  # each hostile value is still there, verbatim, as data
        want = bad.replace("MARK", str(tmp / "PWNED"))
        assert any(want in v for v in flat) or not data, want


TEXT = st.one_of(st.sampled_from(PAYLOADS),
                 st.builds(lambda a, p, b: a + p + b, st.text(max_size=6), st.sampled_from(PAYLOADS),
                           st.text(max_size=6)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(TEXT, min_size=1, max_size=3, unique=True), account=TEXT, who=TEXT, file=TEXT,
       process=TEXT, address=TEXT)
def test_no_generated_playbook_templates_anything_from_a_host(tmp_path_factory: pytest.TempPathFactory,
                                                              names: list[str], account: str, who: str, file: str,
                                                              process: str, address: str) -> None:
    tmp = tmp_path_factory.mktemp("pb")
    hosts = tuple(_hostile_host(n, account, who, file, process, address) for n in names)
    text = render_ansible(_result(hosts))
    hostile = [*names, account, who, file, process, address]
    _assert_data_only(text, tmp, [h for h in hostile if h.strip()])


def test_ipv6_host_names_are_never_joined_into_one_pattern_and_ansible_lists_them_running_nothing(
        tmp_path: Path) -> None:
    payload = "{{ lookup('pipe', 'touch MARK') }}"
    hosts = (_hostile_host("fe80::1", payload, payload, payload, payload, payload),
             _hostile_host("2001:db8::2", payload, payload, payload, payload, payload),
             _hostile_host("bystander", "ok", "ok", "ok", "ok", "0.0.0.0"))
    result = _result(hosts)
    text = render_ansible(result).replace("MARK", str(tmp_path / "PWNED"))
    assert "fe80::1:2001" not in text
    playbook = tmp_path / "remediate.yml"
    playbook.write_text(text, encoding="utf-8")
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all:\n  hosts:\n    'fe80::1': {ansible_connection: local}\n"
                         "    '2001:db8::2': {ansible_connection: local}\n    other: {ansible_connection: local}\n"
                         "  vars:\n    inventory_secret: INVENTORY-SECRET\n", encoding="utf-8")
    exe = str(Path(sys.executable).with_name("ansible-playbook"))
    for flag in ("--list-hosts", "--list-tasks", "--syntax-check"):
        done = subprocess.run([exe, "-i", str(inventory), str(playbook), "--check", flag], capture_output=True,
                              text=True, check=False, cwd=tmp_path, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        assert not (tmp_path / "PWNED").exists(), flag
        assert "INVENTORY-SECRET" not in done.stdout + done.stderr
    # the play names `all` and ends at once on a host without a failing item: ihcheck_hosts says which
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!unsafe", lambda loader, node: ("unsafe", loader.construct_scalar(node)))  # type: ignore[arg-type]
    play = yaml.load(text, Loader=Loader)[0]
    assert play["hosts"] == "all"
    assert [n for _, n in play["vars"]["ihcheck_hosts"]] == ["fe80::1", "2001:db8::2", "bystander"]
    assert play["tasks"][0]["ansible.builtin.meta"] == "end_host"


def test_a_unit_not_in_the_catalogue_is_refused_in_one_line() -> None:
    result = _result((_hostile_host("h", "a", "b", "c", "d", "0.0.0.0"),))
    forged = result.model_copy(update={"findings": [f.model_copy(update={"details": {**f.details, "unit": "L3-CES1-99"},
                                                                         "rule_id": "GD2020-1.2.1-l3-ces1-99"})
                                                    if f.verdict.value == "fail" else f for f in result.findings]})
    with pytest.raises(InputError, match=r"L3-CES1-99.*not an MLPS item"):
        render_ansible(forged)
    odd = result.model_copy(update={"findings": [f.model_copy(update={"details": {**f.details, "unit": ["x"]}})
                                                 if f.verdict.value == "fail" else f for f in result.findings]})
    with pytest.raises(InputError, match="not an MLPS item"):
        render_ansible(odd)
