"""Split the output of the baseline probe's batched commands into the files and sections it printed.

The probe reads many files in one command (one round trip per host, not forty) and prints each
behind a marker line carrying a per-run nonce, so a file's own content cannot forge a boundary:

    @@ihcheck-<nonce> text /etc/login.defs
    ...content...
    @@ihcheck-<nonce> missing /etc/security/faillock.conf
    @@ihcheck-<nonce> binary /etc/pam.d/sshd
"""

from __future__ import annotations

from typing import Literal

from probes.facts.base import Record

Status = Literal["text", "missing", "unreadable", "binary", "empty", "output"]
_STATUSES = {"text", "missing", "unreadable", "binary", "empty", "output"}


class Section(Record):
    name: str
    status: Status
    body: str = ""

    @property
    def text(self) -> str | None:
        """The content when it could be read as text (an empty file is empty text)."""
        return self.body if self.status in ("text", "output", "empty") else None


def split_sections(output: str, marker: str) -> dict[str, Section]:
    """Sections by name, in the order printed; a name printed twice keeps the first.

    >>> s = split_sections("@@m text /a\\nx 1\\n\\n@@m missing /b\\n@@m binary /c\\n@@m output ps\\nsshd\\n", "@@m")
    >>> [(k, v.status, v.body) for k, v in s.items()]
    [('/a', 'text', 'x 1\\n'), ('/b', 'missing', ''), ('/c', 'binary', ''), ('ps', 'output', 'sshd\\n')]
    """
    sections: dict[str, Section] = {}
    name: str | None = None
    status = "text"
    body: list[str] = []

    def close() -> None:
        if name is not None and name not in sections:
            text = "".join(body)
            if status == "text" and text.endswith("\n\n"):
                text = text[:-1]  # the newline the probe adds after each file
            sections[name] = Section(name=name, status=status, body=text)

    prefix = marker + " "
    for line in output.splitlines(keepends=True):
        if line.startswith(prefix):
            parts = line[len(prefix) :].rstrip("\n").split(" ", 1)
            if len(parts) == 2 and parts[0] in _STATUSES:
                close()
                status, name, body = parts[0], parts[1], []
                continue
        if name is not None:
            body.append(line)
    close()
    return sections
