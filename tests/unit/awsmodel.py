"""Tiny builders for hand-written AWS estates in the shared model (no loader involved)."""

from __future__ import annotations

from pathwarden.model import (
    Action,
    AddressSet,
    Direction,
    Estate,
    Filter,
    FilterKind,
    Network,
    Peer,
    PeerKind,
    Rule,
    ServiceSet,
    Subnet,
    Workload,
)

IN, OUT = Direction.INGRESS, Direction.EGRESS


def cidr(c: str) -> Peer:
    return Peer(PeerKind.CIDR, c)


def sgref(g: str, status: str | None = None) -> Peer:
    return Peer(PeerKind.SECURITY_GROUP, g, peering_status=status)


def sg(
    gid: str,
    ingress: list[tuple[ServiceSet, Peer]],
    egress: list[tuple[ServiceSet, Peer]],
    vpc: str = "vpc-1",
) -> Filter:
    rules = [
        Rule(f"{gid}-in{i}", gid, Action.ALLOW, IN, s, src=(p,)) for i, (s, p) in enumerate(ingress)
    ] + [
        Rule(f"{gid}-out{i}", gid, Action.ALLOW, OUT, s, dst=(p,))
        for i, (s, p) in enumerate(egress)
    ]
    return Filter(gid, FilterKind.UNION, "aws", tuple(rules), network=vpc, layer="aws_sg")


def nacl(aid: str, entries: list[tuple[int, Direction, str, ServiceSet, str]]) -> Filter:
    rules = [
        Rule(
            f"{aid}#{n}/{'in' if d is IN else 'out'}",
            aid,
            Action(act),
            d,
            s,
            order=n,
            src=(cidr(c),) if d is IN else (),
            dst=(cidr(c),) if d is OUT else (),
        )
        for n, d, act, s, c in entries
    ]
    return Filter(aid, FilterKind.FIRST_MATCH, "aws", tuple(rules), layer="aws_nacl")


def allow_all_nacl(aid: str) -> Filter:
    from pathwarden.model import ALL_SERVICES

    return nacl(
        aid,
        [
            (100, IN, "allow", ALL_SERVICES, "0.0.0.0/0"),
            (100, OUT, "allow", ALL_SERVICES, "0.0.0.0/0"),
        ],
    )


def eni(eid: str, ips: list[str], subnet: str, sgs: list[str], vpc: str = "vpc-1") -> Workload:
    return Workload(eid, "aws", tuple(ips), vpc, subnet, tuple(sgs))


def estate(
    workloads: list[Workload],
    filters: list[Filter],
    subnets: dict[str, str | None],
    vpcs: dict[str, tuple[str, tuple[str, ...]]] | None = None,
    ephemeral: tuple[int, int] = (1024, 65535),
) -> Estate:
    """``subnets``: subnet id -> NACL id (or None); ``vpcs``: id -> (cidr, peer vpc ids)."""
    vpcs = vpcs or {"vpc-1": ("10.0.0.0/16", ())}
    nets = {v: Network(v, "aws", AddressSet.parse(c), peers=p) for v, (c, p) in vpcs.items()}
    wl_vpc = {w.subnet: w.network for w in workloads}
    subs = {
        s: Subnet(s, "aws", wl_vpc.get(s, "vpc-1"), filters=(a,) if a else ())
        for s, a in subnets.items()
    }
    return Estate(
        tuple(workloads),
        {f.id: f for f in filters},
        subs,
        nets,
        options={"aws.ephemeral_ports": ephemeral},
    )
