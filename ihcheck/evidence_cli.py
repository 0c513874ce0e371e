"""`ihcheck keys new`, `ihcheck verify`, `ihcheck report`: the evidence commands.

`verify` exit codes:
    0   every digest and both signatures hold, the bundle is self-consistent, AND the signer is pinned
        (`--pubkey`, or `--keyring` of registered hospitals) and matched
    1   the bundle does not verify (the first altered, added or removed file is named)
    2   intact but unpinned: the signatures hold, but nothing says who signed (anyone can re-sign)
    65  bad input (not a bundle, unreadable key)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from checker.errors import ExitCode, UsageError
from ihcheck import formats
from ihcheck.formats import DEFAULT_DIFF, DEFAULT_FLEET, DEFAULT_REPORT, DiffFormat, FleetFormat, ReportFormat
from ihcheck.terminal import clean, console
from reports.render import Format


def _text(value: object) -> str:
    """Text from a bundle or the user inside rich markup: control sequences stripped, markup escaped."""
    return escape(clean(value))


if TYPE_CHECKING:
    from ihcheck.outputs import ReportRequest
    from ihcheck.run import CheckRun
    from reports.keys import SigningKeys

out = console(highlight=False)
err = console(stderr=True, highlight=False)

keys_app = typer.Typer(help="Signing keys for evidence bundles (Ed25519 and SM2).", no_args_is_help=True,
                       rich_markup_mode=None)

EXIT_UNPINNED = 2

KeyringOption = Annotated[
    Path | None,
    typer.Option("--keyring", help="File of registered hospitals: one line each, a name then its fingerprints."),
]
PubkeyOption = Annotated[
    str | None,
    typer.Option("--pubkey", help="The signer's key as registered: a keys directory, a PEM public key, a "
                 "fingerprints file, or fingerprints (ed25519:SHA256:…, sm2:SM3:…)."),
]
SarifHelpUriOption = Annotated[
    str | None,
    typer.Option("--sarif-help-uri", metavar="URL",
                 help="Where your copy of the rule catalogue is published (`ihcheck rules --format markdown`, e.g. "
                      "the README on your git server); each SARIF rule's helpUri becomes URL#rule-id."),
]


@keys_app.command("new")
def keys_new(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the key pairs.")] = Path("ihcheck-keys"),
    force: Annotated[bool, typer.Option("--force", help="Replace keys already in the directory.")] = False,
) -> None:
    """Make an Ed25519 and an SM2 key pair; print the fingerprints to hand to the regulator."""
    from reports.keys import SigningKeys

    keys = SigningKeys.generate()
    keys.write(out_dir, force=force)
    ed, sm2 = keys.public().fingerprints()
    err.print(f"wrote {_text(str(out_dir))}/ (private keys mode 0600: keep them off shared disks)")
    err.print("hand these fingerprints to the regulator (交给监管方的公钥指纹):")
    out.print(ed)
    out.print(sm2)


def verify(
    bundle: Annotated[Path, typer.Argument(help="Bundle directory or .tar.gz.")],
    pubkey: PubkeyOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Check every digest and both signatures of a bundle, offline. Exit 0 only when all hold and the signer
    is pinned; 2 when the bundle is intact but no registered key was given to compare the signer with."""
    from reports.keys import load_keyring, pinned_fingerprints
    from reports.verify import UNPINNED_ZH, verify_bundle

    pinned = pinned_fingerprints(pubkey) if pubkey else None
    result = verify_bundle(bundle, pinned, load_keyring(keyring) if keyring else None)
    for warning in result.warnings:
        err.print(f"warning: {clean(warning)}", markup=False)
    if result.ok:
        signer = ", ".join(result.signer or ())
        files = len(result.manifest.get("files", {}))
        if not result.trusted:
            out.print(f"INTACT BUT UNPINNED {clean(bundle)}: {files} files, digests and signatures hold, but the "
                      f"signer {signer} was not compared with a registered key (exit {EXIT_UNPINNED}) / {UNPINNED_ZH}",
                      markup=False, style="bold yellow")
            raise typer.Exit(EXIT_UNPINNED)
        who = f" (registered as {result.registered_as})" if result.registered_as else ""
        out.print(f"verified {clean(bundle)}: {files} files, SHA-256 + SM3 digests and Ed25519 + SM2 signatures hold; "
                  f"signer {signer}{clean(who)} matches the pinned key", markup=False, style="bold green")
        raise typer.Exit(ExitCode.PASS)
    first = result.first
    assert first is not None
    out.print(f"NOT VERIFIED {clean(bundle)}: {clean(first.path)}: {clean(first.message)}", markup=False,
              style="bold red")
    for problem in result.problems[1:10]:
        out.print(f"  also {clean(problem.path)}: {clean(problem.message)}", markup=False)
    if len(result.problems) > 10:
        out.print(f"  … and {len(result.problems) - 10} more", markup=False)
    raise typer.Exit(ExitCode.FAIL)


