"""Examples at the end of each command's help, and the line each command has in its group's list.

Examples: what a person types first, checked by a test against the real options. Summaries: click lists a group's
commands by the first sentence of each one's help, cut to the width left ("Probe the inventory's hosts, judge the
facts against the..."); each command gets a line that fits 80 columns whole instead, its help keeping the rest.
Both are tables attached to the commands once they are all registered (`attach`), so no command is left without,
and a renamed option or command fails tests/checker/test_help.py instead of living on in a help text.
"""

from __future__ import annotations

import typer

EXAMPLES: dict[str, tuple[str, ...]] = {
    "": ("ihcheck demo", "ihcheck init", "ihcheck preflight -i inventory.yml", "ihcheck check -i inventory.yml",
         "ihcheck rules --explain GD2020-1.2.5-isps"),
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
    "registry": ("ihcheck registry demo", "ihcheck registry serve",
                 "ihcheck registry intake evidence.tar.gz"),
    "schedule": ("ihcheck schedule install -i /etc/ihcheck/inventory.yml", "ihcheck schedule run"),
    "trail": ("ihcheck trail verify audit.jsonl",),
    "keys": ("ihcheck keys new --out keys/",),
    "sim": ("ihcheck sim scenarios", "ihcheck sim up compliant", "ihcheck sim down compliant"),
    "sim up": ("ihcheck sim up compliant",),
    "sim down": ("ihcheck sim down compliant",),
    "sim status": ("ihcheck sim status",),
    "sim inventory": ("ihcheck sim inventory compliant -o inventory.yml",),
    "sim scenarios": ("ihcheck sim scenarios",),
    "sim prune": ("ihcheck sim prune --dry-run",),
}


# A command's line in its group's list: at most 60 cells, so it fits whole at 80 columns beside the longest name.
SUMMARIES: dict[str, str] = {
    "check": "Probe the hosts, judge the rules, print the verdicts.",
    "demo": "Boot a simulated hospital, check it, tear it down.",
    "preflight": "In seconds: can each host be checked; what a gap costs.",
    "init": "Write an inventory with you, checking each answer.",
    "rules": "The rule catalogue and the clause each rule cites.",
    "remediate": "An Ansible playbook fixing the MLPS items that failed.",
    "verify": "Check a bundle's digests and both signatures, offline.",
    "report": "Render a report (HTML, PDF, …) from a verified bundle.",
    "diff": "Rules whose verdict changed between two checks, and why.",
    "fleet": "Verify many hospitals' bundles; one table of verdicts.",
    "submit": "Hand a signed bundle in to the regulator's registry.",
    "sim": "Simulated hospitals: real containers, real services.",
    "sim up": "Boot a scenario; wait until every daemon answers.",
    "sim down": "Remove a scenario's containers, networks and state.",
    "sim status": "What the simulator runs: scenarios, containers.",
    "sim inventory": "Print or write a running scenario's inventory.",
    "sim prune": "Remove cached images no scenario or container uses.",
    "sim scenarios": "The shipped scenarios and what each simulates.",
    "keys": "Signing keys for evidence bundles (Ed25519, SM2).",
    "keys new": "Make Ed25519 and SM2 key pairs; print fingerprints.",
    "trail": "Hash-chained audit logs (全程留痕) and their verifier.",
    "trail verify": "Verify the chain, streaming; name the first break.",
    "trail head": "Sign an audit log's head for the regulator to keep.",
    "registry": "The regulator's registry (监管证据登记): serve, enrol.",
    "registry serve": "Migrate the schema; serve the JSON API and admin.",
    "registry demo": "A registry with a simulated province, to try.",
    "registry account": "Create a regulator account (Argon2id password).",
    "registry enrol": "Enrol a hospital (and its first key pair).",
    "registry key": "Enrol one more key pair for a hospital.",
    "registry rotate": "Rotate a hospital's key; its old signatures stand.",
    "registry revoke": "Revoke a key for good.",
    "registry token": "Issue or revoke a hospital's upload token.",
    "registry intake": "Take in bundles delivered offline.",
    "registry watch": "Take in each bundle dropped into a folder.",
    "registry actions": "Export the registry's action log (a trail).",
    "schedule": "The check on a systemd timer: bundles, metrics.",
    "schedule install": "Install the systemd service and timer.",
    "schedule run": "One scheduled run: check, bundle, metrics, drift.",
}


def epilog(lines: tuple[str, ...]) -> str:
    """Click's epilog, kept as typed: `\\b` stops click from re-wrapping the block."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


def attach(app: typer.Typer, prefix: str = "") -> None:
    """Give every registered command and group its examples and its summary (its name as typed after
    `ihcheck`)."""
    if not prefix and "" in EXAMPLES:
        app.info.epilog = epilog(EXAMPLES[""])
    for command in app.registered_commands:
        name = command.name or (command.callback.__name__.replace("_", "-") if command.callback else "")
        path = f"{prefix}{name}"
        if path in EXAMPLES and command.epilog is None:
            command.epilog = epilog(EXAMPLES[path])
        if path in SUMMARIES and command.short_help is None:
            command.short_help = SUMMARIES[path]
    for group in app.registered_groups:
        if group.typer_instance is not None:
            path = f"{prefix}{group.name}"
            if path in EXAMPLES:
                group.epilog = epilog(EXAMPLES[path])
            if path in SUMMARIES:
                group.short_help = SUMMARIES[path]
            attach(group.typer_instance, f"{path} ")
