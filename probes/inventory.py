"""Ansible-style inventories, parsed by Ansible's own InventoryManager and validated by pydantic.

Hospitals already describe their fleets in Ansible inventories, so ihcheck takes them unchanged.
Ansible does the parsing (INI, YAML, directories, group_vars/host_vars), renders the Jinja templates
of the variables ihcheck reads (`ansible_host: "{{ inventory_hostname }}.hospital.lan"`) and decrypts
vaulted values (a BMC password under `!vault`) with the password file named by
ANSIBLE_VAULT_PASSWORD_FILE, Ansible's own variable (`ihcheck check --vault-password-file` sets it).
This module only turns the result into typed hosts and every problem into one line naming the file
and field.

Per-host declarations live in `ihcheck_*` variables. They are what the hospital *says*; the
checker records them as declared and never treats them as observed.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from checker.errors import InputError, describe_validation_error
from probes.facts.declared import Declarations, Port, safe_token

Connection = Literal["ssh", "paramiko", "local", "podman", "ansible"]

# Ansible's connection plugin names, mapped to the transport ihcheck uses for them.
_CONNECTIONS: dict[str, Connection] = {
    "ssh": "ssh",
    "smart": "ssh",
    "paramiko": "paramiko",
    "paramiko_ssh": "paramiko",
    "ansible.builtin.ssh": "ssh",
    "ansible.builtin.paramiko_ssh": "paramiko",
    "local": "local",
    "ansible.builtin.local": "local",
    "podman": "podman",
    "containers.podman.podman": "podman",
}

class InventoryHost(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    address: str
    port: Port | None = None
    user: str | None = None
    private_key_file: Path | None = None
    password: SecretStr | None = Field(default=None, description="ansible_password; dumped masked")
    connection: Connection = "ssh"
    groups: tuple[str, ...] = ()
    declared: Declarations = Declarations()
    # Why Ansible, given this host, would run something on the checker (probes.ansible_trust); empty when
    # --allow-inventory-lookups was given. Never dumped: it describes the inventory, not the host.
    checker_side: tuple[str, ...] = Field(default=(), exclude=True)

    @field_validator("private_key_file")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value else value

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        if not value or not safe_token(value):
            raise ValueError(f"not a host name or address: {value!r}")
        with contextlib.suppress(ValueError):
            ipaddress.ip_address(value)
        return value

    @field_validator("name", "user")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        # A name or user reaches ssh, ansible and podman command lines: `-V` would become an option there.
        if value is not None and (not value or not safe_token(value)):
            raise ValueError(f"must not be empty, start with '-' or hold whitespace or control characters: {value!r}")
        return value


class Inventory(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    hosts: tuple[InventoryHost, ...]

    def host(self, name: str) -> InventoryHost:
        for host in self.hosts:
            if host.name == name:
                return host
        raise KeyError(name)


_ANSIBLE_ENV = {
    # A host (or variable) written twice in YAML is a mistake, not a merge (read at parse time).
    "ANSIBLE_DUPLICATE_YAML_DICT_KEY": "error",
    "ANSIBLE_LOCALHOST_WARNING": "false",
    "ANSIBLE_NOCOLOR": "true",
}
# Ansible reads these once, at import, into ansible.constants; set them there for each parse.
_ANSIBLE_CONSTANTS = {
    # A source that no plugin can parse must fail loudly, not become an empty inventory.
    "INVENTORY_UNPARSED_IS_FAILED": True,
    "INVENTORY_ANY_UNPARSED_IS_FAILED": True,
    "INVENTORY_UNPARSED_WARNING": False,
    "INVENTORY_ENABLED": ["yaml", "ini"],
    # Ansible's own warnings never reach the user's terminal unasked: every problem is ihcheck's one line.
    "DEPRECATION_WARNINGS": False,
    "SYSTEM_WARNINGS": False,
    "COMMAND_WARNINGS": False,
}


@contextlib.contextmanager
def _ansible_settings() -> Iterator[list[tuple[str, BaseException]]]:
    """Make Ansible's parsing strict and collect the per-plugin failures it would print as warnings."""
    saved_env = {k: os.environ.get(k) for k in _ANSIBLE_ENV}
    os.environ.update(_ANSIBLE_ENV)
    import ansible.constants as constants
    from ansible.utils.display import Display

    saved_constants = {k: getattr(constants, k, None) for k in _ANSIBLE_CONSTANTS}
    for key, value in _ANSIBLE_CONSTANTS.items():
        setattr(constants, key, value)
    display = Display()
    failures: list[tuple[str, BaseException]] = []
    original = display.error_as_warning

    def collect(msg: str | None, exception: BaseException, *args: Any, **kwargs: Any) -> None:
        failures.append((msg or "", exception))

    display.error_as_warning = collect
    quiet = {name: getattr(display, name) for name in ("warning", "deprecated", "display") if hasattr(display, name)}

    def silent(*args: Any, **kwargs: Any) -> None:
        return None

    for name in quiet:
        setattr(display, name, silent)
    try:
        yield failures
    finally:
        display.error_as_warning = original
        for name, function in quiet.items():
            setattr(display, name, function)
        for key, value in saved_constants.items():
            setattr(constants, key, value)
        for key, old in saved_env.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _relevant_failure(path: Path, failures: list[tuple[str, BaseException]]) -> BaseException | None:
    """Of the plugins that failed, the one meant for this file's kind says what is wrong."""
    wanted = "'yaml'" if path.suffix in (".yml", ".yaml", ".json") else "'ini'"
    for msg, exc in failures:
        if wanted in msg:
            return exc
    return failures[0][1] if failures else None


