"""Where a secret pattern can match, found by plain substring search before the pattern runs.

Python's `re` has no fast scan for a pattern that starts with a character class or a lookbehind: it tries the
pattern at every position of the text, and the secret-name pattern (`password=`, `db_pass:`…) lazily re-reads
each word it starts in. Over the 90 kB a fleet host answers that was most of the checker's redaction CPU.

Every match of such a pattern holds one of a few literal words (its needles: `pass`, `key`, `://`…) in the
text lowered, and most patterns match within one line. So a finder looks for the next needle with `str.find`
(C's fast search) and runs the pattern only on that needle's line, or, for a pattern that may span lines, only
at the positions a match through that needle would start at. What it returns is the pattern's own match, the
one `pattern.search(text, pos)` returns: tests/reports/test_redact.py holds each finder to its pattern on
generated text, and where lowering could move a position or `re`'s case folding differs from `str.lower`
(İ, ı, ſ, K), the pattern searches the text itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Characters `re.IGNORECASE` matches to an ASCII letter although `str.lower` does not map them to one, or lowers
# to two characters (every such character of Unicode: tests/reports/test_redact.py checks the list).
CASE_FOLDING_APART = "\u0130\u0131\u017f\u212a"


def lowered(text: str) -> str | None:
    """`text` in lower case with every character where it was, or None when lowering cannot stand for the text
    (a needle search of it could miss what a case-insensitive pattern matches)."""
    low = text.lower()
    if len(low) != len(text) or (not text.isascii() and any(c in text for c in CASE_FOLDING_APART)):
        return None
    return low


@dataclass(frozen=True)
class Finder:
    """A pattern and the needles every one of its matches holds (in lower case, in the lowered text).

    `line`: no match spans a line break, so the pattern runs on the lines that hold a needle, each as if the
    text ended at the line's end (the same matches: the character there is a line break, which no match holds
    and which every lookahead and `\\b` of these patterns treats as they treat the text's end). Otherwise
    `starts` says how far before a needle a match through it starts, and the pattern is tried there only."""

    pattern: re.Pattern[str]
    needles: tuple[str, ...] = ()
    line: bool = True
    starts: tuple[int, ...] = (0,)

    def search(self, text: str, low: str | None, pos: int = 0) -> re.Match[str] | None:
        """What `self.pattern.search(text, pos)` returns; `low` is `lowered(text)`."""
        if low is None or not self.needles:
            return self.pattern.search(text, pos)
        ahead = [low.find(needle, pos) for needle in self.needles]
        while True:
            at = -1
            for i, found in enumerate(ahead):
                if 0 <= found < pos:
                    found = ahead[i] = low.find(self.needles[i], pos)
                if found >= 0 and (at < 0 or found < at):
                    at = found
            if at < 0:
                return None
            if self.line:
                start = max(pos, text.rfind("\n", 0, at) + 1)
                end = text.find("\n", at)
                end = len(text) if end < 0 else end
                match = self.pattern.search(text, start, end)
                if match is not None:
                    return match
                pos = end + 1
            else:
                for back in self.starts:  # in decreasing order: the leftmost start first
                    if at - back >= pos:
                        match = self.pattern.match(text, at - back)
                        if match is not None:
                            return match
                pos = at + 1


def any_needle(text: str, low: str | None, needles: re.Pattern[str], fallback: re.Pattern[str]) -> bool:
    """Whether `text` may hold one of the literal words `needles` matches (searched in the text lowered, when
    lowering stands for it: one pass in C, where a test of each word in turn cost three times as much on the short
    strings of a JSON document), else whether `fallback` finds one in the text itself."""
    if low is None:
        return fallback.search(text) is not None
    return needles.search(low) is not None


def words(needles: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern of literal words, for `any_needle`."""
    return re.compile("|".join(re.escape(needle) for needle in needles))
