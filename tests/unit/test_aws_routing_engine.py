"""The AWS routing step of the engine, case by case from the AWS docs.

- [RT] VPC route tables, "Route priority": the most specific route that matches wins; a
  blackhole route drops (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html)
- [TGW] how transit gateways work: a VPC's traffic goes to the attachment's route table, whose
  routes name the attachment it leaves by; a subnet's traffic reaches the transit gateway only
  through an attachment subnet in its zone
  (https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html)
- [TGWNACL] https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html
- [PEER] peering needs a route in both VPCs' tables
  (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html)
- [IGW] internet access needs an internet gateway route and a public IPv4 address
  (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html); NAT gateways
  and egress-only internet gateways allow outbound connections only.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit import awsroutes as R
from tests.unit.awsrouted import ALLOW_ALL, Routed, hub
from tests.unit.awssnapshot import entry, perm, sg

OPEN = [{"protocol": "all", "ports": None}]


def _hops(doc: dict[str, object]) -> list[str]:
    explanations = doc["explanations"]
    assert isinstance(explanations, list) and explanations
    return [h["hop"] for h in explanations[0]["hops"]]


def test_a_path_only_a_transit_gateway_carries_is_open_hop_by_hop(tmp_path: Path) -> None:
    doc = hub().reach(tmp_path, "eni-a", "eni-b")  # [TGW]: no peering joins the two VPCs
    assert doc["open"] == OPEN
    assert _hops(doc) == [
        "security groups sg-vpc-a (egress, source)",
        "network ACL acl-subnet-a1 (egress, subnet-a1)",
        "route rtb-a: 10.2.0.0/16 -> tgw-1",
        "network ACL acl-subnet-a1 (ingress, subnet-a1, transit gateway attachment "
        "tgw-attach-a)",
        "route tgw-rtb-1: 10.2.0.0/16 -> tgw-attach-b (vpc-b)",
        "network ACL acl-subnet-bt (egress, subnet-bt, transit gateway attachment "
        "tgw-attach-b)",
        "network ACL acl-subnet-b1 (ingress, subnet-b1)",
        "security groups sg-vpc-b (ingress, destination)",
        "return route rtb-b: 10.1.0.0/16 -> tgw-1",
        "return route tgw-rtb-1: 10.1.0.0/16 -> tgw-attach-a (vpc-a)",
        "network ACL return path (acl-subnet-b1, acl-subnet-bt)",
    ]


def test_routes_are_not_rules_that_open_a_path(tmp_path: Path) -> None:
    from pathwarden.api import Engine, load_estate

    estate = load_estate([hub().write(tmp_path)])
    ids = [r["id"] for r in Engine(estate).reach("eni-a", "eni-b").rule_docs()]
    assert ids and not any(i.startswith(("rtb-", "tgw-rtb-")) for i in ids)


def test_a_missing_return_route_closes_the_path(tmp_path: Path) -> None:
    assert hub(return_route=False).reach(tmp_path, "eni-a", "eni-b")["open"] == []


def test_the_reverse_direction_uses_the_other_tables(tmp_path: Path) -> None:
    r = hub(return_route=False)  # B has no route to A: B -> A has no forward route either
    assert r.reach(tmp_path, "eni-b", "eni-a")["open"] == []


def test_a_transit_blackhole_drops(tmp_path: Path) -> None:  # [RT] blackhole, [TGW]
    r = hub()
    r.tgw_routes["tgw-rtb-1"].append(R.tgw_route("10.2.0.0/24", state="blackhole"))
    doc = r.reach(tmp_path, "eni-a", "eni-b")
    assert doc["open"] == []


def test_a_more_specific_route_wins(tmp_path: Path) -> None:  # [RT] route priority
    r = hub()
    r.items["route_tables"][0]["Routes"].append(
        R.route("10.2.0.0/24", state="blackhole", GatewayId="igw-gone"))
    assert r.reach(tmp_path, "eni-a", "eni-b")["open"] == []
    assert r.reach(tmp_path / "2", "eni-a", "10.2.1.5")["open"] == OPEN  # only the /24 drops


def test_no_attachment_subnet_in_the_source_zone_no_path(tmp_path: Path) -> None:  # [TGW]
    r = hub()
    r.items["subnets"][0]["AvailabilityZoneId"] = "use1-az2"  # subnet-a1 moves zone ...
    r.items["tgw_vpc_attachments"][0]["SubnetIds"] = ["subnet-a2"]  # ... A attaches in az1
    r.subnet("subnet-a2", "vpc-a", "10.1.9.0/24")
    assert r.reach(tmp_path, "eni-a", "eni-b")["open"] == []


def test_attachment_subnet_acl_applies_on_the_way_out_of_the_gateway(tmp_path: Path) -> None:
    r = hub()  # [TGWNACL]: the attachment subnet's outbound rules, by destination address
    r.items["acls"][2]["Entries"].insert(0, entry(50, "deny", "10.2.0.0/24", egress=True))
    doc = r.reach(tmp_path, "eni-a", "eni-b")
    assert doc["open"] == []


def test_instance_subnet_acl_not_evaluated_from_a_gateway_sharing_it(tmp_path: Path) -> None:
    """[TGWNACL] "Same subnet ...: NACL rules are applied as follows for traffic from the
    transit gateway to the instances: Outbound rules are not evaluated. Inbound rules are not
    evaluated." B attaches by subnet-b1 itself, whose ACL denies A inbound: still open."""
    r = hub()
    r.items["tgw_vpc_attachments"][1]["SubnetIds"] = ["subnet-b1"]
    r.items["acls"][1]["Entries"] = [entry(50, "deny", "10.1.0.0/16"), *ALLOW_ALL]
    assert r.reach(tmp_path, "eni-a", "eni-b")["open"] == OPEN
    r.items["tgw_vpc_attachments"][1]["SubnetIds"] = ["subnet-bt"]  # another subnet: denied
    assert r.reach(tmp_path / "2", "eni-a", "eni-b")["open"] == []


