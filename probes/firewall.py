"""The host's packet filter, read-only: `nft -j list ruleset`, or `iptables-save` and `ip6tables-save` where nft
is absent.

Both only list; neither changes a rule. Reading the ruleset needs CAP_NET_ADMIN (root): a login without it is
told "Operation not permitted", and the fact then says so (`readable` False with the reason) instead of an
empty ruleset, which would read as "no firewall". Rules that iptables-nft wrote with its extensions show in nft's
JSON as `xt` expressions nft cannot spell out; iptables-save reads those tables in full, so it is asked too.
"""

from __future__ import annotations

from probes.facts.firewall import FirewallFacts, InputChain
from probes.observation import Observation
from probes.parse.firewall import RulesetError, parse_iptables_save, parse_nft_json
from probes.transport import Session

NFT = "nft -j list ruleset"
IPTABLES = "iptables-save -t filter"
IP6TABLES = "ip6tables-save -t filter"
_DENIED = ("Operation not permitted", "Permission denied", "must be root")


def _why(obs: Observation, tool: str) -> str:
    if obs.exit_status == 127:
        return f"{tool} is not installed"
    err = obs.stderr.strip()
    if any(d in err for d in _DENIED):
        return f"{tool} may not read the ruleset as this user (needs root or CAP_NET_ADMIN): {err[:160]}"
    if obs.truncated:
        return f"`{tool}` output was longer than the output cap and was cut: the ruleset was not read whole"
    return f"`{tool}` failed (exit {obs.exit_status}): {err[:160]}"


def _iptables(session: Session, used: list[str]) -> tuple[list[InputChain] | None, bool, str]:
    """The filter tables as iptables-save and ip6tables-save print them: (chains or None, IPv6 seen, why not)."""
    obs = session.run(IPTABLES)
    used.append(obs.id)
    if not obs.ok or obs.truncated:
        return None, False, _why(obs, "iptables-save")
    chains = parse_iptables_save(obs.stdout)
    six = session.run(IP6TABLES)
    used.append(six.id)
    if not six.ok or six.truncated:
        return chains, False, _why(six, "ip6tables-save")
    return chains + parse_iptables_save(six.stdout, "ip6"), True, ""


def plan(session: Session) -> tuple[str, ...]:
    """The command this probe runs whatever it finds (sent ahead in the host's batch)."""
    return (NFT,)


def collect(session: Session) -> FirewallFacts:
    used: list[str] = []
    notes: list[str] = []
    obs = session.run(NFT)
    used.append(obs.id)
    if obs.ok and not obs.truncated:
        try:
            chains = parse_nft_json(obs.stdout)
        except RulesetError as exc:
            return FirewallFacts(readable=False, tool="nft", reason=str(exc), observations=tuple(used))
        if '"xt"' in obs.stdout:
            legacy, v6, why = _iptables(session, used)
            if legacy is None:
                notes.append(f"nft shows iptables extensions it cannot spell out and {why}: those matches are "
                             "kept as unread")
            else:
                replaced = {"ip", "ip6"} if v6 else {"ip"}
                chains = [c for c in chains if not (c.family in replaced and c.table == "filter")] + legacy
                notes.append("the filter tables iptables-nft wrote were read with iptables-save"
                             + (" and ip6tables-save" if v6 else f" ({why})"))
        return FirewallFacts(tool="nft", readable=True, ipv6_seen=True, chains=tuple(chains),
                             observations=tuple(used), notes=tuple(notes))
    nft_why = _why(obs, "nft")
    if obs.exit_status != 127:
        return FirewallFacts(readable=False, tool="nft", reason=nft_why, observations=tuple(used))
    legacy, v6, why = _iptables(session, used)
    if legacy is None:
        return FirewallFacts(readable=False, reason=f"{nft_why}; {why}", observations=tuple(used))
    notes.append(f"{nft_why}: read with iptables-save" + (" and ip6tables-save" if v6 else f"; IPv6 not seen ({why})"))
    return FirewallFacts(tool="iptables-save", readable=True, ipv6_seen=v6, chains=tuple(legacy),
                         observations=tuple(used), notes=tuple(notes))
