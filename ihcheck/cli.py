"""The `ihcheck` command line: `check`, `demo`, `rules`, and the mounted `sim`, `keys`, `verify`, `report`.

Exit codes are `checker.errors.ExitCode`; `main()` maps the error tree of checker/errors.py onto them
once, for every sub-command.
"""

from __future__ import annotations

import functools
import io
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from checker import __version__
from checker.errors import ExitCode, IhcheckError, InputError
from ihcheck import formats
from ihcheck.examples import attach as attach_examples
from ihcheck.formats import DEFAULT_CHECK, DEFAULT_REMEDIATE, DEFAULT_RULES, CheckFormat, RemediateFormat, RulesFormat
from ihcheck.terminal import clean, console
from probes.fleet_defaults import CONNECT_TIMEOUT, DEFAULT_ANSIBLE_FORKS, DEFAULT_FORKS, DEFAULT_HOST_TIMEOUT


def _text(value: object) -> str:
    """Host- or user-supplied text inside rich markup: control sequences stripped, markup escaped."""
    return escape(clean(value))

if TYPE_CHECKING:
    from ihcheck.run import CheckRun

app = typer.Typer(
    name="ihcheck",
    help="Check an internet-hospital (互联网医院) deployment against the provincial supervision-platform rules.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's own layout: at 80 columns rich's option table cut long option names
)
out = console(highlight=False, width=None if sys.stdout.isatty() else 160)
err = console(stderr=True, highlight=False)

DETAIL_HELP = "Every finding of every host with its evidence (default: a line per rule and what did not pass)."


class Engine(StrEnum):
    direct = "direct"
    ansible = "ansible"
    auto = "auto"


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        out.print(f"ihcheck {__version__}")
        raise typer.Exit(ExitCode.PASS)


