"""What reaches a terminal: host-supplied text without control sequences, messages as text (not markup).

A host's output (a hostname, a process name, an error message, a document title in a bundle) can hold
ANSI/OSC escape sequences: colours, a changed window title, hyperlinks, a cleared screen, or worse on
some terminals. Everything a host or a bundle supplied goes through `clean` before it is printed; rich
consoles are made with emoji codes off, so `:pile_of_poo:` or `begin:end:step` print as typed.

X
'db1 redok\\n'
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console

# CSI (ESC [ … final), OSC (ESC ] … BEL or ST), other ESC sequences, then any C0/C1 control but \n and \t.
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-_]?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def clean(text: object) -> str:
    """Text safe to show on a terminal: escape sequences and control characters removed (newline, tab kept)."""
    return _CONTROL.sub("", str(text))


def console(**kwargs: Any) -> Console:
    """A rich console that never turns `:name:` into an emoji."""
    return Console(emoji=False, **kwargs)