def _first_line(exc: BaseException) -> str:
    message = str(getattr(exc, "message", "") or exc)
    cause = exc.__cause__
    while cause is not None:  # Ansible wraps the useful message; take the innermost.
        inner = str(getattr(cause, "message", "") or cause)
        if inner:
            message = inner
        cause = cause.__cause__
    line = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    return line.removeprefix("Failed to parse inventory: ").strip()


def _plain(value: Any) -> Any:
    """Ansible 2.19 tags every value with its origin; pydantic wants plain data."""
    return json.loads(json.dumps(value, default=str))


# The Ansible variables ihcheck reads; only these (and ihcheck_*) are rendered, so that a template in a
# variable meant for a playbook (one using gathered facts, say) does not stop a check.
_READ = ("ansible_connection", "ansible_host", "ansible_port", "ansible_ssh_port", "ansible_user", "ansible_ssh_user",
         "ansible_ssh_private_key_file", "ansible_private_key_file", "ansible_password", "ansible_ssh_pass")


def _vault_secrets(loader: Any) -> list[tuple[str, Any]]:
    """The secret of ANSIBLE_VAULT_PASSWORD_FILE (a file, or an executable that prints the password)."""
    name = os.environ.get("ANSIBLE_VAULT_PASSWORD_FILE")
    if not name:
        return []
    from ansible.errors import AnsibleError
    from ansible.parsing.vault import get_file_vault_secret

    path = Path(name).expanduser()
    if not path.is_file():
        raise InputError(f"{path}: vault password file not found")
    try:
        secret = get_file_vault_secret(filename=str(path), vault_id="default", loader=loader)
        secret.load()
    except AnsibleError as exc:
        raise InputError(f"{path}: vault password file: {_first_line(exc)}") from None
    return [("default", secret)]


@contextlib.contextmanager
def _vault_context(secrets: list[tuple[str, Any]]) -> Iterator[None]:
    """Ansible 2.19 decrypts through one process-wide context that its CLI sets once at start-up; a
    library call sets it for the parse and puts back what was there."""
    from ansible.parsing.vault import VaultSecretsContext

    previous = VaultSecretsContext.current(optional=True)
    VaultSecretsContext._current = VaultSecretsContext(secrets)
    try:
        yield
    finally:
        VaultSecretsContext._current = previous


class LookupRefused(Exception):
    """A template asked for a lookup plugin while lookups are off."""


@contextlib.contextmanager
def _lookups(allowed: bool) -> Iterator[None]:
    """Lookups off unless asked for: `lookup('pipe', …)` runs a command on the checker and `lookup('file', …)`
    reads any file, so a regulator checking a hospital's inventory would run the hospital's commands.

    Ansible 2.19 no longer honours `disable_lookups`; every lookup goes through its plugin loader's `get`,
    so for the parse that loader refuses every name."""
    if allowed:
        yield
        return
    from ansible._internal._templating import _jinja_plugins

    real = _jinja_plugins.lookup_loader

    class Refusing:
        def get(self, name: str, *args: Any, **kwargs: Any) -> Any:
            raise LookupRefused(f"lookup {name!r} refused: inventory templates may not run lookups "
                                "(they run commands or read files on the checker); --allow-inventory-lookups "
                                "allows them for an inventory you trust")

        def __getattr__(self, attr: str) -> Any:
            return getattr(real, attr)

    _jinja_plugins.lookup_loader = Refusing()
    try:
        yield
    finally:
        _jinja_plugins.lookup_loader = real