@app.command()
def check(
    inventory: Annotated[Path, typer.Option("-i", "--inventory", metavar="PATH",
                                            help="Ansible inventory (INI, YAML or directory).")],
    limit: Annotated[str | None, typer.Option("-l", "--limit", metavar="PATTERN",
                                              help="Ansible host pattern to check.")] = None,
    fmt: Annotated[CheckFormat, typer.Option("--format", help=formats.format_help("check"))] = DEFAULT_CHECK,
    out_file: Annotated[Path | None, typer.Option("--out", metavar="FILE", help="Write the output to FILE.")] = None,
    rule: Annotated[list[str] | None, typer.Option("--rule", metavar="RULE_ID",
                                                   help="Check only this rule id (repeatable).")] = None,
    accept_unknown_host_keys: Annotated[
        bool, typer.Option("--accept-unknown-host-keys", help="Do not verify SSH host keys (recorded as unverified).")
    ] = False,
    bundle: Annotated[
        Path | None, typer.Option("--bundle", metavar="DIR",
                                  help="Write a signed evidence bundle to DIR (and DIR.tar.gz).")
    ] = None,
    sign_key: Annotated[
        Path | None, typer.Option("--sign-key", metavar="DIR",
                                  help="Keys directory from `ihcheck keys new` to sign the bundle with.")
    ] = None,
    sarif_help_uri: Annotated[
        str | None, typer.Option("--sarif-help-uri", metavar="URL",
                                 help="Where your copy of the rule catalogue is published (for --report sarif:FILE); "
                                      "each rule's helpUri becomes URL#rule-id.")
    ] = None,
    waivers: Annotated[Path | None, typer.Option("--waivers", metavar="FILE",
                                                 help="Waivers file (YAML: ihcheck's or InSpec's) to apply.")] = None,
    report: Annotated[
        list[str] | None, typer.Option("--report", metavar="FORMAT:FILE",
                                       help=formats.report_help())
    ] = None,
    allow_inventory_lookups: Annotated[
        bool, typer.Option("--allow-inventory-lookups",
                           help="Let the inventory's templates run lookups (commands, files) on this machine: "
                                "only for an inventory you trust.")
    ] = False,
    vault_password_file: Annotated[
        Path | None, typer.Option("--vault-password-file", envvar="ANSIBLE_VAULT_PASSWORD_FILE",
                                  help="Ansible Vault password file (or script) for vaulted inventory values.")
    ] = None,
    engine: Annotated[
        Engine, typer.Option("--engine", help="Who reaches the hosts: ihcheck itself (direct), Ansible through "
                             "ansible-runner (ansible), or by fleet size (auto).")
    ] = Engine.direct,
    forks: Annotated[
        int | None, typer.Option("--forks", min=1, max=1024, show_default=False,
                                 help=f"Hosts probed at once (default {DEFAULT_FORKS}; with --engine ansible, "
                                 f"Ansible's forks, default {DEFAULT_ANSIBLE_FORKS}).")
    ] = None,
    host_timeout: Annotated[
        float, typer.Option("--host-timeout", min=0, help="Seconds one host may take; its unfinished probes are "
                            "then inconclusive (0: no limit).")
    ] = DEFAULT_HOST_TIMEOUT,
    connect_timeout: Annotated[
        int, typer.Option("--connect-timeout", min=1, help="Seconds to wait for a host's SSH connection, banner and "
                          "login (a loaded host or a slow link needs more).")
    ] = CONNECT_TIMEOUT,
    ansible_dir: Annotated[
        Path | None, typer.Option("--ansible-dir", help="With --engine ansible: keep the ansible-runner private-data "
                                  "directory (playbook, per-host batches, artifacts) in DIR, e.g. for AWX/AAP.")
    ] = None,
    detail: Annotated[bool, typer.Option("--detail", "-v", help=DETAIL_HELP)] = False,
    full_observations: Annotated[
        bool, typer.Option("--full-observations", help="--format json: write schema ihcheck.result/1, every "
                           "command's output inside the result (default /2: outputs referenced by observation id "
                           "and digest, held whole by --bundle)")
    ] = False,
) -> None:
    """Probe the inventory's hosts, judge the facts against the rules, print the verdicts."""
    from ihcheck.run import run_check

    if vault_password_file is not None:  # Ansible's own variable: the parser and the ansible transport read it
        os.environ["ANSIBLE_VAULT_PASSWORD_FILE"] = str(vault_password_file.expanduser().resolve())
    from ihcheck.outputs import validate_outputs

    outputs = validate_outputs(out_file=out_file, reports=report, bundle=bundle, sign_key=sign_key)  # before any host
    if sarif_help_uri is not None:
        from ihcheck.outputs import validate_help_uri

        validate_help_uri(sarif_help_uri)
    run = run_check(inventory, limit=limit, rule_ids=rule, accept_unknown_host_keys=accept_unknown_host_keys,
                    waivers_file=waivers, progress_console=err, engine=engine.value, forks=forks,
                    host_timeout=host_timeout or None, ansible_dir=ansible_dir,
                    allow_inventory_lookups=allow_inventory_lookups, connect_timeout=connect_timeout,
                    spool_dir=_spool_dir(bundle))
    result = run.result
    _report_waivers(run)
    if bundle is not None:
        from ihcheck.evidence_cli import bundle_after_check

        bundle_after_check(run, inventory, bundle, outputs.keys)
    if outputs.reports:
        from ihcheck.evidence_cli import reports_after_check

        reports_after_check(run, inventory, outputs.reports, bundle, outputs.keys, sarif_help_uri)
    if fmt == "json":
        if out_file:
            from reports.files import write_atomic

            # piece by piece: at fleet scale the text is the largest thing
            write_atomic(out_file, functools.partial(result.write_json, full=full_observations))
            print_summary(result)  # the table was not asked for: at fleet scale it is megabytes
        else:
            _write_stdout(functools.partial(result.write_json, full=full_observations), newline=full_observations)
    else:
        print_result(result, detail=detail)
        if out_file:  # the file keeps every finding: it is read later, not scrolled past
            file_console = console(file=None, record=True, width=140, highlight=False, soft_wrap=True)
            with file_console.capture():
                print_result(result, file_console, detail=True)
            _write(out_file, file_console.export_text())
    if run.interrupted:
        ended = [o.id for o in result.observations if o.ended_by_checker == "interrupted"
                 or "not run: interrupted" in o.stderr]
        err.print(f"ihcheck: interrupted: {len(ended)} command(s) ended or not run ({', '.join(ended[:8])}"
                  f"{', …' if len(ended) > 8 else ''}); the rules that needed them are inconclusive",
                  markup=False)
        raise typer.Exit(ExitCode.INTERRUPTED)
    raise typer.Exit(result.exit_code)


