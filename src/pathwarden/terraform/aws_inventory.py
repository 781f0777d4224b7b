"""AWS instances, ENIs, SG attachments, subnets, VPCs and prefix lists from Terraform values.

Security groups bind to ENIs (cloud-semantics.md pitfall 4): ``aws_instance``'s
``vpc_security_group_ids`` are its primary ENI's groups, so an instance is one workload (its
primary ENI, or ``tf:ADDRESS`` before it exists). A workload whose private IP is known only
after apply is evaluated at a placeholder address inside its subnet (reported), so CIDR rules
that cover the subnet and the subnet's NACL apply to it as they will.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from typing import Any

from pathwarden.model import NOWHERE, AddressSet, Network, PrefixList, Subnet, Workload
from pathwarden.model.addresses import parse_network
from pathwarden.providers.jsondoc import Node
from pathwarden.terraform.plan import Resource
from pathwarden.terraform.world import World


class AwsInventory:
    def __init__(self, world: World, label: str) -> None:
        self.world = world
        self.label = label
        self._instances: dict[str, list[str]] | None = None

    def _by_instance(self) -> dict[str, list[str]]:
        """Instance id -> its workload ids, built once from the baseline."""
        if self._instances is None:
            self._instances = {}
            for x in self.world.workloads.values():
                if x.instance:
                    self._instances.setdefault(x.instance, []).append(x.id)
        return self._instances

    def _cidrs(self, r: Resource, *keys: str) -> AddressSet:
        out = NOWHERE
        for key in keys:
            value, known = self.world.value(r, key)
            if known and isinstance(value, str) and value:
                try:
                    out = out | AddressSet.of_network(parse_network(value))
                except ValueError:
                    Node({key: value}, f"{self.label}: {r.address}").fail(
                        key, f"expected a CIDR block, found {value!r}"
                    )
        return out

    # -- networks ------------------------------------------------------------------------------
    def vpc(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        if after is None:
            assert before is not None
            w.networks.pop(w.id_of(before), None)
            return
        vid = w.id_of(after)
        old = w.networks.get(vid)
        cidrs = self._cidrs(after, "cidr_block", "ipv6_cidr_block")
        net = Network(id=vid, cloud="aws", cidrs=cidrs, name=_name(after))
        w.networks[vid] = replace(net, peers=old.peers) if old else net

    def subnet(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        if after is None:
            assert before is not None
            w.subnets.pop(w.id_of(before), None)
            return
        sid = w.id_of(after)
        old = w.subnets.get(sid)
        vpc, _ = w.value(after, "vpc_id")
        w.subnets[sid] = Subnet(
            id=sid,
            cloud="aws",
            network=vpc if isinstance(vpc, str) else (old.network if old else ""),
            cidrs=self._cidrs(after, "cidr_block", "ipv6_cidr_block"),
            filters=old.filters if old else (),
            name=_name(after),
            tags=_tags(after),
        )

    def prefix_list(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        if after is None:
            assert before is not None
            w.prefix_lists.pop(w.id_of(before), None)
            return
        pid = w.id_of(after)
        entries = [e.get("cidr") for e in after.values.get("entry") or () if isinstance(e, dict)]
        texts = tuple(str(e) for e in entries if e)
        addresses = AddressSet.union_all(AddressSet.of_network(parse_network(t)) for t in texts)
        max_entries = after.values.get("max_entries")
        w.prefix_lists[pid] = PrefixList(
            pid,
            str(after.values.get("name") or ""),
            addresses,
            texts,
            max_entries if isinstance(max_entries, int) else 0,
        )

    def prefix_list_entry(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        for r, add in ((before, False), (after, True)):
            if r is None:
                continue
            pid, known = w.value(r, "prefix_list_id")
            cidr = r.values.get("cidr")
            if not known or not isinstance(cidr, str):
                if add:
                    w.assume(r, "prefix_list_id", "not evaluated: the prefix list is unknown")
                continue
            pl = w.prefix_lists.get(str(pid)) or PrefixList(str(pid), "", NOWHERE)
            entries = [e for e in pl.entries if e != cidr] + ([cidr] if add else [])
            addresses = AddressSet.union_all(
                AddressSet.of_network(parse_network(e)) for e in entries
            )
            w.prefix_lists[str(pid)] = replace(pl, entries=tuple(entries), addresses=addresses)

    # -- workloads -----------------------------------------------------------------------------
    def instance(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        if after is None:
            assert before is not None
            iid = w.id_of(before)
            for wid in [x.id for x in w.workloads.values() if x.instance == iid]:
                w.workloads.pop(wid)
            return
        iid = w.id_of(after)
        eni = after.values.get("primary_network_interface_id")
        if not isinstance(eni, str) or not eni:
            mine = self._by_instance().get(iid, [])
            eni = mine[0] if mine else "tf:" + after.address
            if eni not in w.workloads:
                self._by_instance().setdefault(iid, []).append(eni)
        self._workload(after, str(eni), iid, "vpc_security_group_ids", ("private_ip",))

    def network_interface(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        if after is None:
            assert before is not None
            w.workloads.pop(w.id_of(before), None)
            return
        attachment = after.values.get("attachment")
        inst = ""
        if isinstance(attachment, list) and attachment and isinstance(attachment[0], dict):
            inst = str(attachment[0].get("instance") or "")
        self._workload(
            after,
            w.id_of(after),
            inst,
            "security_groups",
            ("private_ips", "private_ip_list", "private_ip"),
        )

    def _workload(
        self, r: Resource, wid: str, instance: str, sg_attr: str, ip_attrs: tuple[str, ...]
    ) -> None:
        w = self.world
        old = w.workloads.get(wid)
        groups, complete = w.values(r, sg_attr)
        filters = tuple(str(g) for g in groups)
        if not complete:
            filters = tuple(dict.fromkeys(filters + (old.filters if old else ())))
            w.assume(r, sg_attr, "only the security groups that could be resolved")
        subnet, _ = w.value(r, "subnet_id")
        sid = str(subnet) if isinstance(subnet, str) else (old.subnet if old else "")
        addresses: list[str] = []
        for attr in ip_attrs:
            got, _ = w.values(r, attr)
            addresses += [str(a) for a in got if isinstance(a, str) and a]
        if not addresses and old is not None:
            addresses = list(old.addresses)
        if not addresses:
            placeholder = _placeholder(w.subnets.get(sid))
            if placeholder:
                addresses = [placeholder]
                w.assume(r, "private_ip", f"evaluated at {placeholder}, inside its subnet")
            else:
                w.assume(r, "private_ip", "not evaluated: no address and no subnet CIDR known")
        s = w.subnets.get(sid)
        network = s.network if s else (old.network if old else "")
        tags = _tags(r)
        w.workloads[wid] = Workload(
            id=wid,
            cloud="aws",
            addresses=tuple(dict.fromkeys(addresses)),
            network=network,
            subnet=sid,
            filters=tuple(dict.fromkeys(filters)),
            account=old.account if old else "",
            region=old.region if old else "",
            name=_name(r) or (old.name if old else ""),
            instance=instance or (old.instance if old else ""),
            kind=old.kind if old else "interface",
            tags=tags if tags or old is None else old.tags,
            instance_tags=old.instance_tags if old else (),
        )
        w.origin[wid] = r.address

    def sg_attachment(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        for r, add in ((before, False), (after, True)):
            if r is None:
                continue
            gid, g_known = w.value(r, "security_group_id")
            eni, e_known = w.value(r, "network_interface_id")
            target = w.workloads.get(str(eni)) if e_known else None
            if not g_known or target is None:
                if add:
                    w.assume(r, "network_interface_id", "not evaluated: ENI or group unknown")
                continue
            groups = [g for g in target.filters if g != gid] + ([str(gid)] if add else [])
            w.workloads[target.id] = replace(target, filters=tuple(groups))


def _placeholder(subnet: Subnet | None) -> str:
    if subnet is None:
        return ""
    for net in subnet.cidrs.networks():
        if net.version == 4 and net.num_addresses >= 8:
            return str(ipaddress.IPv4Address(int(net.network_address) + 4))
    return ""


def _tags(r: Resource) -> tuple[tuple[str, str], ...]:
    tags: Any = r.values.get("tags")
    if not isinstance(tags, dict):
        return ()
    return tuple(sorted((str(k), str(v)) for k, v in tags.items() if v is not None))


def _name(r: Resource) -> str:
    for k, v in _tags(r):
        if k == "Name":
            return v
    return ""
