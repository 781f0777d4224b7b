"""Load one GCP snapshot folder (what ``gcloud ... --format=json`` writes, or the REST bodies
``pathwarden discover gcp`` writes) into an :class:`Estate`.

Files, directly in the folder or below ``<project-id>/``:

- ``firewall-rules.json`` (``gcloud compute firewall-rules list``) and/or ``instances.json``
  (``gcloud compute instances list``, or an ``instances.aggregatedList`` body): either marks a
  GCP snapshot;
- ``networks.json`` (``gcloud compute networks list``: peerings, enforcement order);
- ``subnets.json`` (``gcloud compute networks subnets list``);
- optional ``network-firewall-policies.json``: global and regional network firewall policies
  with ``rules`` and ``associations``;
- optional ``firewall-policies.json``: hierarchical (organization, folder) policies with
  ``rules`` and ``associations``, organization first, then folders top-down;
- optional ``effective-firewalls/<network-name>.json`` (``gcloud compute networks
  get-effective-firewalls``): the VPC rules (when ``firewall-rules.json`` is absent) and the
  hierarchical and network policies that apply to that network, in evaluation order;
- optional routing files ``routes.json`` (``gcloud compute routes list``) and ``routers.json``
  (``gcloud compute routers list``: Cloud NAT), read by :mod:`.routes`.

Each list file is a JSON list, a REST page ``{"items": [...]}`` or an aggregated page; a page
that still has a ``nextPageToken`` makes the estate partial.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from pathwarden.errors import SnapshotError
from pathwarden.model import Estate, Filter, Lookup, Missing, Notice, PeerKind
from pathwarden.providers.gcp.inventory import Inventory
from pathwarden.providers.gcp.routes import ROUTERS, ROUTES, RouteReader
from pathwarden.providers.gcp.rules import (
    HIERARCHY,
    NETWORK,
    REGIONAL,
    VPC,
    Container,
    RuleParser,
    implied_filter,
)
from pathwarden.providers.gcp.shapes import items_of, last, network_id, path_of, segment
from pathwarden.providers.jsondoc import Node, read_json
from pathwarden.providers.manifest import read_manifest
from pathwarden.providers.references import settle

FIREWALLS = "firewall-rules.json"
INSTANCES = "instances.json"
NETWORKS = "networks.json"
SUBNETS = "subnets.json"
NETWORK_POLICIES = "network-firewall-policies.json"
HIERARCHICAL_POLICIES = "firewall-policies.json"
EFFECTIVE_DIR = "effective-firewalls"
MARKERS = (FIREWALLS, INSTANCES)
EXPECTED = (FIREWALLS, INSTANCES, NETWORKS, SUBNETS, NETWORK_POLICIES, HIERARCHICAL_POLICIES,
            f"{EFFECTIVE_DIR}/<network>.json", ROUTES, ROUTERS)
PROJECT_FOLDER = re.compile(r"[a-z][-a-z0-9]{4,28}[a-z0-9]")
EFFECTIVE_TYPES = {"HIERARCHY": HIERARCHY, "NETWORK": NETWORK, "NETWORK_REGIONAL": REGIONAL}


def is_snapshot(directory: Path) -> bool:
    return any((directory / m).is_file() for m in MARKERS) or any(
        (directory / EFFECTIVE_DIR).glob("*.json"))


def load_gcp_snapshot(directory: Path, project: str = "") -> Estate:
    """Read one project's files, or every ``<project-id>/`` folder below ``directory``;
    references to objects not in them are settled (:mod:`pathwarden.providers.references`)."""
    return settle(read_gcp_snapshot(directory, project))


def read_gcp_snapshot(directory: Path, project: str = "") -> Estate:
    """:func:`load_gcp_snapshot` with its missing references left unsettled."""
    directory = Path(directory)
    if not directory.is_dir():
        raise SnapshotError(str(directory), "not a directory holding a GCP snapshot")
    if is_snapshot(directory):
        return _with_manifest(directory, _Loader(directory, project).load())
    projects = sorted(p for p in directory.iterdir()
                      if p.is_dir() and PROJECT_FOLDER.fullmatch(p.name) and is_snapshot(p))
    if not projects:
        raise SnapshotError(str(directory), f"no GCP snapshot files found; expected "
                            f"{' or '.join(MARKERS)} (with {', '.join(EXPECTED[2:])}) directly "
                            "in the folder or below <project-id>/")
    merged = Estate.merge([_Loader(p, p.name).load() for p in projects])
    # several projects: the routing assumption is said once
    return _with_manifest(directory, replace(merged, notices=tuple(dict.fromkeys(merged.notices))))


def _with_manifest(directory: Path, estate: Estate) -> Estate:
    manifest = read_manifest(directory)
    if manifest is None or not manifest.partial:
        return estate
    return replace(estate, partial=True, notices=estate.notices + manifest.notices())


class _Loader:
    def __init__(self, directory: Path, project: str) -> None:
        self.dir = directory
        self.project = project
        self.parser = RuleParser()
        self.partial = False
        self.containers: dict[str, Container] = {}
        self.inv = Inventory(project)

    def note(self, code: str, message: str, source: str = "") -> None:
        self.inv.notices.append(Notice(code, message, source or str(self.dir)))

    def items(self, name: str, kind: str = "items") -> list[Node] | None:
        path = self.dir / name
        if not path.is_file():
            return None
        data = read_json(path, str(path))
        if isinstance(data, dict) and data.get("nextPageToken"):
            self.partial = True
            self.note("truncated-output", f"{name} holds one page only (nextPageToken is set)")
        return items_of(data, str(path), kind)

    def load(self) -> Estate:
        inv = self.inv
        networks = self.items(NETWORKS)
        firewalls = self.items(FIREWALLS)
        if not self.project:
            self.project = self._guess_project(networks or firewalls or [])
            inv.project = self.project
        if networks is None:
            self.note("missing-file", f"{NETWORKS} is not in the snapshot: peerings are unknown "
                      "and every network is taken as AFTER_CLASSIC_FIREWALL")
        for n in networks or ():
            inv.network(n)
        subnets = self.items(SUBNETS, "subnetworks")
        for s in subnets or ():
            inv.subnet(s)
        instances = self.items(INSTANCES, "instances")
        for i in instances or ():
            inv.instance(i)
        for f in firewalls or ():
            self._firewall(f)
        policies = self._policy_files()
        effective = self._effective(use_rules=firewalls is None,
                                    use_policies=not (self.dir / NETWORK_POLICIES).is_file())
        if firewalls is None and not effective:
            self.note("missing-file", f"{FIREWALLS} is not in the snapshot: no VPC firewall "
                      "rule is known (only the implied rules apply)")
        if not policies and not effective:
            self.note("policies-assumed-absent", f"neither {HIERARCHICAL_POLICIES}, "
                      f"{NETWORK_POLICIES} nor {EFFECTIVE_DIR}/ is in the snapshot: "
                      "hierarchical and network firewall policies are assumed absent")
        self._check_associations()
        inv.finish()
        routing = RouteReader(inv, self.project, str(self.dir),
                              networks_listed=networks is not None,
                              instances_listed=instances is not None,
                              subnets_listed=subnets is not None)
        route_tables = routing.routes(self.items(ROUTES))
        gateways = routing.routers(self.items(ROUTERS, "routers"))
        inv.notices.extend(routing.notices)
        filters: dict[str, Filter] = {}
        for c in self.containers.values():
            for flt in c.filters():
                filters[flt.id] = flt
        for nid, net in inv.networks.items():
            imp = implied_filter(nid, net.account)
            filters[imp.id] = imp
        inv.notices.extend(self.parser.notices)
        return Estate(
            workloads=tuple(inv.workloads.values()), filters=filters, subnets=inv.subnets,
            networks=inv.networks, notices=tuple(inv.notices),
            partial=self.partial or routing.partial, sources=(str(self.dir),),
            route_tables=route_tables, gateways=gateways,
            missing=self._missing(networks is not None, subnets is not None,
                                  instances is not None),
        )

    def _missing(self, networks: bool, subnets: bool, instances: bool) -> tuple[Missing, ...]:
        """References to networks, subnetworks and service accounts the listing files read do
        not hold (an absent file is its own notice)."""
        inv, src = self.inv, str(self.dir)
        out: list[Missing] = []
        if networks:
            effect = ("its peerings, address ranges and firewall policy enforcement order are "
                      "unknown (AFTER_CLASSIC_FIREWALL assumed)")
            out += [Missing("network", nid, by, effect, Lookup.NETWORK, source=src)
                    for nid, refs in inv.referrers.items() if inv.networks[nid].stub
                    for by in refs]
        if subnets:
            out += [Missing("subnetwork", w.subnet, w.id, "its address ranges are unknown",
                            Lookup.SUBNET, source=src)
                    for w in inv.workloads.values() if w.subnet and w.subnet not in inv.subnets]
        if instances:
            # hierarchical policies name the service accounts of a whole organisation: a
            # project's snapshot cannot hold them, so only the project's own rules count
            for c in self.containers.values():
                if c.layer == HIERARCHY:
                    continue
                for rule, target in c.rules:
                    if rule.disabled:
                        continue
                    named = list(target.service_accounts) + [
                        p.value for p in rule.src + rule.dst
                        if p.kind is PeerKind.SERVICE_ACCOUNT]
                    out += [Missing("service account", sa, rule.id, "no instance in the snapshot "
                                    "runs as it, so a rule naming it matches nothing",
                                    Lookup.SERVICE_ACCOUNT, source=src) for sa in named]
        return tuple(out)

    def _guess_project(self, nodes: list[Node]) -> str:
        for n in nodes:
            p = segment(n.text("selfLink") or n.text("network"), "projects")
            if p:
                return p
        return ""

    def _container(self, cid: str, layer: str, name: str, **kw: object) -> Container:
        c = self.containers.get(cid)
        if c is None:
            c = self.containers[cid] = Container(cid, layer, name, **kw)  # type: ignore[arg-type]
        return c

    def _firewall(self, node: Node) -> None:
        project = segment(node.text("selfLink"), "projects") or self.project
        nid = network_id(node.text("network") or "default", project)
        self.inv.ensure_network(nid, node.text("name") or node.text("selfLink"))
        c = self._container(nid, VPC, f"VPC firewall rules of {last(nid)}", project=project,
                            network=nid)
        c.rules.append(self.parser.firewall(node, nid, project))

    # -- policies --------------------------------------------------------------------------
    def _policy_files(self) -> bool:
        found = False
        nodes = self.items(NETWORK_POLICIES)
        for p in nodes or ():
            found = True
            link = path_of(p.text("selfLink"))
            region = segment(link, "regions") or last(p.text("region"))
            name = p.require_text("name")
            pid = link or (f"projects/{self.project}/regions/{region}/firewallPolicies/{name}"
                           if region else f"projects/{self.project}/global/firewallPolicies/{name}")
            c = self._container(pid, REGIONAL if region else NETWORK, name,
                                project=segment(pid, "projects"), region=region)
            for a in p.children("associations"):
                nid = network_id(a.require_text("attachmentTarget"), self.project)
                c.applies.add(nid)
                self.inv.ensure_network(nid, pid)
            self._policy_rules(c, p)
        hier = self.items(HIERARCHICAL_POLICIES)
        ranked: list[tuple[int, int, Node]] = []
        for i, p in enumerate(hier or ()):
            found = True
            targets = [a.text("attachmentTarget") for a in p.children("associations")]
            org = any(t.startswith("organizations/") for t in targets) or p.text(
                "parent").startswith("organizations/")
            ranked.append((0 if org else 1, i, p))
        for rank, (_, _, p) in enumerate(sorted(ranked, key=lambda t: t[:2])):
            name = p.require_text("name")
            c = self._container(f"firewallPolicies/{name}", HIERARCHY,
                                p.text("shortName") or p.text("displayName") or name, rank=rank)
            c.applies.add("*")
            self._policy_rules(c, p)
        return found

    def _check_associations(self) -> None:
        """A network has at most one global network policy (and one regional per region);
        more in a snapshot are each evaluated as a tier of their own, in id order."""
        seen: dict[tuple[str, str, str], list[str]] = {}
        for c in self.containers.values():
            if c.layer in (NETWORK, REGIONAL):
                for nid in c.applies:
                    seen.setdefault((c.layer, c.region, nid), []).append(c.id)
        for (_, _, nid), ids in sorted(seen.items()):
            if len(ids) > 1:
                self.note("policy-conflict", f"{nid} is associated with several network "
                          f"firewall policies of one kind ({', '.join(sorted(ids))}); they are "
                          "evaluated one after the other in id order", nid)

    def _policy_rules(self, c: Container, policy: Node) -> None:
        if c.rules:
            return  # the same policy seen again (another network's effective firewalls)
        seen: set[str] = set()
        for r in policy.children("rules"):
            rule, target = self.parser.policy_rule(r, c.id, c.network)
            if rule.id in seen:  # priorities should be unique within a policy
                rule = replace(rule, id=f"{rule.id}-{len(seen)}")
            seen.add(rule.id)
            c.rules.append((rule, target))

    def _effective(self, use_rules: bool, use_policies: bool) -> bool:
        folder = self.dir / EFFECTIVE_DIR
        files = sorted(folder.glob("*.json")) if folder.is_dir() else []
        for path in files:
            label = str(path)
            data = read_json(path, label)
            if not isinstance(data, dict):
                raise SnapshotError(label, "expected an object with 'firewalls' and "
                                    "'firewallPolicys' as `gcloud compute networks "
                                    "get-effective-firewalls --format=json` writes")
            root = Node(data, label)
            nid = self._effective_network(path.stem, root)
            self.inv.ensure_network(nid, f"{EFFECTIVE_DIR}/{path.name}")
            if use_rules:
                for f in root.children("firewalls"):
                    self._firewall(f)
            hier = 0
            for p in root.children("firewallPolicys"):
                kind = p.text("type", "HIERARCHY")
                layer = EFFECTIVE_TYPES.get(kind)
                name = p.require_text("name")
                if layer in (NETWORK, REGIONAL) and not use_policies:
                    continue  # network-firewall-policies.json has them, with their regions
                if layer is None:
                    self.note("policy-type-skipped", f"{path.name}: firewall policy {name} of "
                              f"type {kind} is not modelled (system policies) and is ignored",
                              label)
                    continue
                project = segment(nid, "projects")
                pid = {HIERARCHY: f"firewallPolicies/{name}",
                       NETWORK: f"projects/{project}/global/firewallPolicies/{name}",
                       REGIONAL: f"projects/{project}/regions/-/firewallPolicies/{name}"}[layer]
                c = self._container(pid, layer, p.text("shortName") or p.text("displayName")
                                    or name, project=project if layer != HIERARCHY else "",
                                    rank=hier)
                if layer == HIERARCHY:
                    hier += 1
                c.applies.add(nid)
                self._policy_rules(c, p)
        return bool(files)

    def _effective_network(self, stem: str, root: Node) -> str:
        for nid, n in self.inv.networks.items():
            if n.name == stem and (not self.project or segment(nid, "projects") == self.project):
                return nid
        for f in root.children("firewalls"):
            if f.text("network"):
                return network_id(f.text("network"), self.project)
        if not self.project:
            raise SnapshotError(str(self.dir / EFFECTIVE_DIR / f"{stem}.json"), "cannot tell the "
                                "project of this network: add networks.json or use a "
                                "<project-id>/ folder")
        return network_id(stem, self.project)