def _write_stdout(write: Callable[[BinaryIO], None], *, newline: bool) -> None:
    """Bytes a writer streams, onto standard output (its binary buffer, or decoded where it has none)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sink = io.BytesIO()
        write(sink)
        sys.stdout.write(sink.getvalue().decode("utf-8") + ("\n" if newline else ""))
        return
    write(buffer)
    if newline:
        buffer.write(b"\n")
    buffer.flush()


def _spool_dir(bundle: Path | None) -> Path | None:
    """Where the run spools its commands' output: beside the bundle when one is written (its own disk), else
    the system's temporary directory."""
    parent = bundle.resolve().parent if bundle is not None else None
    return parent if parent is not None and parent.is_dir() else None


def _report_waivers(run: CheckRun) -> None:
    """Say which waivers did not waive (expired, unknown rule, unmatched): a forgotten waiver is seen."""
    for status in run.waivers:
        if status.state != "applied":
            err.print(f"[yellow]waiver:[/] {_text(status.message)}")


def _write(path: Path, text: str) -> None:
    from reports.files import write_atomic

    write_atomic(path, text.encode("utf-8"))


def print_result(result: object, console: Console | None = None, *, detail: bool = False) -> None:
    """The result on a terminal: a screen of it by default (ihcheck.result_view), every finding with `detail`."""
    from ihcheck.result_view import print_detail, print_short
    from reports.result import CheckResult

    assert isinstance(result, CheckResult)
    (print_detail if detail else print_short)(result, console or out)


def print_summary(result: object, console: Console | None = None) -> None:
    """One line: how many findings of each verdict, and the exit code."""
    from ihcheck.result_view import print_summary as summary
    from reports.result import CheckResult

    assert isinstance(result, CheckResult)
    summary(result, console or out)


@app.command()
def demo(
    scenario: Annotated[str, typer.Argument(help="Scenario name or spec path.")] = "compliant",
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where the inventory, result and report go (a folder "
                                          "an earlier demo wrote is replaced).")] = Path("ihcheck-demo"),
    ready_timeout: Annotated[float, typer.Option(help="Seconds to wait for every simulated daemon.")] = 120,
    waivers: Annotated[Path | None, typer.Option("--waivers", metavar="FILE",
                                                 help="Waivers file (YAML: ihcheck's or InSpec's) to apply.")] = None,
    rule: Annotated[list[str] | None, typer.Option("--rule", metavar="RULE_ID",
                                                   help="Check only this rule id (repeatable).")] = None,
    detail: Annotated[bool, typer.Option("--detail", "-v", help=DETAIL_HELP)] = False,
) -> None:
    """Boot a simulated deployment, check it, write the result and report, and always tear it down."""
    from checker.catalogue import select
    from ihcheck.outputs import prepare_demo_dir
    from ihcheck.progress import progress_for
    from ihcheck.run import run_check
    from simulator.deploy import running, write_inventory

    try:  # before anything boots, as the output folder
        select(rule)
    except KeyError as exc:
        raise InputError(f"--rule: unknown rule id {exc.args[0]!r} (see `ihcheck rules`)") from None
    prepare_demo_dir(out_dir)  # before anything boots: an earlier demo's folder is replaced, any other refused
    with running(scenario, ready_timeout=ready_timeout, console=err, progress=progress_for(err)) as deployment:
        inventory = write_inventory(deployment.scenario, out_dir / "inventory.yml")
        run = run_check(inventory, rule_ids=rule, waivers_file=waivers, progress_console=err)
        result = run.result
        _report_waivers(run)
        expected = dict(deployment.spec.expect)
        (out_dir / "result.json").write_text(result.to_json(), encoding="utf-8")
        report = _demo_evidence(run, inventory, out_dir)  # while the simulated documents still exist
    print_result(result, detail=detail)
    got = result.summary["rules"]
    differ = {rule_id: (verdict, got[rule_id]) for rule_id, verdict in expected.items()
              if rule_id in got and got[rule_id] != verdict}  # a rule left out by --rule was not checked
    for rule_id, (want, have) in differ.items():
        out.print(f"[red]unexpected:[/] {rule_id}: scenario {deployment.scenario!r} expects {want}, got {have}")
    out.print(f"报告 report: {report} · 证据 evidence: {out_dir / 'bundle'} · 结果 {out_dir / 'result.json'}")
    out.print(f"每条结论 every finding: --detail · 模拟部署 {deployment.scenario!r} 已拆除 torn down")
    raise typer.Exit(result.exit_code)


