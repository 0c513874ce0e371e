"""`ihcheck trail verify FILE`: check a hash-chained audit log (format: probes.trail, README "Audit trail").

Exit codes: 0 every link holds, 1 a link is broken (the first broken one is named: line, seq, why),
2 the log holds no record (nothing was verified), 65 the file cannot be read or an option is malformed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from checker.errors import InputError
from ihcheck.terminal import console

trail_app = typer.Typer(help="Hash-chained audit logs (全程留痕、可追溯): the format and its verifier.",
                        no_args_is_help=True, rich_markup_mode=None)
out = console(highlight=False)  # emoji codes off: a path or head prints as typed
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _digest(option: str, value: str | None) -> str | None:
    if value is not None and not _HEX64.fullmatch(value):
        raise InputError(f"{option}: expected 64 lowercase hex digits (a record's hash), got {value!r}")
    return value


@trail_app.command("verify")
def trail_verify(
    file: Annotated[Path, typer.Argument(help="The audit log (JSON Lines, ihcheck.trail/1).")],
    head: Annotated[str | None, typer.Option("--head", help="The head hash kept elsewhere at the last check: "
                                             "the log must end there (finds records removed from the end).")] = None,
    prev: Annotated[str | None, typer.Option("--prev", help="The last hash of the file this one continues "
                                             "(after rotation); default: the genesis, 64 zeros.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Also parse every record as JSON (slower).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Verify the chain, streaming; name the first broken link. Exit 0 intact, 1 broken, 2 empty."""
    from probes.trail import GENESIS, verify

    _digest("--head", head)
    _digest("--prev", prev)
    try:
        result = verify(file, prev=prev or GENESIS, expect_head=head, parse=strict)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise InputError(f"{file}: cannot read the audit log ({exc.strerror})") from None
    if as_json:
        out.print_json(json.dumps(result.model_dump(mode="json") | {"intact": result.intact}))
    elif result.broken is not None:
        out.print(f"{escape(str(file))}: BROKEN at {escape(result.broken.describe())}; "
                  f"{result.records} record(s) before it hold", soft_wrap=True)
    else:
        seqs = f", seq {result.first_seq}–{result.last_seq}" if result.records else ""
        out.print(f"{escape(str(file))}: intact, {result.records} record(s){seqs}; head {result.head} "
                  "(keep it elsewhere and pass it as --head next time)", soft_wrap=True)
    if result.broken is not None:
        raise typer.Exit(1)
    if result.records == 0:
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.add_typer(trail_app, name="trail")
