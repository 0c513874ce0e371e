"""Pure parsers of a host's packet filter: `nft -j list ruleset` and `iptables-save` into its input chains.

Only what decides which incoming packets are accepted is read: each input chain's policy and, in order, its
rules' verdicts with their protocol, destination ports, source addresses, input interface and conntrack state.
A jump or goto into a regular chain is followed (bounded) and its rules take the jump's place, each one
narrowed by the jump's own matches; a match ihcheck does not read is kept as `unread`, so a rule is never taken
to be wider or narrower than it is: a drop with an unread match is not a default deny, and an accept with one is
reported as possibly narrower.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping
from typing import Any, Literal

from probes.facts.firewall import FilterRule, InputChain

MAX_DEPTH = 8  # jumps followed into regular chains; deeper (or a loop) becomes an unread match
_VERDICTS = {"accept": "accept", "drop": "drop", "reject": "reject"}
_IGNORED = {"counter", "log", "limit", "comment", "quota", "meter"}  # statements that decide nothing here


class RulesetError(ValueError):
    """The tool's output is not a ruleset this parser can read."""


def _each(right: Any, one: Callable[[Any], tuple[str, ...] | None]) -> tuple[str, ...] | None:
    """A match's right-hand side read by `one`, or each member of an anonymous set; None if any is unread."""
    if isinstance(right, dict) and "set" in right:
        found: list[str] = []
        for item in right["set"]:
            value = one(item)
            if value is None:
                return None
            found += value
        return tuple(found)
    return one(right)


def _port(right: Any) -> tuple[str, ...] | None:
    if isinstance(right, bool):
        return None
    if isinstance(right, int) or (isinstance(right, str) and right.isdigit()):
        return (str(right),)
    if isinstance(right, dict) and "range" in right:
        low, high = right["range"]
        return (f"{low}-{high}",)
    return None


def _address(right: Any) -> tuple[str, ...] | None:
    if isinstance(right, str):
        return (right,)
    if isinstance(right, dict) and "prefix" in right:
        return (f"{right['prefix']['addr']}/{right['prefix']['len']}",)
    if isinstance(right, dict) and "range" in right:
        low, high = right["range"]
        return (f"{low}-{high}",)
    return None


def _states(right: Any) -> tuple[str, ...] | None:
    if isinstance(right, str):
        return (right,)
    if isinstance(right, list) and all(isinstance(s, str) for s in right):
        return tuple(right)
    if isinstance(right, dict) and "set" in right:
        return _states(right["set"])
    return None


class _Match:
    """The matches of one rule so far (a jump's matches are inherited by the rules it leads to)."""

    def __init__(self) -> None:
        self.protocol: str | None = None
        self.ports: tuple[str, ...] = ()
        self.sources: tuple[str, ...] = ()
        self.interface: str | None = None
        self.states: tuple[str, ...] = ()
        self.unread: list[str] = []

    def copy(self) -> _Match:
        twin = _Match()
        twin.__dict__.update({k: (list(v) if isinstance(v, list) else v) for k, v in self.__dict__.items()})
        return twin

    def rule(self, verdict: str, text: str) -> FilterRule:
        return FilterRule(verdict=verdict, protocol=self.protocol, ports=self.ports, sources=self.sources,
                          interface=self.interface, states=self.states, unread=tuple(self.unread), text=text)