def _demo_evidence(run: CheckRun, inventory: Path, out_dir: Path) -> Path:
    """The demo's evidence bundle (signed with a throw-away key: it is a rehearsal) and its HTML report."""
    from reports.bundle import write_bundle
    from reports.keys import SigningKeys
    from reports.load import load_bundle
    from reports.render import Format, write_report

    written = write_bundle(run.result, inventory, out_dir / "bundle", keys=SigningKeys.generate(ephemeral=True),
                           waivers=list(run.waivers), waivers_file=run.waivers_file)
    report = out_dir / "report.html"
    write_report(load_bundle(written.directory), Format.html, report)
    return report


@app.command()
def preflight(
    inventory: Annotated[Path, typer.Option("-i", "--inventory", metavar="PATH",
                                            help="Ansible inventory (INI, YAML or directory).")],
    limit: Annotated[str | None, typer.Option("-l", "--limit", metavar="PATTERN",
                                              help="Ansible host pattern to check.")] = None,
    accept_unknown_host_keys: Annotated[
        bool, typer.Option("--accept-unknown-host-keys", help="Do not verify SSH host keys.")] = False,
    connect_timeout: Annotated[int, typer.Option("--connect-timeout", min=1, help="Seconds for each host's SSH "
                                                 "connection, banner and login.")] = 5,
    allow_inventory_lookups: Annotated[
        bool, typer.Option("--allow-inventory-lookups", help="Let the inventory's templates run lookups: only for "
                           "an inventory you trust.")] = False,
) -> None:
    """In seconds, per host: reachable, logged in as whom, root or sudo, which probe commands exist, which declared
    endpoints answer; and which rules each gap will leave inconclusive, with the fix."""
    import time

    from ihcheck.preflight import show
    from probes.inventory import load_inventory
    from probes.preflight import check_all, check_endpoints
    from probes.transport import TransportOptions

    started = time.monotonic()
    parsed = load_inventory(inventory, limit, allow_lookups=allow_inventory_lookups)
    options = TransportOptions(accept_unknown_host_keys=accept_unknown_host_keys, connect_timeout=connect_timeout)
    found = check_all(list(parsed.hosts), options)
    endpoints = check_endpoints(parsed.hosts)
    raise typer.Exit(show(found, endpoints, out, time.monotonic() - started))


@app.command()
def init(
    out_file: Annotated[Path, typer.Option("--out", metavar="FILE", help="The inventory to write.")] = Path(
        "inventory.yml"),
    answers: Annotated[Path | None, typer.Option("--answers", metavar="FILE", help="Answers as YAML instead of "
                                                  "questions (see ihcheck/init.py `Answers`).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    no_connect: Annotated[bool, typer.Option("--no-connect", help="Do not resolve names or try SSH ports while "
                                              "asking.")] = False,
) -> None:
    """Write an inventory with you: asks for the hosts and roles, BMC and UPS, uplinks, exchange systems and the
    documents folder, checks each answer as it is given, writes a commented YAML inventory `check` accepts."""
    from ihcheck.init import check_written, interview, load_answers, render
    from reports.files import write_atomic

    if out_file.exists() and not force:
        raise InputError(f"--out {out_file}: exists (use --force to replace it)")
    if answers is not None:
        collected = load_answers(answers)
    else:
        if not sys.stdin.isatty():
            raise InputError("init: no terminal to ask on: give --answers FILE")
        collected = interview(lambda q, d: typer.prompt(q, default=d, show_default=d not in (None, "")),
                              lambda line: err.print(line, markup=False, soft_wrap=True), live=not no_connect)
    text = render(collected)
    check_written(text, out_file)
    write_atomic(out_file, text.encode("utf-8"))
    err.print(f"wrote {out_file} ({len(collected.hosts)} hosts); next: ihcheck preflight -i {out_file}",
              markup=False)


