"""Candidate edits for Azure NSG rules and GCP VPC firewall rules (ingress, destination hop).

Same contract as :mod:`.candidates` (one :class:`Candidate` per hop variant, ranked by
collateral then edits, proven by :mod:`.choice`):

Azure (``az_nsg``, first match by priority; docs/azure-semantics.md), per NSG on the
destination's NIC or subnet whose Allow rules let part of the forbidden region in:

- ``narrow_prefix``: every such (non-default) Allow rule's address prefixes minus the
  forbidden addresses; service tags and ASGs are kept as symbols unless they hold a forbidden
  address, then (and only then) they are expanded into prefixes and the reason says so;
- ``deny``: Deny rules at the highest free priorities in 100-4096 *below* (evaluated before)
  the first allowing rule, unique per NSG and direction; the source is the ASG every
  forbidden source carries when there is one (a symbol), else the forbidden prefixes;
- ``remove``: the allowing rules go (the proof keeps every approved path).

GCP (``gcp_vpc``; all VPC rules of a network that target an instance are evaluated together by
priority, deny winning ties; docs/gcp-semantics.md), over the filters targeting the
destination:

- ``narrow_ranges``: ``sourceRanges`` minus the forbidden addresses (tags and service
  accounts kept unless they hold a forbidden address);
- ``deny``: one deny rule per filter that holds an allowing rule (same target), priority one
  below the first allowing rule; one address family per rule, as GCP requires;
- ``remove``.

Ties in rank keep the order above: Azure prefers narrowing (no rule added against the
NSG's quota), GCP the deny rule (the allow rule stays as its owner wrote it).

Quotas: an NSG holds at most :data:`NSG_MAX_RULES` rules and priorities are unique per
direction; a narrowed rule or a deny rule holds at most :data:`MAX_PREFIXES` prefixes.
"""

from __future__ import annotations

from dataclasses import replace

from pathwarden.model import (
    ALL_SERVICES,
    ANY,
    Action,
    AddressSet,
    Direction,
    Filter,
    Peer,
    PeerKind,
    Rule,
    ServiceSet,
    Workload,
)
from pathwarden.model.services import ICMP, ICMPV6, PORT_MAX, TCP, UDP
from pathwarden.planner.candidates import Candidate, Hops, _candidate
from pathwarden.planner.edits import OpKind, RuleOp, apply_to_filter, new_rule_id
from pathwarden.planner.problems import Problem

NSG_MAX_RULES = 1000
NSG_PRIORITY_MIN, NSG_PRIORITY_MAX = 100, 4096
MAX_PREFIXES = 64
AZURE, GCP = "az_nsg", "gcp_vpc"
ESP, AH, SCTP = 50, 51, 132
FULL = ((0, PORT_MAX),)


# -- shared ----------------------------------------------------------------------------------
def _op(kind: OpKind, f: Filter, r: Rule, new: Rule | None, strategy: str, why: str) -> RuleOp:
    if kind is OpKind.ADD:
        assert new is not None
        return RuleOp(kind, f.id, new.id, new, None, strategy, why)
    after = replace(new, id=r.id) if new is not None else None
    return RuleOp(kind, f.id, r.id, after, r, strategy, why)


def narrow_peers(hops: Hops, f: Filter, r: Rule, bad: AddressSet
                 ) -> tuple[tuple[Peer, ...], list[str]]:
    """``r``'s source peers without ``bad``: CIDRs are cut, a symbol holding a bad address is
    expanded into the prefixes of its other addresses (named in the returned notes)."""
    out: list[Peer] = []
    notes: list[str] = []
    peers = r.src or (Peer(PeerKind.CIDR, "0.0.0.0/0"), Peer(PeerKind.CIDR, "::/0"))
    for p in peers:
        have = ANY if p.kind is PeerKind.ANY else hops.resolve(p, f)
        if not (have & bad):
            out.append(p)
            continue
        if p.kind not in (PeerKind.CIDR, PeerKind.ANY):
            notes.append(f"{p.label()} expanded into prefixes: it holds a forbidden address")
        out.extend(Peer(PeerKind.CIDR, n) for n in (have - bad).cidrs())
    return tuple(dict.fromkeys(out)), notes


