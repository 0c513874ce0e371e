"""`ihcheck init`: an inventory written with the person who knows the hospital, not for them to write alone.

A hospital's IT staff rarely write Ansible inventories, and a mistake in one shows only after a long run. So init
asks for what the checker needs (the hosts and their roles, the BMC and UPS, the uplinks' measurement endpoints,
the exchange systems, the documents folder), checks each answer as it is given (a name resolves, an SSH port
answers with an SSH banner, a value has the form the checker accepts) and writes a commented YAML inventory that
`ihcheck check` accepts. The same answers can come from a small YAML file (`--answers`), for automation; both ways
end by loading the written inventory with the checker's own parser, so what init writes is what check reads.
"""

from __future__ import annotations

import ipaddress
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from checker.errors import InputError, describe_validation_error
from probes.inventory import load_inventory
from probes.limits import read_text_limited

Role = Literal["application", "database", "av"]
ROLE_ORDER: tuple[Role, ...] = ("application", "database", "av")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Bmc(_Strict):
    address: str = Field(min_length=1)
    user: str = Field(min_length=1)
    password: str = Field(min_length=1)


class HostAnswer(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    address: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)
    role: Role
    datacenter: str | None = None
    bmc: Bmc | None = None
    ups: list[str] = []
    exchange: list[dict[str, Any]] = []  # checked by the inventory parser: the same model `check` reads
    telemedicine: dict[str, str] = {}


class Answers(_Strict):
    """What `ihcheck init --answers FILE` reads (the interactive questions fill the same fields)."""

    user: str = "root"
    private_key_file: str | None = "~/.ssh/id_ed25519"
    known_hosts: str | None = None
    echo_url: str | None = None
    measure_endpoint: list[str] = []
    measure_seconds: float = Field(default=4, gt=0, le=60)
    power_attestation: str | None = None
    documents_dir: str | None = None
    hosts: list[HostAnswer] = Field(min_length=1)

    @field_validator("measure_endpoint")
    @classmethod
    def _host_port(cls, value: list[str]) -> list[str]:
        for item in value:
            host, sep, port = item.rpartition(":")
            if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"{item!r}: expected HOST:PORT of an iperf3 server")
        return value


def _yaml(value: Any) -> str:
    """One value in YAML flow style, on one line."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000, sort_keys=False)
    return text.strip().removesuffix("\n...").strip()


def render(answers: Answers) -> str:
    """The inventory as text, commented like inventories/example.yml."""
    out = ["# Written by `ihcheck init`. An ordinary Ansible inventory: edit it freely, then run",
           "# `ihcheck preflight -i THIS_FILE` (seconds) before `ihcheck check -i THIS_FILE`.",
           "# What is declared here is reported as declared (or attested, for documents), never as observed.",
           "all:", "  vars:",
           f"    ansible_user: {_yaml(answers.user)}                # probes need root (or passwordless sudo)"]
    if answers.private_key_file:
        out.append(f"    ansible_ssh_private_key_file: {_yaml(answers.private_key_file)}")
    if answers.known_hosts:
        out.append(f"    ihcheck_known_hosts: {_yaml(answers.known_hosts)}  # host keys are verified against it")
    if answers.echo_url:
        out.append("    # answers with the caller's public address: where each uplink leaves the hospital")
        out.append(f"    ihcheck_echo_url: {_yaml(answers.echo_url)}")
    if answers.measure_endpoint:
        out.append("    # iperf3 servers outside the hospital, one per uplink: measured at the same time")
        out.append(f"    ihcheck_measure_endpoint: {_yaml(answers.measure_endpoint)}")
        out.append(f"    ihcheck_measure_seconds: {_yaml(answers.measure_seconds)}")
    if answers.power_attestation:
        out.append("    # dual utility feeds or a generator cannot be seen from a server: a document attests them")
        out.append(f"    ihcheck_power_attestation: {_yaml(answers.power_attestation)}")
    if answers.documents_dir:
        out.append("    # the materials to submit, with their index materials.yaml")
        out.append(f"    ihcheck_documents_dir: {_yaml(answers.documents_dir)}")
    out.append("  children:")
    for role in ROLE_ORDER:
        hosts = [h for h in answers.hosts if h.role == role]
        if not hosts:
            continue
        out += [f"    {role}:", "      hosts:"]
        for host in hosts:
            out.append(f"        {host.name}:")
            out.append(f"          ansible_host: {_yaml(host.address)}")
            if host.port and host.port != 22:
                out.append(f"          ansible_port: {host.port}")
            out.append(f"          ihcheck_role: {role}")
            if host.datacenter:
                out.append(f"          ihcheck_datacenter: {_yaml(host.datacenter)}")
            if host.bmc:
                out.append("          # a read-only BMC account; keep this file readable by root only")
                out.append(f"          ihcheck_bmc: {_yaml(host.bmc.model_dump())}")
            if host.ups:
                out.append(f"          ihcheck_ups: {_yaml(host.ups)}            # NUT UPS names, read with upsc")
            if host.exchange:
                out.append("          # hospital systems it exchanges with, each proven by a real read-only exchange")
                out.append("          ihcheck_exchange:")
                out += [f"            - {_yaml(item)}" for item in host.exchange]
            if host.telemedicine:
                out.append(f"          ihcheck_telemedicine: {_yaml(host.telemedicine)}")
    return "\n".join(out) + "\n"


def check_written(text: str, where: Path) -> None:
    """Load the inventory with the checker's own parser: what init writes is what check reads."""
    with tempfile.TemporaryDirectory(prefix="ihcheck-init-") as tmp:
        path = Path(tmp) / where.name
        path.write_text(text, encoding="utf-8")
        try:
            load_inventory(path)
        except InputError as exc:
            raise InputError(str(exc).replace(str(path), str(where))) from None


