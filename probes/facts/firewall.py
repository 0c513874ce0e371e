"""The host's packet filter as it treats traffic coming in: its input chains, their policies and accept rules."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from probes.facts.base import Fact, Record

AddressFamily = Literal["ip", "ip6", "inet"]


class FilterRule(Record):
    """One rule of an input chain, as far as ihcheck reads its matches (jumps already followed)."""

    verdict: Literal["accept", "drop", "reject"]
    protocol: str | None = Field(default=None, description="tcp, udp, icmp…; None: any")
    ports: tuple[str, ...] = Field(default=(), description="destination ports or ranges (e.g. 22, 1000-2000); (): any")
    sources: tuple[str, ...] = Field(default=(), description="source addresses or prefixes; (): any")
    interface: str | None = Field(default=None, description="the input interface it is limited to")
    states: tuple[str, ...] = Field(default=(), description="conntrack states it is limited to (e.g. established)")
    unread: tuple[str, ...] = Field(default=(), description="matches ihcheck does not read: the rule may be narrower")
    text: str = Field(description="the rule as the tool printed it (or a rendering of its JSON)")

    def covers(self, port: int) -> bool:
        """Whether the rule's destination ports (any, when it names none) include `port`; a port given by a name
        ihcheck cannot resolve covers nothing."""
        if not self.ports:
            return True
        for value in self.ports:
            low, _, high = value.partition("-")
            if low.isdigit() and (not high or high.isdigit()) and int(low) <= port <= int(high or low):
                return True
        return False

    @property
    def unconditional(self) -> bool:
        return (self.protocol is None and not self.ports and not self.sources and self.interface is None
                and not self.states and not self.unread)

    def describe(self) -> str:
        parts: list[str] = [self.verdict]
        if self.protocol:
            parts.append(self.protocol)
        if self.ports:
            parts.append("port " + ",".join(self.ports))
        if self.sources:
            parts.append("from " + ",".join(self.sources))
        if self.interface:
            parts.append(f"in {self.interface}")
        if self.states:
            parts.append("state " + ",".join(self.states))
        if self.unread:
            parts.append("(+ " + "; ".join(self.unread) + ")")
        return " ".join(parts)


class InputChain(Record):
    """A base chain hooked on input (nft) or the filter table's INPUT chain (iptables)."""

    family: AddressFamily
    table: str
    name: str
    policy: Literal["accept", "drop"]
    rules: tuple[FilterRule, ...] = ()

    @property
    def denies_by_default(self) -> bool:
        """Policy drop, or an unconditional drop/reject that every packet not accepted before reaches."""
        return self.policy == "drop" or any(r.verdict != "accept" and r.unconditional for r in self.rules)

    @property
    def covers_ipv4(self) -> bool:
        return self.family in ("ip", "inet")

    def describe(self) -> str:
        return f"{self.family} {self.table} {self.name} (policy {self.policy}, {len(self.rules)} rules)"


class FirewallFacts(Fact):
    """What the host's packet filter does with incoming packets; `readable` False says why it could not be read."""

    tool: Literal["nft", "iptables-save"] | None = Field(default=None, description="the tool the ruleset came from")
    readable: bool
    reason: str | None = Field(default=None, description="why the ruleset could not be read")
    ipv6_seen: bool = Field(default=False, description="whether IPv6 filtering could be read (nft, or ip6tables-save)")
    chains: tuple[InputChain, ...] = ()