def _nft_match(match: _Match, stmt: Mapping[str, Any]) -> None:
    op = stmt.get("op", "==")
    left, right = stmt.get("left"), stmt.get("right")
    shown = json.dumps(stmt, ensure_ascii=False, sort_keys=True)[:200]
    if op not in ("==", "in"):
        match.unread.append(shown)
        return
    if isinstance(left, dict) and "payload" in left:
        field = left["payload"].get("field")
        proto = left["payload"].get("protocol")
        if field == "dport" and (ports := _each(right, _port)) is not None:
            match.protocol = match.protocol or proto
            match.ports = ports
            return
        if field == "saddr" and proto in ("ip", "ip6") and (sources := _each(right, _address)) is not None:
            match.sources = sources
            return
    if isinstance(left, dict) and "meta" in left:
        key = left["meta"].get("key")
        if key in ("l4proto", "protocol") and isinstance(right, str):
            match.protocol = right
            return
        if key in ("iifname", "iif") and isinstance(right, str):
            match.interface = right
            return
        if key == "nfproto" and isinstance(right, str):
            return  # the family the rule applies to: the chain's family already says it for ip/ip6
    if isinstance(left, dict) and "ct" in left and left["ct"].get("key") == "state" \
            and (states := _states(right)) is not None:
        match.states = states
        return
    match.unread.append(shown)


def _nft_rules(chain: str, table: tuple[str, str], rules: Mapping[tuple[str, str, str], list[list[Any]]],
               inherited: _Match, depth: int) -> list[FilterRule]:
    out: list[FilterRule] = []
    for expr in rules.get((*table, chain), []):
        match = inherited.copy()
        text = json.dumps(expr, ensure_ascii=False, sort_keys=True)[:400]
        for stmt in expr:
            if not isinstance(stmt, dict) or not stmt:
                continue
            kind, body = next(iter(stmt.items()))
            if kind == "match":
                _nft_match(match, body)
            elif kind in _VERDICTS:
                out.append(match.rule(_VERDICTS[kind], text))
                break
            elif kind in ("jump", "goto") and isinstance(body, dict):
                target = str(body.get("target", ""))
                if depth >= MAX_DEPTH or (*table, target) not in rules:
                    match.unread.append(f"{kind} {target} (not followed)")
                    out.append(match.rule("accept", text))  # what it leads to is unknown: possibly accepted
                else:
                    out += _nft_rules(target, table, rules, match, depth + 1)
                if kind == "goto":
                    break
            elif kind == "return":
                return out
            elif kind in _IGNORED:
                continue
            else:
                match.unread.append(json.dumps(stmt, ensure_ascii=False, sort_keys=True)[:200])
    return out