@app.command()
def rules(
    fmt: Annotated[RulesFormat, typer.Option("--format", help=formats.format_help("rules"))] = DEFAULT_RULES,
    explain: Annotated[str | None, typer.Option(
        "--explain", metavar="ID", help="One rule in full: clause, reading, verdicts, examples.")] = None,
    docs: Annotated[Path | None, typer.Option(
        "--docs", metavar="DIR", help="Write a page per rule to DIR (the repository's docs/rules).")] = None,
    coverage: Annotated[bool, typer.Option(
        "--coverage", help="Every requirement of the three notices and the rule that checks it (markdown).")] = False,
) -> None:
    """List the rule catalogue with the clause each rule cites."""
    import json

    from checker.catalogue import CATALOGUE, rule_by_id

    if explain is not None:
        from rich.markdown import Markdown

        from ihcheck.rule_docs import explain as page

        try:
            rule = rule_by_id(explain)
        except KeyError:
            raise InputError(f"--explain: unknown rule id {explain!r} (see `ihcheck rules`)") from None
        text = page(rule)
        if fmt == "markdown":
            sys.stdout.write(text)
        else:
            out.print(Markdown(text))
        return
    if coverage:
        from ihcheck.rule_tables import coverage_markdown

        sys.stdout.write(coverage_markdown())
        return
    if docs is not None:
        from ihcheck.rule_docs import write

        err.print(f"{len(write(docs))} pages written to {docs}")
        return
    if fmt == "json":
        sys.stdout.write(json.dumps([r.describe() for r in CATALOGUE], ensure_ascii=False, indent=2) + "\n")
        return
    if fmt == "markdown":
        from ihcheck.rule_tables import rules_markdown

        sys.stdout.write(rules_markdown())
        return
    table = Table(title="ihcheck rule catalogue", show_lines=True)
    for column in ("规则 Rule", "Severity", "Source", "Clause (原文)", "English"):
        table.add_column(column, overflow="fold")  # Chinese has no spaces to wrap at: fold it, never cut it with …
    for r in CATALOGUE:
        c, s = r.clause, r.standard
        source = f"{c.document.id} {c.ref}" + (f" → {s.document.id} {s.ref}" if s else "")
        quoted = s or c  # a rule checking a standard's item quotes the item; GD2020 一(二)1 says why it applies
        level = f"{r.severity.value}\n[dim]{r.status.value}[/]"  # stable / preview / deprecated under it
        table.add_row(f"{r.id}\n{escape(r.title_zh)}\n[dim]{escape(r.title)}[/]", level, escape(source),
                      escape(quoted.text_zh), escape(quoted.text_en))
    out.print(table)


@app.command()
def remediate(
    result_file: Annotated[Path, typer.Argument(help="A check result (`ihcheck check --format json --out FILE`).")],
    fmt: Annotated[RemediateFormat, typer.Option("--format", help=formats.format_help("remediate", "What to write"))
                   ] = DEFAULT_REMEDIATE,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the playbook to FILE.")] = None,
) -> None:
    """Write an Ansible playbook fixing the MLPS items that failed (ihcheck itself changes nothing)."""
    from pydantic import ValidationError

    from probes.limits import read_bytes_limited
    from reports.remediate import render_ansible
    from reports.result import CheckResult

    try:  # a regular file within the input limit: a FIFO or /dev/zero is refused, not waited on
        result = CheckResult.model_validate_json(read_bytes_limited(result_file, "check result", 256 * 1024 * 1024))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise InputError(f"{result_file}: {where}: {first['msg']} (expected an ihcheck.result/1 JSON result)") from None
    text = render_ansible(result)
    if out_file is None:
        sys.stdout.write(text)
    else:
        out_file.write_text(text, encoding="utf-8")
        err.print(f"playbook written to {out_file}")


