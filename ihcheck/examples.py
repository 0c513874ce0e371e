"""Examples at the end of each command's help: what a person types first, checked by a test against the real options.

One table, attached to the commands once they are all registered (`attach`), so no command is left without and a
renamed option fails tests/checker/test_help.py instead of living on in a help text.
"""

from __future__ import annotations

import typer

EXAMPLES: dict[str, tuple[str, ...]] = {
    "check": (
        "ihcheck check -i inventories/example.yml",
        "ihcheck check -i hosts.ini --limit db --detail",
        "ihcheck check -i hosts.yml --format json --out result.json",
        "ihcheck check -i prod/ --bundle evidence --sign-key keys/",
        "ihcheck check -i hosts.yml --report html:out.html --report sarif:out.sarif",
    ),
    "demo": ("ihcheck demo", "ihcheck demo single-isp --detail", "ihcheck demo --rule GD2020-1.2.5-isps"),
    "rules": ("ihcheck rules", "ihcheck rules --explain GD2020-1.2.5-isps", "ihcheck rules --docs docs/rules"),
    "init": ("ihcheck init", "ihcheck init --answers answers.yml --out hospital.yml"),
    "preflight": ("ihcheck preflight -i inventories/example.yml", "ihcheck preflight -i hosts.ini --limit db"),
    "remediate": ("ihcheck remediate result.json --out fix.yml",),
    "verify": ("ihcheck verify evidence.tar.gz --pubkey keys/",),
    "report": ("ihcheck report evidence.tar.gz --format html --out report.html",),
    "diff": ("ihcheck diff old.tar.gz new.tar.gz",),
    "fleet": ("ihcheck fleet a.tar.gz b.tar.gz --format html --out fleet.html",),
    "keys new": ("ihcheck keys new --out keys/",),
    "trail verify": ("ihcheck trail verify audit.jsonl", "ihcheck trail verify audit.jsonl --head HASH"),
    "trail head": ("ihcheck trail head audit.jsonl --keys keys/ --out head.json",
                   "ihcheck trail head a.jsonl --keys k/ --to https://r.gd --token-file t"),
    "submit": ("ihcheck submit evidence.tar.gz --to https://reg.gd --token-file token",),
    "registry serve": ("ihcheck registry serve", "ihcheck registry serve --database postgresql://ihc@db/ihc"),
    "registry account": ("ihcheck registry account wang --role inspector",),
    "registry enrol": ("ihcheck registry enrol --name 某医院 --uscc 91440101MA5C0000A1 --city 广州",
                       "ihcheck registry enrol --name H --uscc 91440101MA5C0000A1 --city GZ --keys f"),
    "registry key": ("ihcheck registry key 91440101MA5C0000A1 fp.txt --valid-until 2027-12-31",),
    "registry rotate": ("ihcheck registry rotate 91440101MA5C0000A1 new-fp.txt",),
    "registry revoke": ("ihcheck registry revoke ed25519:SHA256:AbC --reason 'key leaked'",),
    "registry token": ("ihcheck registry token 91440101MA5C0000A1 --out token",),
    "registry intake": ("ihcheck registry intake evidence.tar.gz",),
    "registry watch": ("ihcheck registry watch /srv/drop", "ihcheck registry watch /srv/drop --workers 4"),
    "registry actions": ("ihcheck registry actions actions.jsonl",),
    "registry demo": ("ihcheck registry demo", "ihcheck registry demo --hospitals 60 --weeks 26 --port 8800"),
    "schedule install": ("ihcheck schedule install -i /etc/ihcheck/inventory.yml --on-calendar daily",),
    "schedule run": ("ihcheck schedule run --config /etc/ihcheck/schedule.yml",),
    "sim up": ("ihcheck sim up compliant",),
    "sim down": ("ihcheck sim down compliant",),
    "sim status": ("ihcheck sim status",),
    "sim inventory": ("ihcheck sim inventory compliant -o inventory.yml",),
    "sim scenarios": ("ihcheck sim scenarios",),
    "sim prune": ("ihcheck sim prune --dry-run",),
}


def epilog(lines: tuple[str, ...]) -> str:
    """Click's epilog, kept as typed: `\\b` stops click from re-wrapping the block."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


def attach(app: typer.Typer, prefix: str = "") -> None:
    """Give every registered command its examples (its name as typed after `ihcheck`)."""
    for command in app.registered_commands:
        name = command.name or (command.callback.__name__.replace("_", "-") if command.callback else "")
        path = f"{prefix}{name}"
        if path in EXAMPLES and command.epilog is None:
            command.epilog = epilog(EXAMPLES[path])
    for group in app.registered_groups:
        if group.typer_instance is not None:
            attach(group.typer_instance, f"{prefix}{group.name} ")