def _peered(both: bool) -> Routed:
    r = Routed().vpc("vpc-a", "10.1.0.0/16").vpc("vpc-b", "10.2.0.0/16")
    r.subnet("subnet-a1", "vpc-a", "10.1.0.0/24").subnet("subnet-b1", "vpc-b", "10.2.0.0/24")
    r.eni("eni-a", "10.1.0.10", "subnet-a1", "vpc-a")
    r.eni("eni-b", "10.2.0.10", "subnet-b1", "vpc-b")
    r.peering("pcx-1", "vpc-a", "vpc-b")
    r.table("rtb-a", "vpc-a", [R.local("10.1.0.0/16"),
                               R.route("10.2.0.0/16", VpcPeeringConnectionId="pcx-1")], main=True)
    back = [R.route("10.1.0.0/16", VpcPeeringConnectionId="pcx-1")] if both else []
    r.table("rtb-b", "vpc-b", [R.local("10.2.0.0/16"), *back], main=True)
    return r


def test_peering_needs_a_route_on_both_sides(tmp_path: Path) -> None:  # [PEER]
    assert _peered(both=True).reach(tmp_path, "eni-a", "eni-b")["open"] == OPEN
    assert _peered(both=False).reach(tmp_path / "2", "eni-a", "eni-b")["open"] == []


def _edge(public: str, default: dict[str, str]) -> Routed:
    r = Routed().vpc("vpc-a", "10.1.0.0/16").subnet("subnet-a1", "vpc-a", "10.1.0.0/24")
    r.eni("eni-a", "10.1.0.10", "subnet-a1", "vpc-a", public=public)
    r.table("rtb-a", "vpc-a", [R.local("10.1.0.0/16"), R.route("0.0.0.0/0", **default)],
            main=True)
    r.items["igws"].append(R.igw("igw-1", "vpc-a"))
    r.items["nats"].append(R.nat("nat-1", "subnet-a1", "vpc-a"))
    return r


def test_the_internet_reaches_only_a_workload_with_a_public_address(tmp_path: Path) -> None:
    igw = {"GatewayId": "igw-1"}  # [IGW]
    assert _edge("198.51.100.7", igw).reach(tmp_path, "203.0.113.9", "eni-a")["open"] == OPEN
    assert _edge("", igw).reach(tmp_path / "2", "203.0.113.9", "eni-a")["open"] == []
    assert _edge("", igw).reach(tmp_path / "3", "eni-a", "203.0.113.9")["open"] == []


def test_a_nat_gateway_carries_flows_out_only(tmp_path: Path) -> None:
    nat = {"NatGatewayId": "nat-1"}  # [IGW] NAT: "instances ... cannot receive unsolicited"
    assert _edge("", nat).reach(tmp_path, "eni-a", "203.0.113.9")["open"] == OPEN
    assert _edge("198.51.100.7", nat).reach(tmp_path / "2", "203.0.113.9", "eni-a")["open"] == []


