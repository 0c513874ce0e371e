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
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from reports.render import Format

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

keys_app = typer.Typer(help="Signing keys for evidence bundles (Ed25519 and SM2).", no_args_is_help=True)

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
    err.print(f"wrote {escape(str(out_dir))}/ (private keys mode 0600: keep them off shared disks)")
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
        err.print(f"warning: {warning}", markup=False)
    if result.ok:
        signer = ", ".join(result.signer or ())
        files = len(result.manifest.get("files", {}))
        if not result.trusted:
            out.print(f"INTACT BUT UNPINNED {bundle}: {files} files, digests and signatures hold, but the signer "
                      f"{signer} was not compared with a registered key (exit {EXIT_UNPINNED}) / {UNPINNED_ZH}",
                      markup=False, style="bold yellow")
            raise typer.Exit(EXIT_UNPINNED)
        who = f" (registered as {result.registered_as})" if result.registered_as else ""
        out.print(f"verified {bundle}: {files} files, SHA-256 + SM3 digests and Ed25519 + SM2 signatures hold; "
                  f"signer {signer}{who} matches the pinned key", markup=False, style="bold green")
        raise typer.Exit(0)
    first = result.first
    assert first is not None
    out.print(f"NOT VERIFIED {bundle}: {first.path}: {first.message}", markup=False, style="bold red")
    for problem in result.problems[1:10]:
        out.print(f"  also {problem.path}: {problem.message}", markup=False)
    if len(result.problems) > 10:
        out.print(f"  … and {len(result.problems) - 10} more", markup=False)
    raise typer.Exit(1)


def report(
    bundle: Annotated[Path, typer.Argument(help="Bundle directory or .tar.gz.")],
    fmt: Annotated[Format, typer.Option("--format", help="Report format.")] = Format.html,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to FILE (default: standard output; "
                                                  "PDF needs --out).")] = None,
    pubkey: PubkeyOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Render a report from a bundle, after verifying it (a bundle that does not verify is refused; one whose
    signer is not pinned is rendered with that said at the top, in Chinese and English)."""
    from reports.keys import load_keyring, pinned_fingerprints
    from reports.load import BundleInvalid, load_bundle
    from reports.render import render

    pinned = pinned_fingerprints(pubkey) if pubkey else None
    try:
        loaded = load_bundle(bundle, pinned, load_keyring(keyring) if keyring else None)
    except BundleInvalid as exc:
        err.print(f"refused: {exc}", markup=False, style="bold red")
        raise typer.Exit(1) from None
    if not loaded.verification.trusted:
        from reports.verify import UNPINNED_WARNING

        err.print(f"warning: {UNPINNED_WARNING}", markup=False)
    data = render(loaded, fmt)
    if out_file is None:
        if fmt is Format.pdf:
            err.print("ihcheck: --format pdf needs --out FILE")
            raise typer.Exit(64)
        sys.stdout.write(data.decode("utf-8"))
        return
    from reports.files import write_atomic

    write_atomic(out_file, data)
    err.print(f"wrote {escape(str(out_file))} ({fmt.value}, {len(data)} bytes)")


def register(app: typer.Typer) -> None:
    """Mount the evidence commands on the `ihcheck` app."""
    app.add_typer(keys_app, name="keys")
    app.command("verify")(verify)
    app.command("report")(report)


def bundle_after_check(result: object, inventory: Path, bundle_dir: Path, sign_key: Path | None,
                       waiver_statuses: list[object], waivers_file: Path | None) -> None:
    """What `ihcheck check --bundle DIR` does once the check ran: sign and write the bundle, say where."""
    from reports.bundle import write_bundle
    from reports.keys import SigningKeys
    from reports.result import CheckResult
    from reports.waivers import WaiverStatus

    assert isinstance(result, CheckResult)
    if sign_key is None:
        keys = SigningKeys.generate(ephemeral=True)
        err.print("[yellow]warning:[/] no --sign-key: the bundle is signed with a throw-away key, which proves "
                  "it intact but not who made it; make a lasting key with `ihcheck keys new` for evidence you hand in")
    else:
        keys = SigningKeys.load(sign_key)
    statuses = [s for s in waiver_statuses if isinstance(s, WaiverStatus)]
    parsed = [h.model_dump(mode="json") for h in result.inventory_hosts] if result.inventory_hosts else None
    written = write_bundle(result, inventory, bundle_dir, keys=keys, waivers=statuses, waivers_file=waivers_file,
                           parsed_hosts=parsed)
    redacted = written.manifest["redactions"]["total"]
    err.print(f"bundle: {escape(str(written.directory))}" + (f" and {escape(str(written.tarball))}" if written.tarball
                                                              else "")
              + f" ({len(written.manifest['files'])} files signed; {redacted} secret(s) redacted)")
