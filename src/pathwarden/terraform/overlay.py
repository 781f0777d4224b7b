"""The estate before and after a plan: a baseline overlaid with ``resource_changes``.

Baseline: the snapshot when one is given, with the plan's ``prior_state`` (Terraform's
refreshed view of what it manages) laid over it; without a snapshot, ``prior_state`` alone.
Each change of a path-relevant type is applied in dependency order (VPCs and subnets, prefix
lists, security groups, their rules, NACLs, workloads, attachments, then gateways, route
tables, routes and their associations): ``before`` values are taken out and ``after`` values
put in. Azure and GCP resource types are recognised and listed
as not evaluated yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pathwarden.errors import SnapshotError
from pathwarden.model import Estate
from pathwarden.terraform.aws_filters import AwsFilters
from pathwarden.terraform.aws_inventory import AwsInventory
from pathwarden.terraform.aws_routes import AwsRoutes
from pathwarden.terraform.aws_transit import AwsTransit
from pathwarden.terraform.config import References
from pathwarden.terraform.plan import Change, Plan, Resource
from pathwarden.terraform.world import Assumption, World

Handler = Callable[[Resource | None, Resource | None], None]

AWS_ORDER = (
    "aws_vpc",
    "aws_subnet",
    "aws_ec2_managed_prefix_list",
    "aws_ec2_managed_prefix_list_entry",
    "aws_security_group",
    "aws_default_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_network_acl",
    "aws_default_network_acl",
    "aws_network_acl_rule",
    "aws_instance",
    "aws_network_interface",
    "aws_network_interface_sg_attachment",
    # routing: gateways and tables before the routes and associations that name them
    "aws_internet_gateway",
    "aws_egress_only_internet_gateway",
    "aws_nat_gateway",
    "aws_ec2_transit_gateway",
    "aws_route_table",
    "aws_default_route_table",
    "aws_ec2_transit_gateway_route_table",
    "aws_ec2_transit_gateway_vpc_attachment",
    "aws_route",
    "aws_route_table_association",
    "aws_main_route_table_association",
    "aws_ec2_transit_gateway_route",
    "aws_ec2_transit_gateway_route_table_association",
    "aws_ec2_transit_gateway_route_table_propagation",
)
AWS_TYPES = frozenset(AWS_ORDER)
NOT_EVALUATED = frozenset(
    {
        "azurerm_network_security_group",
        "azurerm_network_security_rule",
        "azurerm_subnet_network_security_group_association",
        "azurerm_network_interface_security_group_association",
        "azurerm_application_security_group",
        "azurerm_network_interface_application_security_group_association",
        "google_compute_firewall",
        "google_compute_network_firewall_policy",
        "google_compute_network_firewall_policy_rule",
        "google_compute_region_network_firewall_policy_rule",
        "google_compute_firewall_policy_rule",
    }
)


@dataclass(frozen=True, slots=True)
class Overlay:
    before: Estate
    after: Estate
    origin: dict[str, str]  # filter / rule / workload / route table / route id -> address
    ids: dict[str, str]  # resource address -> cloud id or tf:ADDRESS
    assumptions: tuple[Assumption, ...]
    changed: tuple[Change, ...]  # path-relevant changes applied
    not_evaluated: tuple[Change, ...]  # Azure/GCP changes recognised, not evaluated yet

    def touched_filters(self) -> set[str]:
        """Filter ids (security groups, NACLs) a change edits."""
        addresses = {c.address for c in self.changed}
        out = {self.ids[a] for a in addresses if a in self.ids}
        for estate in (self.before, self.after):
            for fid, f in estate.filters.items():
                if self.origin.get(fid) in addresses or any(
                    self.origin.get(r.id) in addresses for r in f.rules
                ):
                    out.add(fid)
        return out


def _handlers(world: World, label: str, routes: AwsRoutes) -> dict[str, Handler]:
    f = AwsFilters(world, label)
    inv = AwsInventory(world, label)
    tgw = AwsTransit(world, label)
    return {
        "aws_vpc": inv.vpc,
        "aws_subnet": inv.subnet,
        "aws_ec2_managed_prefix_list": inv.prefix_list,
        "aws_ec2_managed_prefix_list_entry": inv.prefix_list_entry,
        "aws_security_group": f.security_group,
        "aws_default_security_group": f.security_group,
        "aws_security_group_rule": f.sg_rule,
        "aws_vpc_security_group_ingress_rule": f.sg_rule,
        "aws_vpc_security_group_egress_rule": f.sg_rule,
        "aws_network_acl": f.network_acl,
        "aws_default_network_acl": f.network_acl,
        "aws_network_acl_rule": f.network_acl_rule,
        "aws_instance": inv.instance,
        "aws_network_interface": inv.network_interface,
        "aws_network_interface_sg_attachment": inv.sg_attachment,
        "aws_internet_gateway": routes.gateway,
        "aws_egress_only_internet_gateway": routes.gateway,
        "aws_nat_gateway": routes.gateway,
        "aws_ec2_transit_gateway": tgw.transit_gateway,
        "aws_route_table": routes.route_table,
        "aws_default_route_table": routes.route_table,
        "aws_ec2_transit_gateway_route_table": tgw.transit_table,
        "aws_ec2_transit_gateway_vpc_attachment": tgw.vpc_attachment,
        "aws_route": routes.route,
        "aws_route_table_association": routes.association,
        "aws_main_route_table_association": routes.main_association,
        "aws_ec2_transit_gateway_route": tgw.transit_route,
        "aws_ec2_transit_gateway_route_table_association": tgw.association,
        "aws_ec2_transit_gateway_route_table_propagation": tgw.propagation,
    }


def _apply(
    file: str, address: str, handler: Handler, before: Resource | None, after: Resource | None
) -> None:
    """Run one handler; a value of the wrong JSON type deep inside a resource (a list where
    an object belongs) becomes a :class:`SnapshotError` naming the resource."""
    try:
        handler(before, after)
    except (AttributeError, TypeError, ValueError) as e:
        raise SnapshotError(file, f"unexpected value shape in this resource ({e})", address) from e


def _rank(rtype: str) -> int:
    return AWS_ORDER.index(rtype)


def overlay(plan: Plan, snapshot: Estate | None) -> Overlay:
    """The estate before and after ``plan`` (see the module docstring)."""
    addresses = [r.address for r in plan.prior] + [c.address for c in plan.changes]
    refs = References(plan.configuration, plan.variables, addresses)
    world = World.of(snapshot or Estate())
    world.refs = refs
    routes = AwsRoutes(world, plan.file)
    handlers = _handlers(world, plan.file, routes)
    for r in plan.prior:
        if r.type in AWS_TYPES:
            world.remember(r)
    relevant = [c for c in plan.changes if c.type in AWS_TYPES]
    for c in relevant:
        if c.before is not None:
            world.remember(c.before)
    for c in relevant:
        if c.after is not None:
            world.remember(c.after)
    # Terraform refreshes before it plans: its prior state of the resources it manages is at
    # least as new as a snapshot, so it is laid over the snapshot (or is the whole baseline).
    for r in sorted((r for r in plan.prior if r.type in AWS_TYPES), key=lambda r: _rank(r.type)):
        _apply(plan.file, r.address, handlers[r.type], None, r)
    in_prior = {r.address for r in plan.prior}
    for c in sorted(relevant, key=lambda c: _rank(c.type)):
        if c.before is not None and c.address not in in_prior:
            _apply(plan.file, c.address, handlers[c.type], None, c.before)
    routes.finish()
    before = world.estate(plan.file)
    applied: list[Change] = []
    for c in sorted(relevant, key=lambda c: _rank(c.type)):
        if c.is_noop:
            continue
        if "delete" in c.actions and c.before is not None:
            _apply(plan.file, c.address, handlers[c.type], c.before, None)
        if "create" in c.actions or "update" in c.actions:
            old = c.before if "update" in c.actions else None
            _apply(plan.file, c.address, handlers[c.type], old, c.after)
        applied.append(c)
    routes.finish()
    after = world.estate(plan.file)
    skipped = tuple(c for c in plan.changes if c.type in NOT_EVALUATED and not c.is_noop)
    return Overlay(
        before,
        after,
        dict(world.origin),
        dict(world.ids),
        tuple(world.assumptions),
        tuple(applied),
        skipped,
    )