def _rendered(path: Path, name: str, hostvars: dict[str, Any], loader: Any,
              allow_lookups: bool = False) -> dict[str, Any]:
    """The variables ihcheck reads, templates rendered and vaulted values decrypted, as plain data."""
    from ansible.errors import AnsibleError
    from ansible.template import Templar

    templar = Templar(loader=loader, variables=hostvars)
    out: dict[str, Any] = {}
    for key, value in hostvars.items():
        if key not in _READ and not key.startswith("ihcheck_"):
            continue
        try:
            with _lookups(allow_lookups):
                out[key] = _plain(templar.template(value))
        except AnsibleError as exc:
            refused = _refusal(exc)
            if refused is not None:
                raise InputError(f"{path}: host {name!r}: {key}: {refused}") from None
            detail = _first_line(exc)
            if "decrypt" in detail.lower():
                detail = ("vault-encrypted and not decrypted: give the vault password file with --vault-password-file "
                          "or ANSIBLE_VAULT_PASSWORD_FILE" if not os.environ.get("ANSIBLE_VAULT_PASSWORD_FILE")
                          else "vault-encrypted and the vault password file does not decrypt it")
            raise InputError(f"{path}: host {name!r}: {key}: {detail}") from None
    return out


def _templated(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, dict):
        return any(_templated(k) or _templated(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_templated(v) for v in value)
    return False


def _checker_side(hostvars: dict[str, Any], loader: Any) -> tuple[str, ...]:
    """Every variable of the host as Ansible would have it (templates rendered with lookups refused), judged by
    probes.ansible_trust: what would run on the checker if this host were handed to Ansible."""
    from ansible.errors import AnsibleError
    from ansible.template import Templar

    from probes.ansible_trust import LOCAL_CONNECTIONS, variable_problem

    templar = Templar(loader=loader, variables=hostvars)
    reasons: list[str] = []
    rendered_vars: dict[str, Any] = {}
    for key, value in hostvars.items():
        rendered = value
        if _templated(value):
            try:
                with _lookups(False):
                    rendered = _plain(templar.template(value))
            except AnsibleError as exc:
                if _refusal(exc) is not None:
                    reasons.append(f"{key}: a template calls a lookup, which Ansible would run on the checker")
                continue
        rendered_vars[key] = rendered
    local = str(rendered_vars.get("ansible_connection", "")).strip() in LOCAL_CONNECTIONS
    for key, rendered in rendered_vars.items():
        problem = variable_problem(key, rendered, local=local)
        if problem is not None:
            reasons.append(f"{key}: {problem}")
    return tuple(reasons)


MAX_INVENTORY_FILES = 2000
MAX_INVENTORY_BYTES = 64 * 1024 * 1024


def _check_inventory_files(path: Path) -> None:
    """Before Ansible reads anything: regular UTF-8 files only (a FIFO would block, /dev/zero never ends), each
    and all of them within a size, and YAML without alias bombs or absurd nesting."""
    from probes.limits import check_yaml_shape, read_text_limited

    if path.is_dir():
        files: list[Path] = []
        for folder, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            files += [Path(folder) / n for n in sorted(names) if not n.startswith(".")]
            if len(files) > MAX_INVENTORY_FILES:
                raise InputError(f"{path}: more than {MAX_INVENTORY_FILES} files in the inventory folder")
    else:
        files = [path]
    total = 0
    for file in files:
        text = read_text_limited(file, "inventory file")
        total += len(text)
        if total > MAX_INVENTORY_BYTES:
            raise InputError(f"{path}: inventory files add up to more than {MAX_INVENTORY_BYTES} bytes")
        in_vars = file.parent.name in ("group_vars", "host_vars") or file.parent.parent.name in ("group_vars",
                                                                                                   "host_vars")
        if file.suffix in (".yml", ".yaml", ".json") or in_vars:
            check_yaml_shape(text, file, "inventory")


def _refusal(exc: BaseException) -> str | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, LookupRefused):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