def _what(r: Rule) -> str:
    label = ", ".join(p.label() for p in r.src) or "any"
    return f"{r.services.describe()} from {label}"


def _narrow_or_remove(hops: Hops, f: Filter, r: Rule, bad: AddressSet, strategy: str
                      ) -> list[RuleOp] | None:
    peers, notes = narrow_peers(hops, f, r, bad)
    if not peers:
        return [_op(OpKind.REMOVE, f, r, None, strategy,
                    f"remove {_what(r)}: nothing is left once the forbidden sources go")]
    if len([p for p in peers if p.kind is PeerKind.CIDR]) > MAX_PREFIXES:
        return None
    why = f"narrow {_what(r)} to {len(peers)} source(s) without the forbidden addresses"
    if notes:
        why += " (" + "; ".join(notes) + ")"
    return [_op(OpKind.MODIFY, f, r, replace(r, src=peers), strategy, why)]


def _involved(hops: Hops, f: Filter, problem: Problem) -> list[Rule]:
    region = problem.region()
    return [r for r in f.direction(Direction.INGRESS)
            if r.action is Action.ALLOW and not r.disabled and (r.services & region.services)
            and hops.peer_set(r, f).overlaps(region.src)]


def _prefixes(addrs: AddressSet) -> list[str]:
    return addrs.cidrs()


# -- Azure -----------------------------------------------------------------------------------
def azure_pieces(services: ServiceSet) -> list[ServiceSet]:
    """``services`` covered by NSG rules (one protocol keyword + destination ports each):
    exact for TCP/UDP ports, ESP and AH; ICMP widens to the Icmp keyword; anything else to
    ``*``."""
    if services == ALL_SERVICES:
        return [ALL_SERVICES]
    blocks = dict(services.by_protocol())
    pieces: list[ServiceSet] = []
    tcp, udp = blocks.pop(TCP, None), blocks.pop(UDP, None)
    if tcp is not None and tcp == udp:
        pieces.append(_ported((TCP, UDP), tcp))
    else:
        pieces += [_ported((p,), rs) for p, rs in ((TCP, tcp), (UDP, udp)) if rs is not None]
    if ICMP in blocks or ICMPV6 in blocks:
        blocks.pop(ICMP, None)
        blocks.pop(ICMPV6, None)
        pieces.append(ServiceSet.protocol(ICMP) | ServiceSet.protocol(ICMPV6))
    for p in (ESP, AH):
        if blocks.get(p) == FULL:
            blocks.pop(p)
            pieces.append(ServiceSet.protocol(p))
    return [ALL_SERVICES] if blocks or len(pieces) > 4 else pieces


def _ported(protos: tuple[int, ...], ranges: tuple[tuple[int, int], ...]) -> ServiceSet:
    return ServiceSet.union_all(ServiceSet.ports(p, lo, hi) for p in protos for lo, hi in ranges)


def _nsgs(hops: Hops, problem: Problem) -> list[Filter]:
    out: dict[str, Filter] = {}
    for m in problem.dst.members:
        subnet = hops.estate.subnets.get(m.workload.subnet)
        for fid in (*m.workload.filters, *(subnet.filters if subnet else ())):
            f = hops.estate.filters.get(fid)
            if f is not None and f.layer == AZURE:
                out.setdefault(fid, f)
    return list(out.values())


def nsg_quota(f: Filter) -> str:
    """Why ``f`` breaks an NSG limit, or ``""``."""
    custom = [r for r in f.rules if not r.implied]
    if len(custom) > NSG_MAX_RULES:
        return f"{f.name} would hold {len(custom)} rules; the limit is {NSG_MAX_RULES}"
    seen: set[tuple[Direction, int]] = set()
    for r in custom:
        if (r.direction, r.order) in seen:
            return f"{f.name}: priority {r.order} ({r.direction.value}) would be used twice"
        seen.add((r.direction, r.order))
    return ""