def load_answers(path: Path) -> Answers:
    text = read_text_limited(path, "answers file")
    try:
        data = yaml.safe_load(text)
        return Answers.model_validate(data)
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not YAML: {str(exc).splitlines()[0]}") from None
    except ValidationError as exc:
        where, message = describe_validation_error(exc)
        raise InputError(f"{path}: {where}: {message}") from None


# --- live checks, as each answer is given -----------------------------------------------------------------


def resolves(address: str) -> str | None:
    """None when the name or address resolves, else why not."""
    try:
        ipaddress.ip_address(address)
        return None
    except ValueError:
        pass
    try:
        socket.getaddrinfo(address, None)
    except OSError as exc:
        return f"{address}: does not resolve ({exc.strerror or exc})"
    return None


def ssh_answers(address: str, port: int, timeout: float = 3.0) -> str | None:
    """None when an SSH server greets on address:port, else why not."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            banner = conn.recv(256)
    except OSError as exc:
        return f"{address}:{port}: no SSH server answered ({exc.strerror or type(exc).__name__})"
    if not banner.startswith(b"SSH-"):
        return f"{address}:{port}: answered, but not with an SSH banner ({banner[:40]!r})"
    return None


Ask = Callable[[str, str | None], str]
Say = Callable[[str], None]


def _until(ask: Ask, say: Say, question: str, default: str | None, check: Callable[[str], str | None]) -> str:
    """Ask until the answer passes `check`; each refusal is one line saying why."""
    while True:
        answer = ask(question, default).strip()
        problem = check(answer)
        if problem is None:
            return answer
        say(f"✗ {problem}")


def _field(model: type[BaseModel], name: str) -> Callable[[str], str | None]:
    """A check of one answer against the model's own field rules."""
    def check(value: str) -> str | None:
        try:
            model.__pydantic_validator__.validate_assignment(model.model_construct(), name, value or None)
        except ValidationError as exc:
            where, message = describe_validation_error(exc)
            return f"{where or name}: {message}"
        return None
    return check


_EXCHANGE_FIELDS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "dicom": (("address", None), ("port", "104"), ("called_ae_title", None)),
    "hl7v2": (("address", None), ("port", "2575"), ("receiving_application", None)),
    "fhir": (("url", None),),
    "https": (("address", None), ("port", "443")),
    "http": (("url", None),),
}


def exchange_problem(item: dict[str, Any]) -> str | None:
    """One declared exchange checked by the inventory parser itself (the model `check` reads)."""
    host = HostAnswer(name="h", address="127.0.0.1", role="application", exchange=[item])
    try:
        check_written(render(Answers(private_key_file=None, hosts=[host])), Path("exchange"))
    except InputError as exc:
        return str(exc).split("ihcheck_exchange[0]: ", 1)[-1]
    return None