def report(
    bundle: Annotated[Path, typer.Argument(help="Bundle directory or .tar.gz.")],
    fmt: Annotated[ReportFormat, typer.Option("--format", help=formats.format_help("report", "Report format"))
                   ] = DEFAULT_REPORT,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to FILE (default: standard output; "
                                                  "PDF and XLSX need --out).")] = None,
    pubkey: PubkeyOption = None,
    keyring: KeyringOption = None,
    sarif_help_uri: SarifHelpUriOption = None,
) -> None:
    """Render a report from a bundle, after verifying it (a bundle that does not verify is refused; one whose
    signer is not pinned is rendered with that said at the top, in Chinese and English)."""
    from reports.keys import load_keyring, pinned_fingerprints
    from reports.load import BundleInvalid, load_bundle
    from reports.render import render

    if sarif_help_uri is not None:
        from ihcheck.outputs import validate_help_uri

        validate_help_uri(sarif_help_uri)
    pinned = pinned_fingerprints(pubkey) if pubkey else None
    try:
        loaded = load_bundle(bundle, pinned, load_keyring(keyring) if keyring else None)
    except BundleInvalid as exc:
        err.print(f"refused: {clean(exc)}", markup=False, style="bold red")
        raise typer.Exit(ExitCode.FAIL) from None
    if not loaded.verification.trusted:
        from reports.verify import UNPINNED_WARNING

        err.print(f"warning: {UNPINNED_WARNING}", markup=False)
    data = render(loaded, Format(fmt.value), sarif_help_uri=sarif_help_uri)
    if out_file is None:
        if formats.BY_NAME[fmt.value].needs_out:
            raise UsageError(f"--format {fmt.value} needs --out FILE")
        sys.stdout.write(data.decode("utf-8"))
        return
    from reports.render import write_report

    write_report(loaded, Format(fmt.value), out_file, data)
    err.print(f"wrote {_text(str(out_file))} ({fmt.value}, {len(data)} bytes)")


def diff(
    old: Annotated[Path, typer.Argument(help="The earlier check: a bundle (directory or .tar.gz) or result JSON.")],
    new: Annotated[Path, typer.Argument(help="The later check, the same kinds.")],
    fmt: Annotated[DiffFormat, typer.Option("--format", help=formats.format_help("diff"))] = DEFAULT_DIFF,
    pubkey: PubkeyOption = None,
) -> None:
    """Rules whose verdict changed between two checks, and the facts that changed them. Exit 1 when worse."""
    import json

    from reports.drift import change_text, load_side
    from reports.drift import diff as drift
    from reports.keys import pinned_fingerprints

    pinned = pinned_fingerprints(pubkey) if pubkey else None
    data = drift(load_side(old, pinned), load_side(new, pinned))
    if fmt == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        from rich.table import Table

        table = Table(title=f"ihcheck diff {_text(str(old))} → {_text(str(new))}", show_lines=True)
        for column in ("Rule", "Verdict", "What changed"):
            table.add_column(column, overflow="fold")
        for rule in data["rules"]:
            style = "bold red" if rule["worse"] else "bold green"
            changes = [_text(change_text(c)) for c in rule["facts"][:12]]
            if len(rule["facts"]) > 12:
                changes.append(f"… {len(rule['facts']) - 12} more")
            said = [_text(r) for r in (rule.get("reason_zh"), rule["reason"]) if r]
            table.add_row(rule["rule_id"], f"[{style}]{rule['old']} → {rule['new']}[/]", "\n".join([*said, *changes]))
        out.print(table)
        worse = sum(r["worse"] for r in data["rules"])
        out.print(f"{len(data['rules'])} rule(s) changed verdict, {worse} worse")
    raise typer.Exit(ExitCode.FAIL if data["worse"] else ExitCode.PASS)


