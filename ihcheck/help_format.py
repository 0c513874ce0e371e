"""How `--help` reads: the types a user types, and lines measured in terminal cells.

typer's click (its own copy, typer._click) wraps help by counting characters; a Chinese character takes two cells,
so `ihcheck registry --help` ran to 87 columns on an 80-column terminal. Its wrapper here counts cells and may
break a line between two Chinese characters, as Chinese is written. And typer labels each option with its Python
type (`<bool>`, `<list[str]>`, `<path>`); the help shows what a user types instead, as click does.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from typer._click import _textwrap


class CellWrapper(_textwrap.TextWrapper):
    """click's TextWrapper measuring terminal cells, breaking between Chinese characters too."""

    def _split(self, text: str) -> list[str]:
        chunks: list[str] = []
        for chunk in super()._split(text):
            if cell_len(chunk) == len(chunk):
                chunks.append(chunk)
                continue
            run = ""
            for char in chunk:  # each wide character its own chunk, a line may end after it
                if cell_len(char) == 2:
                    chunks += [run, char] if run else [char]
                    run = ""
                else:
                    run += char
            if run:
                chunks.append(run)
        return chunks

    def _handle_long_word(self, reversed_chunks: list[str], cur_line: list[str], cur_len: int, width: int) -> None:
        space_left, last, cut = max(width - cur_len, 1), reversed_chunks[-1], 0
        while cut < len(last) and cell_len(last[:cut + 1]) <= space_left:
            cut += 1
        cut = max(cut, 1)
        cur_line.append(last[:cut])
        reversed_chunks[-1] = last[cut:]

    def _wrap_chunks(self, chunks: list[str]) -> list[str]:
        """textwrap's own loop (click sets no max_lines, no placeholder), with cell_len for len."""
        lines: list[str] = []
        chunks.reverse()
        while chunks:
            cur_line: list[str] = []
            cur_len = 0
            indent = self.subsequent_indent if lines else self.initial_indent
            width = self.width - cell_len(indent)
            if self.drop_whitespace and chunks[-1].strip() == "" and lines:
                del chunks[-1]
            while chunks:
                size = cell_len(chunks[-1])
                if cur_len + size > width:
                    break
                cur_line.append(chunks.pop())
                cur_len += size
            if chunks and cell_len(chunks[-1]) > width:
                self._handle_long_word(chunks, cur_line, cur_len, width)
            if self.drop_whitespace and cur_line and cur_line[-1].strip() == "":
                del cur_line[-1]
            if cur_line:
                lines.append(indent + "".join(cur_line))
        return lines


def _types_as_users_type_them() -> None:
    from typer.core import TyperArgument, TyperOption

    def display_type(self: TyperOption | TyperArgument, ctx: Any) -> str:
        if getattr(self, "is_flag", False):
            return ""
        label = base(self, ctx)
        inner = label[1:-1] if label.startswith("<") and label.endswith(">") else label
        if inner.startswith("list[") and inner.endswith("]"):
            inner = inner[5:-1]
        if "|" in inner:
            return inner
        return {"str": "TEXT", "int": "INTEGER", "float": "FLOAT"}.get(inner, inner.upper())

    base = TyperOption.display_type
    TyperOption.display_type = display_type  # type: ignore[method-assign,assignment]
    TyperArgument.display_type = display_type  # type: ignore[method-assign,assignment]


def install() -> None:
    """Once, before any help is formatted (ihcheck.cli)."""
    _textwrap.TextWrapper = CellWrapper  # type: ignore[misc]  # click's wrap_text imports it at each call
    _types_as_users_type_them()