def _common_asg(hops: Hops, problem: Problem, f: Filter, bad: AddressSet) -> Peer | None:
    members = [m.workload for m in problem.src.members]
    if not members or any(w.cloud != "azure" for w in members):
        return None
    for asg in sorted(set.intersection(*(set(w.labels) for w in members))):
        peer = Peer(PeerKind.ASG, asg)
        addrs = hops.resolve(peer, f)
        if addrs and not (addrs - bad) and problem.src.outside.size() == 0:
            return peer
    return None


def _azure_denies(hops: Hops, f: Filter, problem: Problem, first: int, src: tuple[Peer, ...],
                  strategy: str) -> list[RuleOp]:
    region = problem.region()
    pieces = azure_pieces(region.services)
    used = {r.order for r in f.direction(Direction.INGRESS) if not r.implied}
    free = [n for n in range(min(first - 1, NSG_PRIORITY_MAX), NSG_PRIORITY_MIN - 1, -1)
            if n not in used]
    if len(free) < len(pieces):
        return []
    numbers = sorted(free[:len(pieces)])
    dst_set = region.dst & hops.member_addresses(f.id)
    dst = tuple(Peer(PeerKind.CIDR, n) for n in _prefixes(dst_set))
    if len(dst) > MAX_PREFIXES or len(src) > MAX_PREFIXES:
        return []
    ops = []
    for piece, prio in zip(pieces, numbers, strict=True):
        rule = Rule("", f.id, Action.DENY, Direction.INGRESS, piece, src=src, dst=dst,
                    order=prio, description=f"pathwarden: {problem.finding.path}")
        rule = replace(rule, id=new_rule_id(rule))
        why = (f"deny {piece.describe()} from {', '.join(p.label() for p in src)} at priority "
               f"{prio}, before the allowing rule at {first}")
        if piece != region.services and not (region.services - piece):
            why += " (wider than the finding: an NSG rule names one protocol keyword)"
        ops.append(_op(OpKind.ADD, f, rule, rule, strategy, why))
    return ops


def azure_candidates(hops: Hops, problem: Problem) -> list[Candidate]:
    region = problem.region()
    out: list[Candidate] = []
    for f in _nsgs(hops, problem):
        involved = _involved(hops, f, problem)
        if not involved:
            continue
        hop = f"network security group {f.name} (inbound)"
        variants: dict[str, list[RuleOp]] = {}
        if not any(r.implied for r in involved):  # default rules cannot be narrowed
            narrowed: list[RuleOp] = []
            for r in involved:
                ops = _narrow_or_remove(hops, f, r, region.src, "narrow_prefix")
                if ops is None:
                    narrowed = []
                    break
                narrowed += ops
            variants["narrow_prefix"] = narrowed
        first = min(r.order for r in involved)
        asg = _common_asg(hops, problem, f, region.src)
        if asg is not None:
            variants["deny (application security group)"] = _azure_denies(
                hops, f, problem, first, (asg,), "deny")
        nets = tuple(Peer(PeerKind.CIDR, n) for n in _prefixes(region.src))
        variants["deny (prefixes)"] = _azure_denies(hops, f, problem, first, nets, "deny")
        if not any(r.implied for r in involved):
            variants["remove"] = [_op(OpKind.REMOVE, f, r, None, "remove",
                                      f"remove {_what(r)}: no approved path needs it")
                                  for r in involved]
        for name, ops in variants.items():
            if ops:
                c = _candidate(hops, hop, name, tuple(ops), Direction.INGRESS, problem)
                out.append(replace(c, quota_problem=nsg_quota(apply_to_filter(f, ops))))
    return out