def load_inventory(source: str | Path, limit: str | None = None, *, allow_lookups: bool = False) -> Inventory:
    """Parse an inventory file or directory; raise InputError with one line on any problem."""
    path = Path(source)
    if not path.exists():
        raise InputError(f"{path}: inventory not found")
    if path.is_file() and not os.access(path, os.R_OK):
        raise InputError(f"{path}: inventory is not readable")
    _check_inventory_files(path)

    with _ansible_settings() as failures, contextlib.ExitStack() as stack:
        from ansible.errors import AnsibleError
        from ansible.inventory.manager import InventoryManager
        from ansible.parsing.dataloader import DataLoader
        from ansible.vars.manager import VariableManager

        loader = DataLoader()
        if not allow_lookups:  # `{% include %}` reads beside the loader's base: give it a folder with nothing
            nothing = stack.enter_context(tempfile.TemporaryDirectory(prefix="ihcheck-noinclude-"))
            loader.set_basedir(nothing)
        secrets = _vault_secrets(loader)
        loader.set_vault_secrets(secrets)
        try:
            manager = InventoryManager(loader=loader, sources=[str(path)])
        except AnsibleError as exc:
            detail = _first_line(_relevant_failure(path, failures) or exc)
            raise InputError(f"{path}: {detail}") from None
        variables = VariableManager(loader=loader, inventory=manager)
        try:
            selected = manager.get_hosts(pattern=limit or "all")
        except AnsibleError as exc:
            raise InputError(f"{path}: --limit {limit!r}: {_first_line(exc)}") from None
        if not selected:
            where = f" match --limit {limit!r}" if limit else " are defined"
            raise InputError(f"{path}: no hosts{where}")
        with _vault_context(secrets):
            hosts = []
            for h in selected:
                try:  # group_vars/host_vars are read here, lazily: a file that is not a mapping fails now
                    hostvars = variables.get_vars(host=h, include_hostvars=False)
                except AnsibleError as exc:
                    raise InputError(f"{path}: host {h.name!r}: variables: {_first_line(exc)}") from None
                host = _host(path, h.name, _rendered(path, h.name, hostvars, loader, allow_lookups),
                             tuple(sorted(g.name for g in h.get_groups() if g.name != "all")))
                if not allow_lookups:
                    host = host.model_copy(update={"checker_side": _checker_side(hostvars, loader)})
                hosts.append(host)
    return Inventory(source=str(path), hosts=tuple(hosts))


def _host(path: Path, name: str, hostvars: dict[str, Any], groups: tuple[str, ...]) -> InventoryHost:
    def bad(field: str, message: str) -> InputError:
        return InputError(f"{path}: host {name!r}: {field}: {message}")

    raw_connection = str(hostvars.get("ansible_connection", "ssh"))
    connection = _CONNECTIONS.get(raw_connection)
    if connection is None:
        known = ", ".join(sorted(_CONNECTIONS))
        raise bad("ansible_connection", f"unsupported connection {raw_connection!r} (supported: {known})")
    declared = {k.removeprefix("ihcheck_"): v for k, v in hostvars.items() if k.startswith("ihcheck_")}
    if declared.get("transport") == "ansible":
        connection = "ansible"
    fields: dict[str, Any] = {
        "name": name,
        "address": hostvars.get("ansible_host", name),
        "port": hostvars.get("ansible_port", hostvars.get("ansible_ssh_port")),
        "user": hostvars.get("ansible_user", hostvars.get("ansible_ssh_user")),
        "private_key_file": hostvars.get("ansible_ssh_private_key_file", hostvars.get("ansible_private_key_file")),
        "password": hostvars.get("ansible_password", hostvars.get("ansible_ssh_pass")),
        "connection": connection,
        "groups": groups,
    }
    try:
        host = InventoryHost.model_validate({k: v for k, v in fields.items() if v is not None})
        declarations = Declarations.model_validate(declared)
    except ValidationError as exc:
        field, message = describe_validation_error(exc)
        ansible_names = {"address": "ansible_host", "port": "ansible_port", "user": "ansible_user",
                         "private_key_file": "ansible_ssh_private_key_file"}
        top = field.split(".")[0].split("[")[0]
        if top in ansible_names:
            field = ansible_names[top]
        elif top in Declarations.model_fields or exc.title == "Declarations":
            field = f"ihcheck_{field}"
        raise bad(field, message) from None
    # Files an inventory names (attestations, documents, known_hosts) live beside it, as its author sees it.
    base = path if path.is_dir() else path.parent
    relative = {k: base / v for k, v in declarations if isinstance(v, Path) and not v.is_absolute()}
    return host.model_copy(update={"declared": declarations.model_copy(update=relative)})
