"""Small template helpers of the pages: a verdict as a labelled badge (colour never the only cue: the word is
always there, in Chinese and English), a dict looked up by a variable key, a digest shortened."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from checker.model import VERDICT_ZH

register = template.Library()

ZH = {**{str(k): v for k, v in VERDICT_ZH.items()}, "attested": "文件声明", "none": "未提交"}
EN = {"pass": "pass", "fail": "fail", "inconclusive": "inconclusive", "error": "error",
      "not_applicable": "n/a", "attested": "attested", "none": "none"}


@register.simple_tag
def verdict(value: str | None) -> str:
    key = value or "none"
    return format_html('<span class="v v-{}">{} <span lang="en">{}</span></span>', key, ZH.get(key, key),
                       EN.get(key, key))


BASIS_ZH = {"observed": "实际观测", "declared": "清单声明", "attested": "文件证明", "simulated": "模拟身份"}


@register.simple_tag
def basis(value: str | None) -> str:
    """How a statement is known (checker.model.Basis): only `observed` came from looking at a host."""
    key = str(value or "observed")
    return format_html('{} <span lang="en">{}</span>', BASIS_ZH.get(key, key), key)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def anchor(value: Any) -> str:
    """An observation id (app1#9) as an HTML id: every character but letters and digits as '-'."""
    return "".join(c if c.isascii() and c.isalnum() else "-" for c in str(value))


@register.filter
def short(digest: Any, n: int = 12) -> str:
    text = str(digest or "")
    return text[:n] + "…" if len(text) > n else text