# -- GCP -------------------------------------------------------------------------------------
def _targets(f: Filter, w: Workload) -> bool:
    """A VPC rule group applies to ``w``: same network, and its target tags or service
    accounts (none = every instance) match."""
    if f.network != w.network:
        return False
    tags = {v for k, v in f.tags if k == "target_tag"}
    sas = {v for k, v in f.tags if k == "target_sa"}
    if not tags and not sas:
        return True
    return bool(tags.intersection(w.labels)) or w.service_account in sas


def _gcp_filters(hops: Hops, problem: Problem) -> list[Filter]:
    dst = [m.workload for m in problem.dst.members if m.workload.cloud == "gcp"]
    out = []
    for f in hops.estate.filters.values():
        if f.layer != GCP:
            continue
        if f.id not in hops.members:  # GCP workloads do not list their filters
            hops.members[f.id] = [a for w in hops.estate.workloads if _targets(f, w)
                                  for a in w.addresses]
        if any(_targets(f, w) for w in dst):
            out.append(f)
    return sorted(out, key=lambda f: f.id)


def gcp_cover(services: ServiceSet) -> ServiceSet:
    """The smallest set GCP ``denied[]`` entries can name that covers ``services``: ports for
    tcp, udp and sctp, whole protocols otherwise, ``all`` for everything."""
    if services == ALL_SERVICES:
        return services
    parts = []
    for proto, ranges in services.by_protocol():
        if proto in (TCP, UDP, SCTP):
            parts.append(_ported((proto,), ranges))
        else:
            parts.append(ServiceSet.protocol(proto))
    return ServiceSet.union_all(parts)


def _gcp_denies(hops: Hops, f: Filter, problem: Problem, first: int) -> list[RuleOp]:
    region = problem.region()
    svc = gcp_cover(region.services)
    ops = []
    prio = max(first - 1, 0)
    for one in (AddressSet(v4=region.src.v4), AddressSet(v6=region.src.v6)):
        if not one.size():
            continue
        nets = _prefixes(one)
        if len(nets) > MAX_PREFIXES:
            return []
        src = tuple(Peer(PeerKind.CIDR, n) for n in nets)
        rule = Rule("", f.id, Action.DENY, Direction.INGRESS, svc, src=src, order=prio,
                    description=f"pathwarden: {problem.finding.path}")
        rule = replace(rule, id=new_rule_id(rule))
        why = (f"deny {svc.describe()} from {len(nets)} prefix(es) at priority {prio}, before "
               f"the allowing rule at {first} (same target)")
        ops.append(_op(OpKind.ADD, f, rule, rule, "deny", why))
    return ops


def gcp_candidates(hops: Hops, problem: Problem) -> list[Candidate]:
    region = problem.region()
    filters = _gcp_filters(hops, problem)
    involved = [(f, r) for f in filters for r in _involved(hops, f, problem)]
    if not involved:
        return []
    first = min(r.order for _, r in involved)
    hop = "destination VPC firewall rules (ingress)"
    variants: dict[str, list[RuleOp]] = {}
    for fid in dict.fromkeys(f.id for f, _ in involved):
        f = hops.estate.filters[fid]
        variants[f"deny in {fid}"] = _gcp_denies(hops, f, problem, first)
    narrowed: list[RuleOp] = []
    for f, r in involved:
        ops = _narrow_or_remove(hops, f, r, region.src, "narrow_ranges")
        if ops is None:
            narrowed = []
            break
        narrowed += ops
    variants["narrow_ranges"] = narrowed
    variants["remove"] = [_op(OpKind.REMOVE, f, r, None, "remove",
                              f"remove {_what(r)}: no approved path needs it")
                          for f, r in involved]
    return [_candidate(hops, hop, name, tuple(ops), Direction.INGRESS, problem)
            for name, ops in variants.items() if ops]


def cloud_candidates(hops: Hops, problem: Problem) -> list[Candidate]:
    """The Azure and GCP hop candidates of ``problem`` (unranked)."""
    return azure_candidates(hops, problem) + gcp_candidates(hops, problem)