def parse_nft_json(text: str) -> list[InputChain]:
    """The input base chains of `nft -j list ruleset` (filter type, hook input), their rules with jumps followed.

    >>> doc = {"nftables": [{"chain": {"family": "inet", "table": "f", "name": "in", "type": "filter",
    ...   "hook": "input", "prio": 0, "policy": "drop"}}, {"rule": {"family": "inet", "table": "f", "chain": "in",
    ...   "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
    ...   "right": 22}}, {"accept": None}]}}]}
    >>> [c.rules[0].describe() for c in parse_nft_json(json.dumps(doc))]
    ['accept tcp port 22']
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RulesetError(f"nft -j output is not JSON: {exc}") from None
    items = doc.get("nftables") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise RulesetError("nft -j output has no nftables list")
    chains: list[dict[str, Any]] = []
    rules: dict[tuple[str, str, str], list[list[Any]]] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        if isinstance(chain := item.get("chain"), dict) and chain.get("hook") == "input" \
                and chain.get("type", "filter") == "filter" and chain.get("family") in ("ip", "ip6", "inet"):
            chains.append(chain)
        if isinstance(rule := item.get("rule"), dict):
            key = (str(rule.get("family")), str(rule.get("table")), str(rule.get("chain")))
            rules.setdefault(key, []).append(list(rule.get("expr") or []))
    found = []
    for chain in sorted(chains, key=lambda c: (c.get("prio", 0) if isinstance(c.get("prio"), int) else 0)):
        table = (str(chain["family"]), str(chain.get("table")))
        found.append(InputChain(family=chain["family"], table=table[1], name=str(chain.get("name")),
                                policy="drop" if chain.get("policy") == "drop" else "accept",
                                rules=tuple(_nft_rules(str(chain.get("name")), table, rules, _Match(), 0))))
    return found


def _iptables_rule(args: list[str], match: _Match) -> tuple[str | None, str | None]:
    """Read one `-A CHAIN …` rule's matches into `match`; (verdict or None, jump target or None)."""
    verdict: str | None = None
    target: str | None = None
    negate = False
    i = 0
    while i < len(args):
        arg = args[i]
        value = args[i + 1] if i + 1 < len(args) else ""
        if arg == "!":
            negate = True
            i += 1
            continue
        if negate and arg not in ("-j", "-g"):
            match.unread.append(f"! {arg} {value}")
            negate = False
            i += 2
            continue
        if arg in ("-p", "--protocol"):
            match.protocol = value
        elif arg in ("-s", "--source"):
            match.sources = tuple(value.split(","))
        elif arg in ("-i", "--in-interface"):
            match.interface = value
        elif arg in ("--dport", "--destination-port"):
            match.ports = (value.replace(":", "-"),)
        elif arg in ("--dports", "--destination-ports"):
            match.ports = tuple(p.replace(":", "-") for p in value.split(","))
        elif arg in ("--ctstate", "--state"):
            match.states = tuple(s.lower() for s in value.split(","))
        elif arg in ("-m", "--match"):
            pass  # the module's own options follow and are read (or kept unread) one by one
        elif arg in ("-j", "--jump", "-g", "--goto"):
            if value.lower() in _VERDICTS:
                verdict = _VERDICTS[value.lower()]
            elif value in ("LOG", "NFLOG"):
                pass
            elif value == "RETURN":
                verdict = "return"
            else:
                target = value
            if arg in ("-g", "--goto") and target:
                verdict = "goto"
            i += 2
            if verdict in _VERDICTS.values() or verdict == "return":
                # options after a target are the target's (e.g. --reject-with)
                break
            continue
        elif arg.startswith("-"):
            match.unread.append(f"{arg} {value}".strip())
        i += 2
    return verdict, target


def parse_iptables_save(text: str, family: Literal["ip", "ip6"] = "ip") -> list[InputChain]:
    """The filter table's INPUT chain of `iptables-save` (family ip) or `ip6tables-save` (ip6), jumps followed.

    >>> out = "*filter\\n:INPUT DROP [0:0]\\n-A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 22 -j ACCEPT\\nCOMMIT\\n"
    >>> [r.describe() for r in parse_iptables_save(out)[0].rules]
    ['accept tcp port 22 from 10.0.0.0/8']
    """
    table = None
    policies: dict[str, str] = {}
    rules: dict[str, list[tuple[list[str], str]]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("*"):
            table = line[1:]
        elif table != "filter" or not line or line.startswith("#"):
            continue
        elif line.startswith(":"):
            name, _, rest = line[1:].partition(" ")
            policies[name] = rest.split(" ", 1)[0]
        elif line.startswith("-A "):
            try:
                args = shlex.split(line)
            except ValueError:
                args = line.split()
            rules.setdefault(args[1], []).append((args[2:], line))
    if "INPUT" not in policies:
        return []

    def walk(chain: str, inherited: _Match, depth: int) -> list[FilterRule]:
        out: list[FilterRule] = []
        for args, line in rules.get(chain, []):
            match = inherited.copy()
            verdict, target = _iptables_rule(args, match)
            if verdict == "return":
                return out
            if verdict in ("accept", "drop", "reject"):
                out.append(match.rule(verdict, line))
            elif target:
                if depth >= MAX_DEPTH or (target not in rules and target not in policies):
                    match.unread.append(f"-j {target} (not followed)")
                    out.append(match.rule("accept", line))
                else:
                    out += walk(target, match, depth + 1)
        return out

    policy = "drop" if policies["INPUT"] == "DROP" else "accept"
    rules_in = tuple(walk("INPUT", _Match(), 0))
    return [InputChain(family=family, table="filter", name="INPUT", policy=policy, rules=rules_in)]