def _exchanges(ask: Ask, say: Say) -> list[dict[str, Any]]:
    """The hospital systems an application host exchanges with, each checked as it is given."""
    found: list[dict[str, Any]] = []
    while True:
        name = ask("交换系统 exchange system name (his, pacs, lis…; Enter to finish)", "").strip()
        if not name:
            return found
        system = ask("系统类型 system (his|pacs|ris|lis|emr|platform|ecg|pathology)", name).strip()
        protocol = _until(ask, say, "协议 protocol (dicom|hl7v2|fhir|https|http)", None,
                          lambda v: None if v in _EXCHANGE_FIELDS else f"{v!r}: one of {', '.join(_EXCHANGE_FIELDS)}")
        item: dict[str, Any] = {"name": name, "system": system, "protocol": protocol}
        for key, default in _EXCHANGE_FIELDS[protocol]:
            value = ask(key, default).strip()
            item[key] = int(value) if key == "port" and value.isdigit() else value
        problem = exchange_problem(item)
        if problem:
            say(f"✗ {problem}")
            continue
        found.append(item)


def _port_check(address: str, live: bool) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        if not value.isdigit() or not 0 < int(value) < 65536:
            return f"{value!r}: a port is a number from 1 to 65535"
        return ssh_answers(address, int(value)) if live else None
    return check


def interview(ask: Ask, say: Say, *, live: bool = True) -> Answers:
    """The questions, in the order a person would answer them; `live` also resolves and connects."""
    say("ihcheck init: 回答几个问题，生成清单 answer a few questions to write the inventory (Enter keeps [default])")
    user = _until(ask, say, "SSH 用户 user", "root", _field(Answers, "user"))
    key = ask("SSH 私钥 private key file", "~/.ssh/id_ed25519").strip() or None
    hosts: list[HostAnswer] = []
    while True:
        say(f"— 主机 host {len(hosts) + 1} —")
        name = _until(ask, say, "主机名 name (Enter to finish)" if hosts else "主机名 name", "" if hosts else None,
                      lambda v: None if (hosts and not v) else _field(HostAnswer, "name")(v)
                      or (f"{v}: already used" if any(h.name == v for h in hosts) else None))
        if not name:
            break
        address = _until(ask, say, "地址 address", None, lambda v: (resolves(v) if live else None) if v
                         else "an address is required")
        port = int(_until(ask, say, "SSH 端口 port", "22", _port_check(address, live)))
        role = _until(ask, say, "角色 role (application|database|av)", None,
                      lambda v: None if v in ROLE_ORDER else f"{v!r}: one of application, database, av")
        datacenter = ask("机房 machine room (optional)", "").strip() or None
        bmc = None
        bmc_address = ask("BMC 地址 address (optional)", "").strip()
        if bmc_address:
            problem = resolves(bmc_address) if live else None
            while problem:
                say(f"✗ {problem}")
                bmc_address = ask("BMC 地址 address", None).strip()
                problem = resolves(bmc_address) if live else None
            bmc = Bmc(address=bmc_address, user=_until(ask, say, "BMC 只读用户 read-only user", None,
                                                          _field(Bmc, "user")),
                      password=_until(ask, say, "BMC 密码 password", None, _field(Bmc, "password")))
        ups = [u for u in ask("UPS 名称 NUT names (ups@host, comma-separated, optional)", "").replace(" ", "")
               .split(",") if u]
        exchange = _exchanges(ask, say) if role == "application" else []
        hosts.append(HostAnswer.model_validate({"name": name, "address": address, "port": port, "role": role,
                                                "datacenter": datacenter, "bmc": bmc, "ups": ups,
                                                "exchange": exchange}))
    echo = ask("回显服务 echo URL (answers with the caller's address, optional)", "").strip() or None
    measure = [m for m in ask("iperf3 测速端点 HOST:PORT, one per uplink (comma-separated, optional)", "")
               .replace(" ", "").split(",") if m]
    while True:
        problem = _field(Answers, "measure_endpoint")(measure) if measure else None  # type: ignore[arg-type]
        if problem is None:
            break
        say(f"✗ {problem}")
        measure = [m for m in ask("iperf3 测速端点 HOST:PORT", "").replace(" ", "").split(",") if m]
    attestation = ask("供电证明文件 power attestation document (optional)", "").strip() or None
    documents = _until(ask, say, "材料目录 documents folder (optional)", "",
                       lambda v: None if not v or Path(v).expanduser().is_dir() else f"{v}: not a folder")
    return Answers(user=user, private_key_file=key, echo_url=echo, measure_endpoint=measure,
                   power_attestation=attestation, documents_dir=documents or None, hosts=hosts)