def _inspected(through: bool, forwarding: bool = True) -> Routed:
    """One VPC: a -> b, both ways through appliance eni-fw (its own subnet) when ``through``:
    routes more specific than local send each workload subnet to it (VPC_Route_Tables.md,
    "Routing for a middlebox appliance"). b's group allows everything from a's group (a
    reference) and tcp/22 from a's subnet; the appliance's group lets tcp/22 and 443 in."""
    r = Routed().vpc("vpc-a", "10.1.0.0/16")
    for sid, cidr in (("subnet-a", "10.1.0.0/24"), ("subnet-b", "10.1.1.0/24"),
                      ("subnet-fw", "10.1.5.0/24")):
        r.subnet(sid, "vpc-a", cidr)
    r.eni("eni-a", "10.1.0.10", "subnet-a", "vpc-a").eni("eni-b", "10.1.1.10", "subnet-b",
                                                          "vpc-a")
    r.eni("eni-fw", "10.1.5.10", "subnet-fw", "vpc-a")
    fw, b = r.items["interfaces"][2], r.items["interfaces"][1]
    fw["SourceDestCheck"] = not forwarding
    fw["Groups"] = [{"GroupId": "sg-fw", "GroupName": "fw"}]
    b["Groups"] = [{"GroupId": "sg-b", "GroupName": "b"}]
    r.items["interfaces"][0]["Groups"] = [{"GroupId": "sg-a", "GroupName": "a"}]
    everything = [perm("-1", cidrs=("0.0.0.0/0",))]
    r.items["security_groups"] += [
        sg("sg-a", "vpc-a", [], everything),
        sg("sg-fw", "vpc-a", [perm("tcp", 22, 22, cidrs=("0.0.0.0/0",)),
                              perm("tcp", 443, 443, cidrs=("0.0.0.0/0",))], everything),
        sg("sg-b", "vpc-a", [perm("-1", groups=({"GroupId": "sg-a"},)),
                             perm("tcp", 22, 22, cidrs=("10.1.0.0/24",))], everything)]
    via = [R.route("10.1.1.0/24", NetworkInterfaceId="eni-fw")] if through else []
    back = [R.route("10.1.0.0/24", NetworkInterfaceId="eni-fw")] if through else []
    r.table("rtb-main", "vpc-a", [R.local("10.1.0.0/16")], main=True)
    r.table("rtb-a", "vpc-a", [R.local("10.1.0.0/16"), *via], ("subnet-a",))
    r.table("rtb-b", "vpc-a", [R.local("10.1.0.0/16"), *back], ("subnet-b",))
    return r


def test_an_appliance_adds_its_own_groups_and_group_references_stop_matching(
        tmp_path: Path) -> None:
    """security-group-rules.md: "If your traffic is routed through a middlebox appliance,
    referencing the security group of the other instance does not allow the traffic"."""
    assert _inspected(False).reach(tmp_path, "eni-a", "eni-b")["open"] == OPEN
    doc = _inspected(True).reach(tmp_path / "2", "eni-a", "eni-b")
    assert doc["open"] == [{"protocol": "tcp", "ports": [[22, 22]]}]
    hops = _hops(doc)
    assert "route rtb-a: 10.1.1.0/24 -> eni-fw" in hops
    assert "appliance eni-fw: security groups sg-fw (ingress, destination)" in hops
    assert "return route (appliance eni-fw) rtb-main: 10.1.0.0/16 -> local" in hops


def test_an_appliance_that_does_not_forward_drops(tmp_path: Path) -> None:
    # source/destination checking on: the ENI drops traffic not addressed to it
    doc = _inspected(True, forwarding=False).reach(tmp_path, "eni-a", "eni-b")
    assert doc["open"] == []


def _egress_appliance(same_subnet: bool) -> Routed:
    """eni-a's flows to the internet go through appliance eni-fw ([RT] "Routing for a
    middlebox appliance"), which then uses the NAT gateway. The subnet ACLs deny what comes
    from 10.1.0.0/24 (eni-a's subnet) and allow everything else."""
    no_a = [entry(90, "deny", "10.1.0.0/24"), *ALLOW_ALL]
    r = Routed().vpc("vpc-a", "10.1.0.0/16")
    r.subnet("subnet-a", "vpc-a", "10.1.0.0/24", acl_entries=no_a)
    r.subnet("subnet-fw", "vpc-a", "10.1.5.0/24", acl_entries=no_a)
    fw_subnet = "subnet-a" if same_subnet else "subnet-fw"
    r.eni("eni-a", "10.1.0.10", "subnet-a", "vpc-a")
    r.eni("eni-fw", "10.1.0.20" if same_subnet else "10.1.5.10", fw_subnet, "vpc-a")
    r.items["interfaces"][1]["SourceDestCheck"] = False
    r.items["nats"].append(R.nat("nat-1", "subnet-fw", "vpc-a"))
    r.table("rtb-a", "vpc-a", [R.local("10.1.0.0/16"),
                               R.route("0.0.0.0/0", NetworkInterfaceId="eni-fw")], ("subnet-a",))
    if not same_subnet:
        r.table("rtb-fw", "vpc-a", [R.local("10.1.0.0/16"),
                                    R.route("0.0.0.0/0", NatGatewayId="nat-1")], ("subnet-fw",))
    r.table("rtb-main", "vpc-a", [R.local("10.1.0.0/16")], main=True)
    return r


def test_an_appliance_in_the_workloads_own_subnet_is_reached_without_its_acl(
        tmp_path: Path) -> None:
    """vpc-network-acls.md: a network ACL is not evaluated for traffic "routed within a
    subnet"; an appliance in another subnet is reached across that subnet's ACL (which here
    refuses eni-a's subnet)."""
    assert _egress_appliance(False).reach(tmp_path, "eni-a", "203.0.113.9")["open"] == []
    doc = _egress_appliance(True).reach(tmp_path / "2", "eni-a", "203.0.113.9")
    hops = _hops(doc) if doc["open"] else []
    assert "route rtb-a: 0.0.0.0/0 -> eni-fw" in hops, doc