def fleet(
    bundles: Annotated[list[Path], typer.Argument(help="Bundles (directories or .tar.gz), one per hospital.")],
    fmt: Annotated[FleetFormat, typer.Option("--format", help=formats.format_help("fleet"))] = DEFAULT_FLEET,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to FILE (default: standard output).")] = None,
    pubkey: PubkeyOption = None,
) -> None:
    """Verify many hospitals' bundles; one table of verdicts; pass rates over the verified ones only.

    Exit 0 when every bundle verifies against a pinned key, 2 when all are intact but some signer is not
    pinned, 1 when any does not verify.
    """
    from reports.fleet import rates, read_row, rule_titles, to_csv, to_html
    from reports.keys import pinned_fingerprints

    pinned = pinned_fingerprints(pubkey) if pubkey else None
    rows = [read_row(path, pinned) for path in bundles]
    rule_rates = rates(rows, rule_titles())
    if fmt == "table":
        _fleet_table(rows, rule_rates)
    else:
        text = to_csv(rows) if fmt == "csv" else to_html(rows, rule_rates)
        if out_file is None:
            sys.stdout.write(text)
        else:
            _write_output(out_file, text.encode("utf-8"))
            err.print(f"wrote {_text(str(out_file))} ({fmt.value})")
    if not all(row.verified for row in rows):
        raise typer.Exit(ExitCode.FAIL)
    # as `verify`: 0 only when every signer is pinned
    raise typer.Exit(ExitCode.PASS if all(row.pinned for row in rows) else EXIT_UNPINNED)


def _fleet_table(rows: list[Any], rule_rates: list[Any]) -> None:
    """One row per hospital; the verdicts as one column (what is not pass, rule by rule), so the
    table reads at 80 columns; the full grid is in --format csv/html."""
    from rich.table import Table

    from checker.model import VERDICT_ZH

    styles = {"pass": "green", "fail": "bold red", "inconclusive": "yellow", "error": "magenta",
              "not_applicable": "dim"}
    table = Table(title="ihcheck fleet — 多院汇总", show_lines=True)
    table.add_column("Hospital 医院", overflow="fold")
    table.add_column("Verification 验证", overflow="fold", min_width=12)
    table.add_column("Signer 签名者", overflow="fold", max_width=28)
    table.add_column("Checked 检查时间", min_width=10)
    table.add_column("Verdicts 各规则结论", overflow="fold")
    for row in rows:
        if row.verified:
            status = "[green]verified 已验证[/]" + ("" if row.status == "verified" else f"\n{_text(row.status[9:])}")
            lines = [f"[{styles.get(v, '')}]{VERDICT_ZH.get(v, '')} {v}[/] {rule_id.removeprefix('GD2020-')}"
                     for rule_id, v in sorted(row.rules.items()) if v != "pass"]
            passed = sum(v == "pass" for v in row.rules.values())
            verdicts = "\n".join([f"[green]符合 pass[/] {passed} of {len(row.rules)} rules", *lines])
        else:
            status = f"[bold red]NOT VERIFIED\n未通过验证[/]\n{_text(row.status.removeprefix('NOT VERIFIED: '))}"
            verdicts = "— (not counted 不计入)"
        signer = "\n".join(s[:26] + "…" if len(s) > 27 else s for s in row.signer)
        table.add_row(_text(row.hospital), status, _text(signer), row.checked_at, verdicts)
    out.print(table)
    rates_table = Table(title="Pass rate per rule (verified bundles only) 各规则通过率", show_lines=False)
    for column in ("规则 Rule", "通过率 Pass rate", "未通过的医院 Hospitals failing"):
        rates_table.add_column(column, overflow="fold")
    for rate in rule_rates:
        shown = f"{rate.percent:.0f} % ({rate.passed}/{rate.counted})" if rate.percent is not None else "—"
        rule = "\n".join(t for t in (rate.rule_id, rate.title_zh) if t)  # the Chinese title under the id
        rates_table.add_row(_text(rule), shown, _text("、".join(rate.failing)) or "—")
    out.print(rates_table)
    unverified = [row for row in rows if not row.verified]
    out.print(f"{len(rows)} bundle(s): {len(rows) - len(unverified)} verified, {len(unverified)} not verified "
              "(not counted in the rates)")


