"""Load one AWS snapshot folder (what ``aws ec2 describe-* --output json`` writes) into an
:class:`Estate`.

Parsing only: this module maps the CLI JSON onto the model as docs/aws-semantics.md needs it
and reports what it had to assume as :class:`Notice` values; how a flow is decided lives in
the engine. The field-level mapping is in :mod:`.rules` (security groups, NACLs),
:mod:`.inventory` (ENIs, instances, subnets, VPCs, prefix lists), :mod:`.services` and, for
the optional routing files, :mod:`.routing`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pathwarden.errors import SnapshotError
from pathwarden.model import Estate, Filter, Lookup, Missing, Network, Notice, PrefixList, Subnet
from pathwarden.providers.aws.ahead import Index, RulesAhead
from pathwarden.providers.aws.files import (
    ALL_FILES,
    EXPECTED,
    INSTANCES,
    MARKERS,
    NETWORK_ACLS,
    NETWORK_INTERFACES,
    PEERINGS,
    PREFIX_LIST_ENTRIES,
    PREFIX_LIST_ENTRIES_DIR,
    PREFIX_LISTS,
    SECURITY_GROUPS,
    SG_RULES,
    SUBNETS,
    VPCS,
    SnapshotFile,
)
from pathwarden.providers.aws.inventory import (
    Inventory,
    active_peerings,
    peerings_of,
    prefix_list,
)
from pathwarden.providers.aws.routing import read_routing
from pathwarden.providers.aws.rules import RuleParser
from pathwarden.providers.jsondoc import Node, gc_paused, open_document
from pathwarden.providers.references import settle

__all__ = ["ALL_FILES", "EXPECTED", "MARKERS", "load_aws_snapshot"]


def load_aws_snapshot(
    directory: Path,
    *,
    account: str = "",
    region: str = "",
    ephemeral_ports: tuple[int, int] = (1024, 65535),
) -> Estate:
    """Read the ``describe-*.json`` files of one account and region.

    ``account`` and ``region`` come from a ``<account-id>/<region>/`` layout; when empty, each
    object's ``OwnerId`` and its availability zone's region are used. References to objects
    not in the folder are settled (:func:`~pathwarden.providers.references.settle`).
    """
    return settle(read_aws_snapshot(directory, account=account, region=region,
                                    ephemeral_ports=ephemeral_ports))


def read_aws_snapshot(
    directory: Path,
    *,
    account: str = "",
    region: str = "",
    ephemeral_ports: tuple[int, int] = (1024, 65535),
) -> Estate:
    """:func:`load_aws_snapshot` with its missing references left unsettled, for a caller
    that merges it with other snapshots first."""
    with gc_paused():
        return _Loader(Path(directory), account, region).load(ephemeral_ports)


class _Loader:
    def __init__(self, directory: Path, account: str, region: str) -> None:
        self.dir = directory
        self.rules = RuleParser(account)
        self.inv = Inventory(account, region, self.rules.cidrs)
        self.notices: list[Notice] = []
        self.missing: list[Missing] = []
        self.partial = False
        self.nacls_read = False
        self.peerings: Node | None = None

    # -- files ---------------------------------------------------------------------------------
    def open(self, spec: SnapshotFile, path: Path | None = None) -> Node | None:
        path = path or self.dir / spec.name
        if not path.is_file():
            if spec.missing:
                self.note(
                    "missing-file", f"{spec.name} is not in the snapshot: {spec.missing}", str(path)
                )
            return None
        root = open_document(path, str(path), spec.top_key, spec.command)
        if root.text("NextToken"):
            self.partial = True
            self.note(
                "truncated-output",
                f"{path.name} holds only the first page (NextToken is "
                "set); run the command without --max-items",
                str(path),
            )
        return root

    def note(self, code: str, message: str, source: str = "") -> None:
        self.notices.append(Notice(code, message, source))

    def miss(self, kind: str, oid: str, by: str, effect: str, lookup: Lookup,
             key: str = "") -> None:
        self.missing.append(Missing(kind, oid, by, effect, lookup, key, str(self.dir)))

    # -- the whole folder ----------------------------------------------------------------------
    def load(self, ephemeral_ports: tuple[int, int]) -> Estate:
        if not self.dir.is_dir():
            raise SnapshotError(str(self.dir), "not a directory holding an AWS snapshot")
        missing = [
            f.name
            for f in (SECURITY_GROUPS, NETWORK_INTERFACES)
            if not (self.dir / f.name).is_file()
        ]
        if NETWORK_INTERFACES.name in missing and (self.dir / INSTANCES.name).is_file():
            missing.remove(NETWORK_INTERFACES.name)
        if missing:
            raise SnapshotError(
                str(self.dir),
                f"missing {' and '.join(missing)}; an AWS snapshot needs "
                f"{SECURITY_GROUPS.name} and {NETWORK_INTERFACES.name} (or {INSTANCES.name}); "
                f"expected files: {', '.join(EXPECTED)}",
            )
        inv = self.inv
        ahead = RulesAhead(self.dir / SG_RULES.name, self.rules.account)
        instances = self.open(INSTANCES)
        with_enis = inv.read_instances(instances) if instances is not None else []
        enis = self.open(NETWORK_INTERFACES)
        for n in enis.children(NETWORK_INTERFACES.top_key) if enis else ():
            inv.add_interface(n)
        for node, inst in with_enis:
            inv.add_instance_interfaces(node, inst)
        for eni in inv.duplicates:
            self.note("duplicate-id", f"{eni} appears more than once; the first one is kept", eni)

        subnets = self._subnets()
        region = inv.region or _single(
            {w.region for w in inv.workloads.values()} | {s.region for s in subnets.values()}
        )
        filters = self._security_groups(region, ahead.result())
        nacls = self._network_acls(region, subnets)
        filters.update(nacls)
        networks = self._networks(region, subnets)
        prefix_lists = self._prefix_lists()
        self._check_references(filters, prefix_lists)
        routing = read_routing(
            self, inv.account, region, self.rules.cidrs, prefix_lists, subnets, networks,
            self.peerings,
        )
        return Estate(
            workloads=tuple(inv.workloads.values()),
            filters=filters,
            subnets=subnets,
            networks=networks,
            prefix_lists=prefix_lists,
            route_tables=routing.route_tables,
            attachments=routing.attachments,
            gateways=routing.gateways,
            notices=tuple(self.notices),
            partial=self.partial,
            sources=(str(self.dir),),
            options={"aws.ephemeral_ports": ephemeral_ports},
            missing=tuple(self.missing),
        )

    def _security_groups(self, region: str, index: Index | None) -> dict[str, Filter]:
        """``index``: the rule objects' ids as :class:`RulesAhead` read them, if it did."""
        rules = self.rules
        by_group: dict[str, list[Node]] = {}
        if index is None:
            sgr = self.open(SG_RULES)
            by_group = rules.index_rule_objects(sgr) if sgr else {}
        else:
            rules.sgr_ids = index[0]
        sgs = self.open(SECURITY_GROUPS)
        assert sgs is not None  # checked in load()
        filters: dict[str, Filter] = {}
        for g in sgs.children(SECURITY_GROUPS.top_key):
            f = rules.security_group(g, region)
            filters[f.id] = f
        if index is not None and index[1] - set(filters):  # groups only in the rules file
            sgr = self.open(SG_RULES)
            for item in sgr.children(SG_RULES.top_key) if sgr else ():
                gid = item.require_text("GroupId")
                if gid not in filters:
                    by_group.setdefault(gid, []).append(item)
        unmatched = rules.unmatched_sgr_ids(set(filters))
        if unmatched:
            self.note(
                "snapshot-inconsistent",
                f"{len(unmatched)} rule(s) of "
                f"{SG_RULES.name} match no rule of {SECURITY_GROUPS.name} (taken at "
                f"different times?): {', '.join(unmatched[:5])}",
                SG_RULES.name,
            )
        vpc_of_group = {g: w.network for w in self.inv.workloads.values() for g in w.filters}
        for gid, items in by_group.items():
            if gid not in filters:
                filters[gid] = rules.security_group_from_rules(
                    gid, items, vpc_of_group.get(gid, ""), region
                )
        return filters

    def _network_acls(self, region: str, subnets: dict[str, Subnet]) -> dict[str, Filter]:
        root = self.open(NETWORK_ACLS)
        self.nacls_read = root is not None
        nacls: dict[str, Filter] = {}
        associated: dict[str, str] = {}
        default: dict[str, str] = {}
        for a in root.children(NETWORK_ACLS.top_key) if root else ():
            f, subnet_ids = self.rules.network_acl(a, region)
            nacls[f.id] = f
            associated.update(dict.fromkeys(subnet_ids, f.id))
            if a.flag("IsDefault"):
                default.setdefault(f.network, f.id)
        has_nacls = {f.network for f in nacls.values()}
        for sid, s in subnets.items():
            acl = associated.get(sid) or default.get(s.network)
            # every subnet has one NACL: its VPC's default one unless another is associated
            if acl is None and root is not None and s.network in has_nacls:
                self.miss("network ACL of subnet", sid, "", f"no network ACL in "
                          f"{NETWORK_ACLS.name} is associated with it and {s.network} has no "
                          "default one there: it is treated as allowing everything",
                          Lookup.SUBNET_FILTER)
            elif acl is None and root is not None:
                # (a subnet shared into this account: the owner's snapshot may hold the NACL)
                self.miss("default network ACL of VPC", s.network or sid, "", f"no network "
                          f"ACL of it is in {NETWORK_ACLS.name}: its subnets are treated as if "
                          "their NACLs allowed everything", Lookup.SUBNET_FILTER, sid)
            if acl is not None:
                subnets[sid] = replace(s, filters=(acl,))
        return nacls

    def _subnets(self) -> dict[str, Subnet]:
        inv = self.inv
        root = self.open(SUBNETS)
        subnets: dict[str, Subnet] = {}
        for n in root.children(SUBNETS.top_key) if root else ():
            s = inv.subnet(n)
            subnets[s.id] = s
        for w in inv.workloads.values():
            if w.subnet and (w.subnet not in subnets or subnets[w.subnet].stub):
                subnets.setdefault(w.subnet, Subnet(
                    id=w.subnet, cloud="aws", network=w.network, account=w.account,
                    region=w.region, stub=True,
                ))
                if root is not None:
                    self.miss("subnet", w.subnet, w.id, "its CIDR blocks and name are unknown",
                              Lookup.SUBNET)
        return subnets

    def _networks(self, region: str, subnets: dict[str, Subnet]) -> dict[str, Network]:
        inv = self.inv
        root = self.open(VPCS)
        networks: dict[str, Network] = {}
        for n in root.children(VPCS.top_key) if root else ():
            v = inv.vpc(n, region)
            networks[v.id] = v
        for s in subnets.values():
            if s.network and (s.network not in networks or networks[s.network].stub):
                networks.setdefault(s.network, Network(
                    id=s.network, cloud="aws", account=s.account, region=region or s.region,
                    stub=True,
                ))
                if root is not None:
                    self.miss("VPC", s.network, s.id, "its CIDR blocks are unknown",
                              Lookup.NETWORK)
        peerings = self.peerings = self.open(PEERINGS)
        if peerings is not None:
            for vpc, peers in active_peerings(peerings).items():
                if vpc in networks:
                    networks[vpc] = replace(networks[vpc], peers=tuple(sorted(peers)))
            for vpc, sides in peerings_of(peerings).items():
                if vpc in networks:
                    networks[vpc] = replace(networks[vpc], peerings=tuple(sides))
        with_nacl = {s.network for s in subnets.values() if s.filters}
        with_subnets = {s.network for s in subnets.values()}
        for vpc in networks:
            if vpc in with_subnets and vpc not in with_nacl and not self.nacls_read:
                self.note(
                    "nacl-assumed-open",
                    f"no network ACL of {vpc} is in the snapshot: "
                    "its subnets are treated as if their NACLs allowed everything",
                    vpc,
                )
        return networks

    def _prefix_lists(self) -> dict[str, PrefixList]:
        described: dict[str, Node] = {}
        root = self.open(PREFIX_LISTS)
        for n in root.children(PREFIX_LISTS.top_key) if root else ():
            described[n.require_text("PrefixListId")] = n
        entries: dict[str, Node] = {}
        folder = self.dir / PREFIX_LIST_ENTRIES_DIR
        if folder.is_dir():
            for path in sorted(folder.glob("*.json")):
                node = self.open(PREFIX_LIST_ENTRIES, path)
                assert node is not None  # the file exists
                entries[path.stem] = node
        return {
            pl: prefix_list(pl, described.get(pl), entries.get(pl), self.rules.cidrs)
            for pl in sorted(described.keys() | entries.keys())
        }

    def _check_references(
        self, filters: dict[str, Filter], prefix_lists: dict[str, PrefixList]
    ) -> None:
        for rule_id, peer in self.rules.sg_refs:
            status = peer.peering_status
            if status is not None and status != "active":
                self.note(
                    "stale-reference",
                    f"{rule_id} references {peer.label()} through "
                    f"peering {peer.peering or '?'}, which is {status}: it matches nothing",
                    rule_id,
                )
            elif peer.value not in filters:
                self.miss("security group", peer.value, rule_id,
                          "a rule naming it matches no address", Lookup.FILTER)
        for pl, rule_id in self.rules.pl_refs.items():
            if pl not in prefix_lists or prefix_lists[pl].stub:
                self.miss("prefix list", pl, rule_id, f"its entries ({PREFIX_LIST_ENTRIES_DIR}/"
                          f"{pl}.json) are unknown, so a rule naming it matches no address",
                          Lookup.PREFIX_LIST)
        for w in self.inv.workloads.values():
            for gid in w.filters:
                if gid not in filters:
                    self.miss("security group", gid, w.id, "its rules are unknown, so nothing "
                              "it allows is seen", Lookup.FILTER)


def _single(values: set[str]) -> str:
    values.discard("")
    return values.pop() if len(values) == 1 else ""
