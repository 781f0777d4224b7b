"""Load one Azure snapshot folder (what ``az network ... list -o json`` writes, or the ARM REST
list bodies ``pathwarden discover azure`` writes) into an :class:`Estate`.

Files (directly in the folder, or below ``<subscription-id>/``):

- ``network-nsg-list.json`` (``az network nsg list``) and/or ``network-nic-list.json``
  (``az network nic list``): at least one of them marks an Azure snapshot;
- ``network-vnet-list.json`` (``az network vnet list``: subnets, NSG associations, peerings);
- ``network-asg-list.json`` (``az network asg list``);
- optional ``network-service-tags.json`` (``az network list-service-tags --location L``);
- optional ``network-manager-effective-admin-rules/<resource-group>/<vnet-name>.json``: the
  effective AVNM security admin rules of one VNet (REST
  ``listNetworkManagerEffectiveSecurityAdminRules``);
- optional routing files ``network-route-table-list.json`` (``az network route-table list``)
  and ``network-public-ip-list.json`` (``az network public-ip list``), read by :mod:`.routes`.

A list file is either a JSON list (the az CLI) or a REST page ``{"value": [...]}``; a page that
still has a ``nextLink`` makes the estate partial.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace
from pathlib import Path

from pathwarden.errors import SnapshotError
from pathwarden.model import AddressSet, Estate, Filter, Lookup, Missing, Notice, PrefixList
from pathwarden.model.addresses import parse_network
from pathwarden.providers.azure.inventory import Inventory
from pathwarden.providers.azure.routes import PUBLIC_IPS, ROUTE_TABLES, RouteReader
from pathwarden.providers.azure.rules import (
    INTERNET,
    LOAD_BALANCER,
    VIRTUAL_NETWORK,
    RuleParser,
)
from pathwarden.providers.azure.shapes import key, name_of, props, segment, texts
from pathwarden.providers.jsondoc import Node, describe_value, read_json
from pathwarden.providers.manifest import read_manifest
from pathwarden.providers.references import settle

NSGS = "network-nsg-list.json"
NICS = "network-nic-list.json"
VNETS = "network-vnet-list.json"
ASGS = "network-asg-list.json"
SERVICE_TAGS = "network-service-tags.json"
ADMIN_RULES_DIR = "network-manager-effective-admin-rules"
COMMANDS = {
    NSGS: "az network nsg list -o json",
    NICS: "az network nic list -o json",
    VNETS: "az network vnet list -o json",
    ASGS: "az network asg list -o json",
    ROUTE_TABLES: "az network route-table list -o json",
    PUBLIC_IPS: "az network public-ip list -o json",
}
MARKERS = (NSGS, NICS)
EXPECTED = (NSGS, NICS, VNETS, ASGS, SERVICE_TAGS, f"{ADMIN_RULES_DIR}/<rg>/<vnet>.json",
            ROUTE_TABLES, PUBLIC_IPS)
SUBSCRIPTION_FOLDER = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
SERVICE_TAG_PREFIX = "azure-service-tag:"
ASG_PREFIX = "azure-asg:"


def is_snapshot(directory: Path) -> bool:
    return any((directory / m).is_file() for m in MARKERS)


def load_azure_snapshot(directory: Path) -> Estate:
    """Read one subscription's files, or every ``<subscription-id>/`` folder below; references
    to objects not in them are settled (:func:`~pathwarden.providers.references.settle`)."""
    return settle(read_azure_snapshot(directory))


def read_azure_snapshot(directory: Path) -> Estate:
    """:func:`load_azure_snapshot` with its missing references left unsettled."""
    directory = Path(directory)
    if not directory.is_dir():
        raise SnapshotError(str(directory), "not a directory holding an Azure snapshot")
    if is_snapshot(directory):
        return _with_manifest(directory, _Loader(directory).load())
    subs = sorted(
        p for p in directory.iterdir()
        if p.is_dir() and SUBSCRIPTION_FOLDER.fullmatch(p.name) and is_snapshot(p)
    )
    if not subs:
        raise SnapshotError(
            str(directory),
            f"no Azure snapshot files found; expected {' or '.join(MARKERS)} (with "
            f"{', '.join(EXPECTED[2:])}) directly in the folder or below <subscription-id>/",
        )
    merged = Estate.merge([_Loader(p).load() for p in subs])
    # one subscription or several: the routing assumption is said once
    return _with_manifest(directory, replace(merged, notices=tuple(dict.fromkeys(merged.notices))))


def _with_manifest(directory: Path, estate: Estate) -> Estate:
    """A discovery whose calls failed wrote a partial snapshot: the estate says so."""
    manifest = read_manifest(directory)
    if manifest is None or not manifest.partial:
        return estate
    return replace(estate, partial=True, notices=estate.notices + manifest.notices())


def service_tag_id(name: str) -> str:
    return SERVICE_TAG_PREFIX + name.lower()


def _tag(prefix_lists: dict[str, PrefixList], name: str) -> AddressSet | None:
    found = prefix_lists.get(service_tag_id(name))
    return found.addresses if found is not None else None


def asg_set_id(asg_id: str) -> str:
    return ASG_PREFIX + key(asg_id)


class _Loader:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.rules = RuleParser()
        self.inv = Inventory()
        self.partial = False
        self.asg_names: dict[str, Node] = {}  # key(ASG id) -> network-asg-list.json item

    def note(self, code: str, message: str, source: str = "") -> None:
        self.inv.notices.append(Notice(code, message, source))

    def items(self, name: str) -> list[Node] | None:
        """The resources of a list file (None when the file is absent)."""
        path = self.dir / name
        if not path.is_file():
            return None
        label = str(path)
        data = read_json(path, label)
        expected = f"expected a JSON list as `{COMMANDS.get(name, 'az')}` writes, or a REST page"
        if isinstance(data, dict) and "value" in data:
            if data.get("nextLink"):
                self.partial = True
                self.note("truncated-output", f"{name} holds one page only (nextLink is set)",
                          label)
            data = data["value"]
        if not isinstance(data, list):
            one = " (one resource, as `az ... show` writes: put it in a list)" if (
                isinstance(data, dict) and "id" in data) else ""
            raise SnapshotError(label, f"{expected} {{\"value\": [...]}}; found "
                                f"{describe_value(data)}{one}")
        holder = Node({"value": data}, label)
        return holder.children("value")

    def load(self) -> Estate:
        inv = self.inv
        vnets = self.items(VNETS)
        if vnets is None:
            self.note("missing-file", f"{VNETS} is not in the snapshot: VNet address spaces, "
                      "subnet NSGs and peerings are unknown", str(self.dir))
        for v in vnets or ():
            inv.vnet(v)
        inv.finish_networks()
        for n in self.items(NICS) or ():
            inv.nic(n)
        nsg_nodes = self.items(NSGS)
        if nsg_nodes is None:
            self.note("missing-file", f"{NSGS} is not in the snapshot: every NSG is unknown "
                      "and assumed to allow everything", str(self.dir))
        filters: dict[str, Filter] = {}
        listed = []
        for n in nsg_nodes or ():
            f, subnet_ids, nic_ids = self.rules.nsg(n)
            inv.canonical[key(f.id)] = f.id
            filters[f.id] = f
            listed.append((f.id, subnet_ids, nic_ids))
        self._associate(listed)
        inv.resolve_references(vnets is not None, str(self.dir))
        filters = self._scope_nsgs(filters)
        filters.update(self._admin_rules())
        prefix_lists = self._service_tags()
        self._check(filters, prefix_lists, nsgs_listed=nsg_nodes is not None)
        routing = RouteReader(inv, self.items, lambda tag: _tag(prefix_lists, tag),
                              str(self.dir), vnets_listed=vnets is not None,
                              nics_listed=(self.dir / NICS).is_file())
        route_tables = routing.read()
        routing.check_appliances(route_tables)
        inv.notices.extend(routing.notices)
        prefix_lists.update(self._asg_sets())
        self.inv.notices.extend(self.rules.notices)
        return Estate(
            workloads=tuple(inv.workloads.values()), filters=filters, subnets=inv.subnets,
            networks=inv.networks, prefix_lists=prefix_lists, notices=tuple(inv.notices),
            partial=self.partial or routing.partial, sources=(str(self.dir),),
            route_tables=route_tables,
            options={"azure.service_tags_file": bool(prefix_lists)}, missing=tuple(inv.missing),
        )

    def _associate(self, listed: list[tuple[str, list[str], list[str]]]) -> None:
        """The NSGs' own ``subnets``/``networkInterfaces`` lists fill associations the VNet and
        NIC files do not show."""
        inv = self.inv
        by_nic: dict[str, str] = {}
        for nsg_id, subnet_ids, nic_ids in listed:
            for sid in subnet_ids:
                s = inv.subnets.get(inv.canon(sid))
                if s is not None and not s.filters:
                    inv.subnets[s.id] = replace(s, filters=(nsg_id,))
            for n in nic_ids:
                by_nic.setdefault(key(n), nsg_id)
        if not by_nic:
            return
        for wid, w in inv.workloads.items():
            nsg = by_nic.get(key(wid.split("/ipConfigurations/")[0]))
            if not w.filters and nsg:
                inv.workloads[wid] = replace(w, filters=(nsg,))

    def _scope_nsgs(self, filters: dict[str, Filter]) -> dict[str, Filter]:
        """``Filter.network``: the one VNet an NSG is used in ('' when several or none)."""
        used: dict[str, set[str]] = {}
        for s in self.inv.subnets.values():
            for f in s.filters:
                used.setdefault(f, set()).add(s.network)
        for w in self.inv.workloads.values():
            for f in w.filters:
                used.setdefault(f, set()).add(w.network)
        return {
            fid: replace(f, network=next(iter(used[fid]))) if len(used.get(fid, ())) == 1 else f
            for fid, f in filters.items()
        }

    def _admin_rules(self) -> dict[str, Filter]:
        folder = self.dir / ADMIN_RULES_DIR
        if not folder.is_dir():
            self.note("admin-rules-unknown", f"no {ADMIN_RULES_DIR}/ in the snapshot: AVNM "
                      "security admin rules are assumed absent", str(self.dir))
            return {}
        by_name = {
            (key(segment(v, "resourceGroups")), key(n.name)): v
            for v, n in self.inv.networks.items()
        }
        out: dict[str, Filter] = {}
        for path in sorted(folder.glob("*/*.json")):
            vnet = by_name.get((key(path.parent.name), key(path.stem)))
            if vnet is None:
                self.note("admin-rules-orphan", f"{path.parent.name}/{path.name}: no VNet "
                          f"{path.stem} in resource group {path.parent.name}; ignored", str(path))
                continue
            items = self.items(str(path.relative_to(self.dir))) or []
            f = self.rules.admin_filter(vnet, items)
            out[f.id] = f
        return out

    def _asg_sets(self) -> dict[str, PrefixList]:
        """ASG membership is per IP configuration (application-security-groups.md), so the
        member addresses are kept as named address sets next to the service tags."""
        names = self.asg_names
        out: dict[str, PrefixList] = {}
        for k, addresses in self.inv.asg_members.items():
            node = names.get(k)
            name = node.text("name") if node is not None else name_of(k)
            out[asg_set_id(k)] = PrefixList(
                id=asg_set_id(k), name=name,
                addresses=AddressSet.of_ips(ipaddress.ip_address(a) for a in addresses),
                entries=tuple(sorted(set(addresses))),
            )
        return out

    def _service_tags(self) -> dict[str, PrefixList]:
        path = self.dir / SERVICE_TAGS
        if not path.is_file():
            self.note("service-tags-assumed", f"{SERVICE_TAGS} is not in the snapshot: "
                      "VirtualNetwork = the VNet's address space + connected peered VNets + "
                      "168.63.129.16, Internet = every address outside VirtualNetwork, "
                      "AzureLoadBalancer = 168.63.129.16; other service tags match nothing",
                      str(self.dir))
            return {}
        data = read_json(path, str(path))
        if not isinstance(data, dict) or not isinstance(data.get("values"), list):
            raise SnapshotError(str(path), "expected an object with key 'values' as `az network "
                                "list-service-tags --location L -o json` writes")
        out: dict[str, PrefixList] = {}
        for n in Node(data, str(path)).children("values"):
            name = n.require_text("name")
            prefixes = texts(props(n), "addressPrefixes")
            try:
                addresses = AddressSet.union_all(
                    AddressSet.of_network(parse_network(p)) for p in prefixes
                )
            except ValueError as e:
                n.fail("properties.addressPrefixes", f"expected CIDR prefixes ({e})")
            out[service_tag_id(name)] = PrefixList(
                id=service_tag_id(name), name=name, addresses=addresses, entries=tuple(prefixes)
            )
        return out

    def miss(self, kind: str, oid: str, by: str, effect: str, lookup: Lookup,
             key: str = "") -> None:
        self.inv.missing.append(Missing(kind, oid, by, effect, lookup, key, str(self.dir)))

    def _check(self, filters: dict[str, Filter], prefix_lists: dict[str, PrefixList], *,
               nsgs_listed: bool) -> None:
        inv = self.inv
        members = set(inv.asg_members)
        asg_nodes = self.items(ASGS)
        self.asg_names = {key(a.require_text("id")): a for a in asg_nodes or ()}
        for rule_id, asg in self.rules.asg_refs:
            if key(asg) in members:
                continue
            if asg_nodes is not None and key(asg) not in self.asg_names:
                self.miss("ASG", asg, rule_id, "a rule naming it matches no address",
                          Lookup.PREFIX_LIST, asg_set_id(asg))
            else:
                self.note("asg-empty", f"{name_of(rule_id)} names ASG {name_of(asg)}, which has "
                          "no NIC IP configuration in the snapshot: it matches nothing", rule_id)
        builtin = {key(t) for t in (VIRTUAL_NETWORK, INTERNET, LOAD_BALANCER)}
        for tag, rule_id in sorted(self.rules.tag_refs.items()):
            if key(tag) not in builtin and service_tag_id(tag) not in prefix_lists:
                self.note("service-tag-unknown", f"{name_of(rule_id)} names service tag {tag}, "
                          f"whose prefixes are not known ({SERVICE_TAGS} missing or without it): "
                          "it matches nothing", rule_id)
        if not nsgs_listed:
            return  # one missing-file notice says every NSG is unknown
        effect = "that level is treated as allowing everything"
        for w in inv.workloads.values():
            for f in w.filters:
                if f not in filters:
                    self.miss("NSG", f, w.id, effect, Lookup.FILTER)
        for s in inv.subnets.values():
            for f in s.filters:
                if f not in filters:
                    self.miss("NSG", f, s.id, effect, Lookup.FILTER)
