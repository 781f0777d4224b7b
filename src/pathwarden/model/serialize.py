"""The normalised estate as JSON, and back, exactly.

This is the document the planner's RFC 6902 JSON Patches are written against, so its shape is
part of the ChangeSet contract (docs/planner.md):

- ``filters`` is an object keyed by filter id; each filter's ``rules`` is an object keyed by
  rule id (``/filters/sg-0backup/rules/sgr-0cb5a65e9050f9b73``), so a patch names the rule it
  touches by its cloud id rather than by a list position that shifts;
- ``services`` is a short text (:func:`services_text`): ``tcp/443``, ``tcp/22,1024-65535
  udp/53``, ``icmp/3:4`` (ICMP ``type:code``), ``icmp`` (all of it), ``all``;
- address sets are lists of CIDRs (the fewest prefixes that cover the set exactly);
- ``route_tables``, ``attachments`` and ``gateways`` are objects keyed by id
  (:mod:`pathwarden.model.serialize_routes`).

``estate_from_json(estate_to_json(e)) == e`` for every estate (tests/unit/test_serialize_*.py);
lists in ``options`` come back as tuples, the only container the loaders put there.

>>> services_text(services_from_text("tcp/22,443 udp icmp/3:4"))
'tcp/22,443 udp icmp/3:4'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from pathwarden.errors import InputError
from pathwarden.model.addresses import AddressSet
from pathwarden.model.estate import Estate, Network, Notice, PrefixList, Subnet, Workload
from pathwarden.model.intervals import IntervalSet
from pathwarden.model.routes import Peering
from pathwarden.model.rules import Action, Direction, Filter, FilterKind, Peer, PeerKind, Rule
from pathwarden.model.serialize_routes import routing_from_json, routing_json
from pathwarden.model.services import (
    ALL_SERVICES,
    BLOCK,
    ICMPS,
    NUMBERS,
    PORT_MAX,
    PROTO_MAX,
    ServiceSet,
    protocol_name,
)

FORMAT = "pathwarden/estate"
VERSION = 1
Json = dict[str, Any]


# -- services ----------------------------------------------------------------------------------
def _value_text(proto: int, v: int) -> str:
    return f"{v // 256}:{v % 256}" if proto in ICMPS else str(v)


def services_text(services: ServiceSet) -> str:
    """Exact, readable text for a service set (see the module docstring)."""
    if services == ALL_SERVICES:
        return "all"
    parts = []
    for proto, ranges in services.by_protocol():
        name = protocol_name(proto)
        if ranges == ((0, PORT_MAX),):
            parts.append(name)
            continue
        spans = [
            _value_text(proto, lo) if lo == hi else f"{_value_text(proto, lo)}-"
            f"{_value_text(proto, hi)}"
            for lo, hi in ranges
        ]
        parts.append(f"{name}/{','.join(spans)}")
    return " ".join(parts)


def _parse_value(proto: int, text: str) -> int:
    if proto in ICMPS:
        t, _, c = text.partition(":")
        value = int(t) * 256 + int(c)
    else:
        value = int(text)
    if not 0 <= value <= PORT_MAX:
        raise ValueError(text)
    return value


def services_from_text(text: str) -> ServiceSet:
    """Inverse of :func:`services_text`; raises :class:`InputError` on bad text."""
    if text.strip() == "all":
        return ALL_SERVICES
    ranges: list[tuple[int, int]] = []
    for token in text.split():
        name, _, spans = token.partition("/")
        proto = NUMBERS.get(name)
        if proto is None:
            if not (name.isascii() and name.isdigit()) or int(name) > PROTO_MAX:
                raise InputError(f"services {text!r}: unknown protocol {name!r}")
            proto = int(name)
        base = proto * BLOCK
        if not spans:
            ranges.append((base, base + PORT_MAX))
            continue
        for span in spans.split(","):
            lo_s, dash, hi_s = span.partition("-")
            try:
                lo = _parse_value(proto, lo_s)
                hi = _parse_value(proto, hi_s) if dash else lo
            except ValueError:
                raise InputError(f"services {text!r}: bad range {span!r}") from None
            if lo > hi:
                raise InputError(f"services {text!r}: empty range {span!r}")
            ranges.append((base + lo, base + hi))
    return ServiceSet(IntervalSet(ranges))


# -- addresses ---------------------------------------------------------------------------------
def addresses_json(a: AddressSet) -> list[str]:
    return a.describe()


def addresses_from_json(items: list[str]) -> AddressSet:
    return AddressSet.from_cidrs(items)


# -- rules and filters -------------------------------------------------------------------------
def peer_json(p: Peer) -> Json:
    return {
        "kind": p.kind.value,
        "value": p.value,
        "account": p.account,
        "network": p.network,
        "peering": p.peering,
        "peering_status": p.peering_status,
    }


def peer_from_json(d: Mapping[str, Any]) -> Peer:
    return Peer(
        PeerKind(d["kind"]),
        d.get("value", ""),
        account=d.get("account"),
        network=d.get("network"),
        peering=d.get("peering"),
        peering_status=d.get("peering_status"),
    )


def rule_json(r: Rule) -> Json:
    """One rule without its id (the id is the key it is stored under)."""
    return {
        "filter": r.filter_id,
        "action": r.action.value,
        "direction": r.direction.value,
        "services": services_text(r.services),
        "src": [peer_json(p) for p in r.src],
        "dst": [peer_json(p) for p in r.dst],
        "order": r.order,
        "src_ports": None if r.src_ports is None else [list(x) for x in r.src_ports],
        "description": r.description,
        "implied": r.implied,
        "disabled": r.disabled,
    }


def rule_from_json(rule_id: str, d: Mapping[str, Any]) -> Rule:
    sp = d.get("src_ports")
    return Rule(
        rule_id,
        d["filter"],
        Action(d["action"]),
        Direction(d["direction"]),
        services_from_text(d["services"]),
        src=tuple(peer_from_json(p) for p in d.get("src", [])),
        dst=tuple(peer_from_json(p) for p in d.get("dst", [])),
        order=int(d.get("order", 0)),
        src_ports=None if sp is None else tuple((int(a), int(b)) for a, b in sp),
        description=d.get("description", ""),
        implied=bool(d.get("implied", False)),
        disabled=bool(d.get("disabled", False)),
    )


def _pairs(items: tuple[tuple[str, str], ...]) -> list[list[str]]:
    return [[k, v] for k, v in items]


def _tuples(items: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in items)


def filter_json(f: Filter) -> Json:
    rules: Json = {}
    for r in f.rules:
        if r.id in rules:
            raise InputError(f"filter {f.id}: rule id {r.id} appears twice; cannot serialise")
        rules[r.id] = rule_json(r)
    return {
        "kind": f.kind.value,
        "cloud": f.cloud,
        "name": f.name,
        "network": f.network,
        "account": f.account,
        "region": f.region,
        "default": f.default.value,
        "layer": f.layer,
        "tags": _pairs(f.tags),
        "rules": rules,
    }


def filter_from_json(filter_id: str, d: Mapping[str, Any]) -> Filter:
    return Filter(
        id=filter_id,
        kind=FilterKind(d["kind"]),
        cloud=d["cloud"],
        rules=tuple(rule_from_json(rid, r) for rid, r in d.get("rules", {}).items()),
        name=d.get("name", ""),
        network=d.get("network", ""),
        account=d.get("account", ""),
        region=d.get("region", ""),
        default=Action(d.get("default", "deny")),
        layer=d.get("layer", ""),
        tags=_tuples(d.get("tags", [])),
    )


# -- inventory ---------------------------------------------------------------------------------
def _workload_json(w: Workload) -> Json:
    return {
        "id": w.id, "cloud": w.cloud, "addresses": list(w.addresses), "network": w.network,
        "subnet": w.subnet, "filters": list(w.filters), "account": w.account,
        "region": w.region, "name": w.name, "instance": w.instance, "kind": w.kind,
        "tags": _pairs(w.tags), "instance_tags": _pairs(w.instance_tags),
        "labels": list(w.labels), "service_account": w.service_account,
        "description": w.description, "public_addresses": list(w.public_addresses),
        "forwarding": w.forwarding,
    }


def _workload_from_json(d: Mapping[str, Any]) -> Workload:
    return Workload(
        id=d["id"], cloud=d["cloud"], addresses=tuple(d["addresses"]), network=d["network"],
        subnet=d["subnet"], filters=tuple(d.get("filters", [])), account=d.get("account", ""),
        region=d.get("region", ""), name=d.get("name", ""), instance=d.get("instance", ""),
        kind=d.get("kind", ""), tags=_tuples(d.get("tags", [])),
        instance_tags=_tuples(d.get("instance_tags", [])), labels=tuple(d.get("labels", [])),
        service_account=d.get("service_account", ""), description=d.get("description", ""),
        public_addresses=tuple(d.get("public_addresses", [])),
        forwarding=bool(d.get("forwarding", False)),
    )


def _subnet_json(s: Subnet) -> Json:
    return {
        "cloud": s.cloud, "network": s.network, "cidrs": addresses_json(s.cidrs),
        "filters": list(s.filters), "account": s.account, "region": s.region, "name": s.name,
        "tags": _pairs(s.tags), "route_table": s.route_table, **_stub(s.stub),
        **({"zone": s.zone} if s.zone else {}),
    }


def _subnet_from_json(sid: str, d: Mapping[str, Any]) -> Subnet:
    return Subnet(
        id=sid, cloud=d["cloud"], network=d["network"], cidrs=addresses_from_json(d["cidrs"]),
        filters=tuple(d.get("filters", [])), account=d.get("account", ""),
        region=d.get("region", ""), name=d.get("name", ""), tags=_tuples(d.get("tags", [])),
        stub=bool(d.get("stub", False)),
        route_table=d.get("route_table", ""),
        zone=d.get("zone", ""),
    )


def _stub(stub: bool) -> Json:
    """``{"stub": true}`` for an object only referenced; nothing for a described one."""
    return {"stub": True} if stub else {}


def _network_json(n: Network) -> Json:
    return {
        "cloud": n.cloud, "cidrs": addresses_json(n.cidrs), "account": n.account,
        "region": n.region, "name": n.name, "peers": list(n.peers), "tags": _pairs(n.tags),
        "routed": n.routed,
        **({"peerings": [asdict(p) for p in n.peerings]} if n.peerings else {}),
        **_stub(n.stub),
    }


def _network_from_json(nid: str, d: Mapping[str, Any]) -> Network:
    return Network(
        id=nid, cloud=d["cloud"], cidrs=addresses_from_json(d["cidrs"]),
        account=d.get("account", ""), region=d.get("region", ""), name=d.get("name", ""),
        peers=tuple(d.get("peers", [])), tags=_tuples(d.get("tags", [])),
        stub=bool(d.get("stub", False)),
        routed=bool(d.get("routed", False)),
        peerings=tuple(Peering(**p) for p in d.get("peerings", [])),
    )


def _prefix_list_json(p: PrefixList) -> Json:
    return {
        "name": p.name, "addresses": addresses_json(p.addresses), "entries": list(p.entries),
        "max_entries": p.max_entries, **_stub(p.stub),
    }


def _prefix_list_from_json(pid: str, d: Mapping[str, Any]) -> PrefixList:
    return PrefixList(
        id=pid, name=d.get("name", ""), addresses=addresses_from_json(d["addresses"]),
        entries=tuple(d.get("entries", [])), max_entries=int(d.get("max_entries", 0)),
        stub=bool(d.get("stub", False)),
    )


def _plain(value: object) -> object:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _tupled(value: object) -> object:
    if isinstance(value, list):
        return tuple(_tupled(v) for v in value)
    return value


# -- the estate --------------------------------------------------------------------------------
def estate_to_json(e: Estate) -> Json:
    return {
        "format": FORMAT,
        "version": VERSION,
        "workloads": [_workload_json(w) for w in e.workloads],
        "filters": {fid: filter_json(f) for fid, f in e.filters.items()},
        "subnets": {sid: _subnet_json(s) for sid, s in e.subnets.items()},
        "networks": {nid: _network_json(n) for nid, n in e.networks.items()},
        "prefix_lists": {pid: _prefix_list_json(p) for pid, p in e.prefix_lists.items()},
        **routing_json(e.route_tables, e.attachments, e.gateways),
        "notices": [{"code": n.code, "message": n.message, "source": n.source}
                    for n in e.notices],
        "partial": e.partial,
        "sources": list(e.sources),
        "options": {k: _plain(v) for k, v in e.options.items()},
    }


def estate_from_json(d: Mapping[str, Any]) -> Estate:
    if d.get("format") != FORMAT or d.get("version") != VERSION:
        raise InputError(
            f"not a normalised estate document (expected format {FORMAT!r} version {VERSION})"
        )
    try:
        return Estate(
            workloads=tuple(_workload_from_json(w) for w in d["workloads"]),
            filters={fid: filter_from_json(fid, f) for fid, f in d["filters"].items()},
            subnets={sid: _subnet_from_json(sid, s) for sid, s in d["subnets"].items()},
            networks={nid: _network_from_json(nid, n) for nid, n in d["networks"].items()},
            prefix_lists={
                pid: _prefix_list_from_json(pid, p) for pid, p in d["prefix_lists"].items()
            },
            **routing_from_json(d),
            notices=tuple(Notice(n["code"], n["message"], n.get("source", ""))
                          for n in d["notices"]),
            partial=bool(d["partial"]),
            sources=tuple(d["sources"]),
            options={k: _tupled(v) for k, v in d["options"].items()},
        )
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(f"malformed normalised estate document: {e}") from e