def _write_output(path: Path, data: bytes) -> None:
    from reports.files import write_atomic

    write_atomic(path, data)


def register(app: typer.Typer) -> None:
    """Mount the evidence commands on the `ihcheck` app."""
    app.add_typer(keys_app, name="keys")
    app.command("verify")(verify)
    app.command("report")(report)
    app.command("diff")(diff)
    app.command("fleet")(fleet)


def bundle_after_check(run: CheckRun, inventory: Path, bundle_dir: Path, keys: SigningKeys | None,
                       *, quiet: bool = False) -> Path:
    """What `ihcheck check --bundle DIR` does once the check ran: sign and write the bundle, say where.

    `keys` were loaded before the check (ihcheck.outputs); None signs with a throw-away key.
    """
    from reports.bundle import write_bundle
    from reports.keys import SigningKeys

    if keys is None:
        keys = SigningKeys.generate(ephemeral=True)
        if not quiet:
            err.print("[yellow]warning:[/] no --sign-key: the bundle is signed with a throw-away key, which proves "
                      "it intact but not who made it; make a lasting key with `ihcheck keys new` for evidence you "
                      "hand in")
    parsed = [h.model_dump(mode="json") for h in run.inventory_hosts] if run.inventory_hosts else None
    written = write_bundle(run.result, inventory, bundle_dir, keys=keys, waivers=list(run.waivers),
                           waivers_file=run.waivers_file, parsed_hosts=parsed)
    redacted = written.manifest["redactions"]["total"]
    if not quiet:
        err.print(f"bundle: {_text(str(written.directory))}"
                  + (f" and {_text(str(written.tarball))}" if written.tarball else "")
                  + f" ({len(written.manifest['files'])} files signed; {redacted} secret(s) redacted)")
    return written.directory


def reports_after_check(run: CheckRun, inventory: Path, requests: tuple[ReportRequest, ...], bundle_dir: Path | None,
                        keys: SigningKeys | None, sarif_help_uri: str | None = None) -> None:
    """`check --report FORMAT:FILE …`: every report rendered from the run's bundle (verified, as `report`
    does); without --bundle, from a bundle made in a temporary folder and removed afterwards."""
    import tempfile

    from reports.load import load_bundle
    from reports.render import write_report

    with tempfile.TemporaryDirectory(prefix="ihcheck-reports-") as scratch:
        if bundle_dir is None:
            bundle_dir = bundle_after_check(run, inventory, Path(scratch) / "bundle", keys, quiet=True)
        loaded = load_bundle(bundle_dir)
        for request in requests:
            write_report(loaded, request.fmt, request.path, sarif_help_uri=sarif_help_uri)
            err.print(f"report: {_text(str(request.path))} ({request.fmt.value})")
