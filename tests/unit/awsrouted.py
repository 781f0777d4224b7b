"""A small AWS estate with routes, written as the CLI writes it, for the routing-step tests.

``Routed`` collects VPCs, subnets (with their zone), ENIs, open security groups, network ACLs,
route tables, a transit gateway and its attachments and tables, then writes the snapshot
folder (tests/unit/awssnapshot.py and awsroutes.py give the item shapes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pathwarden.api import Engine, load_estate
from tests.unit import awsroutes as R
from tests.unit.awssnapshot import acl, eni, entry, perm, sg, write_snapshot

Json = dict[str, Any]
ALLOW_ALL = (entry(100, "allow", "0.0.0.0/0"), entry(100, "allow", "0.0.0.0/0", egress=True))


class Routed:
    def __init__(self) -> None:
        self.items: dict[str, list[Json]] = {k: [] for k in (
            "vpcs", "subnets", "interfaces", "security_groups", "acls", "route_tables",
            "igws", "nats", "eigws", "tgws", "tgw_attachments", "tgw_vpc_attachments",
            "tgw_tables", "peerings")}
        self.tgw_routes: dict[str, list[Json]] = {}

    def vpc(self, vid: str, cidr: str) -> Routed:
        self.items["vpcs"].append({"VpcId": vid, "CidrBlock": cidr, "OwnerId": R.OWNER,
                                   "CidrBlockAssociationSet": [{"CidrBlock": cidr,
                                                                "CidrBlockState": {
                                                                    "State": "associated"}}]})
        allow = [perm("-1", cidrs=("0.0.0.0/0",), cidrs6=("::/0",))]
        self.items["security_groups"].append(sg(f"sg-{vid}", vid, allow, allow))
        return self

    def subnet(self, sid: str, vid: str, cidr: str, zone: str = "use1-az1",
               acl_entries: list[Json] | None = None) -> Routed:
        self.items["subnets"].append({"SubnetId": sid, "VpcId": vid, "CidrBlock": cidr,
                                      "AvailabilityZone": f"us-east-1{zone[-1]}",
                                      "AvailabilityZoneId": zone, "OwnerId": R.OWNER,
                                      "Ipv6CidrBlockAssociationSet": [], "Tags": []})
        self.items["acls"].append(acl(f"acl-{sid}", vid, list(acl_entries or ALLOW_ALL), (sid,)))
        return self

    def eni(self, eid: str, ip: str, sid: str, vid: str, public: str = "") -> Routed:
        extra: Json = {"Association": {"PublicIp": public}} if public else {}
        self.items["interfaces"].append(eni(eid, [ip], [f"sg-{vid}"], sid, vid, **extra))
        return self

    def table(self, tid: str, vid: str, routes: list[Json], subnets: tuple[str, ...] = (),
              main: bool = False) -> Routed:
        self.items["route_tables"].append(R.rtb(tid, vid, routes, subnets, main))
        return self

    def tgw(self, gid: str = "tgw-1") -> Routed:
        self.items["tgws"].append(R.tgw(gid))
        return self

    def attach(self, aid: str, vid: str, subnets: list[str], table: str | None,
               gid: str = "tgw-1") -> Routed:
        self.items["tgw_attachments"].append(R.attachment(aid, gid, vid, table))
        self.items["tgw_vpc_attachments"].append(R.vpc_attachment(aid, gid, vid, subnets))
        return self

    def tgw_table(self, tid: str, routes: list[Json], gid: str = "tgw-1") -> Routed:
        self.items["tgw_tables"].append(R.tgw_table(tid, gid))
        self.tgw_routes[tid] = routes
        return self

    def peering(self, pcx: str, a: str, b: str, status: str = "active") -> Routed:
        self.items["peerings"].append({
            "VpcPeeringConnectionId": pcx, "Status": {"Code": status},
            "RequesterVpcInfo": {"VpcId": a, "OwnerId": R.OWNER},
            "AccepterVpcInfo": {"VpcId": b, "OwnerId": R.OWNER}})
        return self

    def write(self, folder: Path) -> Path:
        items = {k: v for k, v in self.items.items() if v or k in ("route_tables",)}
        write_snapshot(folder, **items)
        for tid, routes in self.tgw_routes.items():
            R.write_tgw_routes(folder, tid, routes)
        return folder

    def reach(self, folder: Path, src: str, dst: str) -> dict[str, Any]:
        estate = load_estate([self.write(folder)])
        assert not estate.partial, [n.message for n in estate.notices]
        doc: dict[str, Any] = Engine(estate).reach(src, dst).to_json()
        return doc


def hub(return_route: bool = True) -> Routed:
    """Two spokes, A 10.1.0.0/16 and B 10.2.0.0/16, joined only by transit gateway tgw-1:
    each VPC's main table sends the other's CIDR to tgw-1, the TGW table (both attachments
    associated) has both CIDRs propagated. B's attachment subnet is subnet-bt (same zone as
    subnet-b1); A attaches by its workload subnet subnet-a1."""
    r = Routed().vpc("vpc-a", "10.1.0.0/16").vpc("vpc-b", "10.2.0.0/16")
    r.subnet("subnet-a1", "vpc-a", "10.1.0.0/24").subnet("subnet-b1", "vpc-b", "10.2.0.0/24")
    r.subnet("subnet-bt", "vpc-b", "10.2.9.0/24")
    r.eni("eni-a", "10.1.0.10", "subnet-a1", "vpc-a").eni("eni-b", "10.2.0.10", "subnet-b1",
                                                           "vpc-b")
    r.table("rtb-a", "vpc-a", [R.local("10.1.0.0/16"),
                               R.route("10.2.0.0/16", TransitGatewayId="tgw-1")], main=True)
    back = [R.route("10.1.0.0/16", TransitGatewayId="tgw-1")] if return_route else []
    r.table("rtb-b", "vpc-b", [R.local("10.2.0.0/16"), *back], main=True)
    r.tgw().attach("tgw-attach-a", "vpc-a", ["subnet-a1"], "tgw-rtb-1")
    r.attach("tgw-attach-b", "vpc-b", ["subnet-bt"], "tgw-rtb-1")
    r.tgw_table("tgw-rtb-1", [R.tgw_route("10.1.0.0/16", "tgw-attach-a", kind="propagated"),
                              R.tgw_route("10.2.0.0/16", "tgw-attach-b", kind="propagated")])
    return r
