"""Inventories parse as Ansible parses them: groups, group/host vars, connection variables."""

from __future__ import annotations

from pathlib import Path

from probes.inventory import load_inventory

ROOT = Path(__file__).resolve().parents[2]


def test_example_inventories_parse() -> None:
    yml = load_inventory(ROOT / "inventories/example.yml")
    assert [h.name for h in yml.hosts] == ["app1", "db1", "av1", "av2"]
    db1 = yml.host("db1")
    assert (db1.address, db1.port, db1.user, db1.groups) == ("192.0.2.20", 2222, "root", ("database",))
    assert db1.declared.role == ("database",) and db1.declared.ups == ("ups@192.0.2.5",)
    assert yml.host("app1").declared.bmc is not None
    ini = load_inventory(ROOT / "inventories/example.ini")
    assert ini.host("db1").port == 2222 and ini.host("app1").declared.known_hosts == Path("/etc/ihcheck/known_hosts")


def test_directory_with_group_and_host_vars(tmp_path: Path) -> None:
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "host_vars").mkdir()
    (tmp_path / "hosts.ini").write_text("[db]\ndb1 ansible_host=192.0.2.7\n[web]\nweb1\n")
    (tmp_path / "group_vars" / "db.yml").write_text("ansible_port: 2200\nihcheck_role: database\n")
    (tmp_path / "host_vars" / "web1.yml").write_text("ansible_connection: local\n")
    inv = load_inventory(tmp_path)
    assert inv.host("db1").port == 2200 and inv.host("db1").declared.role == ("database",)
    assert inv.host("web1").connection == "local" and inv.host("web1").address == "web1"


def test_limit_selects_by_ansible_pattern(tmp_path: Path) -> None:
    path = tmp_path / "inv.yml"
    path.write_text("all:\n  children:\n    db: {hosts: {db1: {}, db2: {}}}\n    web: {hosts: {w1: {}}}\n")
    assert [h.name for h in load_inventory(path, "db:!db2").hosts] == ["db1"]


def test_relative_ihcheck_paths_resolve_beside_the_inventory(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    path = tmp_path / "inv.yml"
    path.write_text("all:\n  hosts:\n    h: {ihcheck_documents_dir: docs, ihcheck_known_hosts: /etc/kh}\n")
    declared = load_inventory(path).host("h").declared
    assert declared.documents_dir == tmp_path / "docs"
    assert declared.known_hosts == Path("/etc/kh")