def _mount_optional() -> None:
    """Sub-commands owned by other packages; each is optional so the checker works without them."""
    try:
        from ihcheck.sim_cli import app as sim_app
    except ImportError:
        return
    app.add_typer(sim_app, name="sim", help="Simulated deployments: real containers running real services.")


_mount_optional()


def _mount_reports() -> None:
    """The evidence commands (keys, verify, report); optional like `sim`."""
    try:
        from ihcheck.evidence_cli import register
    except ImportError:
        return
    register(app)


_mount_reports()


def _mount_trail() -> None:
    """`ihcheck trail verify`: the audit-log verifier hospitals can run on their own logs."""
    from ihcheck.trail_cli import register

    register(app)


_mount_trail()


def _mount_registry() -> None:
    """The regulator's registry (`registry …`) and the hospital's side of it (`submit`, `trail head`)."""
    from ihcheck.registry.cli import register

    register(app)


_mount_registry()


def _mount_schedule() -> None:
    """`ihcheck schedule install|run`: the check on a systemd timer."""
    from ihcheck.schedule_cli import register

    register(app)


_mount_schedule()


def _help_types_as_users_type_them() -> None:
    """typer labels each option in --help with its Python type (`<bool>`, `<list[str]>`, `<path>`);
    show what a user types instead, as click does: nothing for a flag, PATH, TEXT, table|json."""
    from typer.core import TyperArgument, TyperOption

    def display_type(self: TyperOption | TyperArgument, ctx: object) -> str:
        if getattr(self, "is_flag", False):
            return ""
        label = base(self, ctx)  # type: ignore[arg-type]
        inner = label[1:-1] if label.startswith("<") and label.endswith(">") else label
        if inner.startswith("list[") and inner.endswith("]"):
            inner = inner[5:-1]
        if "|" in inner:
            return inner
        return {"str": "TEXT", "int": "INTEGER", "float": "FLOAT"}.get(inner, inner.upper())

    base = TyperOption.display_type
    TyperOption.display_type = display_type  # type: ignore[method-assign,assignment]
    TyperArgument.display_type = display_type  # type: ignore[method-assign,assignment]


_help_types_as_users_type_them()
attach_examples(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point: the one place errors become exit codes (checker.errors), never a traceback but for a bug."""
    try:
        returned = app(args=argv, prog_name="ihcheck", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        err.print("ihcheck: aborted")
        return ExitCode.INTERRUPTED
    except typer.TyperException as exc:  # click's UsageError family, vendored by typer
        if type(exc).__name__ == "NoArgsIsHelpError":
            return ExitCode.PASS
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        err.print(f"ihcheck: usage error: {_text(message)}")
        return ExitCode.USAGE
    except IhcheckError as exc:
        if exc.exit_code is None:  # an error meant to be handled below main(): escaping is a bug
            return _bug(exc)
        err.print(f"ihcheck: error: {_text(exc)}", soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("ihcheck: interrupted")
        return ExitCode.INTERRUPTED
    except OSError as exc:  # a file or folder the user named cannot be read or written: their input, not a bug
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        err.print(f"ihcheck: error: {where}{exc.strerror or exc}", soft_wrap=True, markup=False)
        return ExitCode.IO
    except Exception as exc:
        return _bug(exc)
    return returned if isinstance(returned, int) else ExitCode.PASS


def _bug(exc: Exception) -> int:
    """A bug: say so in one line; the traceback only when asked for."""
    if os.environ.get("IHCHECK_DEBUG"):
        raise exc
    err.print(f"ihcheck: internal error: {type(exc).__name__}: {_text(exc)} "
              "(set IHCHECK_DEBUG=1 for the traceback, and please report it)", soft_wrap=True)
    return ExitCode.BUG


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
