"""The text a person sees on an HTML page: tags, scripts, styles and templates dropped, whitespace collapsed.

Pure: bytes in, text out. The page is the hospital's (or whoever answers at its address): it is parsed as data
by the standard library's tolerant HTML tokenizer and only its text nodes are kept, so nothing of it is ever
run, rendered or handed on as markup.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

MAX_TEXT = 200_000  # characters of visible text kept per page: far above any licence/fees page
_HIDDEN = frozenset({"script", "style", "template", "noscript", "svg", "head"})
_BLOCK = frozenset({"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section",
                    "article", "header", "footer", "table", "ul", "ol", "dl", "dt", "dd", "title", "main", "nav"})
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.size = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden and self.size < MAX_TEXT:
            self.parts.append(data)
            self.size += len(data)


def charset(body: bytes, content_type: str | None = None) -> str:
    """The page's declared encoding (header, then <meta>), utf-8 when none or unknown.

    >>> charset(b'<meta charset="gbk">'), charset(b"", "text/html; charset=GB2312"), charset(b"", None)
    ('gbk', 'gb2312', 'utf-8')
    """
    declared = None
    if content_type and "charset=" in content_type.lower():
        declared = content_type.lower().split("charset=", 1)[1].split(";")[0].strip().strip('"')
    if not declared:
        found = _CHARSET.search(body[:4096])
        declared = found.group(1).decode("ascii").lower() if found else None
    try:
        return "".join(declared).lower() if declared and "".encode(declared) == b"" else "utf-8"
    except LookupError:
        return "utf-8"


def visible_text(body: bytes, content_type: str | None = None) -> str:
    """The page's visible text, one line per block, at most MAX_TEXT characters.

    >>> visible_text("<html><head><title>t</title><script>var x='执业许可证'</script></head>"
    ...              "<body><h1>亮证</h1><p>许可证号：<b>PDY-1</b></p><style>p{}</style></body></html>".encode())
    '亮证\\n许可证号：PDY-1'
    """
    parser = _Text()
    parser.feed(body.decode(charset(body, content_type), "replace"))
    parser.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)[:MAX_TEXT]
