"""Objects a snapshot references but does not hold: one notice each, and a partial estate.

Issue 14 (6a): an ENI naming a security group absent from the snapshot used to be ignored
without a word. Every such reference, in all three clouds, is now a ``missing-reference``
notice naming the object and who references it, and the estate is partial, unless another
snapshot of the same estate holds the object (a peer account, a Shared VPC host project).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pathwarden.model import Estate
from pathwarden.providers.load import load_estate
from tests.unit.awssnapshot import eni, perm, sg, write_snapshot

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/"
VNET = SUB + "Microsoft.Network/virtualNetworks/v1"
NSG = SUB + "Microsoft.Network/networkSecurityGroups/"
ASG = SUB + "Microsoft.Network/applicationSecurityGroups/"
GCE = "https://www.googleapis.com/compute/v1/projects/"


def missing(estate: Estate) -> dict[str, str]:
    return {n.source: n.message for n in estate.notices if n.code == "missing-reference"}


def write(folder: Path, files: dict[str, Any]) -> Path:
    for name, doc in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(doc))
    return folder


# -- AWS -------------------------------------------------------------------------------------
def test_aws_eni_naming_an_absent_security_group(tmp_path: Path) -> None:
    snap = write_snapshot(
        tmp_path / "s",
        security_groups=[sg("sg-1")],
        interfaces=[eni("eni-1", ["10.0.0.5"], ["sg-1", "sg-gone"])],
    )
    estate = load_estate([snap])
    assert missing(estate) == {
        "sg-gone": "security group sg-gone is not in the snapshot (eni-1 names it): its rules "
        "are unknown, so nothing it allows is seen"
    }
    assert estate.partial


def test_aws_one_notice_per_missing_object_naming_its_referrers(tmp_path: Path) -> None:
    enis = [eni(f"eni-{i}", [f"10.0.0.{i}"], ["sg-gone"]) for i in range(1, 6)]
    estate = load_estate([write_snapshot(tmp_path / "s", interfaces=enis)])
    assert missing(estate)["sg-gone"].startswith(
        "security group sg-gone is not in the snapshot (eni-1, eni-2, eni-3 and 2 more name it)"
    )
    assert len(missing(estate)) == 1


def test_aws_subnet_and_vpc_absent_from_their_files(tmp_path: Path) -> None:
    snap = write_snapshot(
        tmp_path / "s",
        interfaces=[eni("eni-1", ["10.0.0.5"], [])],  # subnet-1 in vpc-1
        subnets=[{"SubnetId": "subnet-other", "VpcId": "vpc-2", "CidrBlock": "10.9.0.0/24"}],
        vpcs=[{"VpcId": "vpc-2", "CidrBlock": "10.9.0.0/16"}],
    )
    estate = load_estate([snap])
    notes = missing(estate)
    assert notes["subnet-1"] == (
        "subnet subnet-1 is not in the snapshot (eni-1 names it): its CIDR blocks and name are "
        "unknown"
    )
    assert notes["vpc-1"] == (
        "VPC vpc-1 is not in the snapshot (subnet-1 names it): its CIDR blocks are unknown"
    )
    assert estate.subnets["subnet-1"].stub and not estate.subnets["subnet-other"].stub
    assert estate.partial


def test_aws_without_the_subnet_and_vpc_files_only_the_assumption_is_stated(
    tmp_path: Path,
) -> None:
    snap = write_snapshot(tmp_path / "s", interfaces=[eni("eni-1", ["10.0.0.5"], [])])
    estate = load_estate([snap])
    assert missing(estate) == {}
    assert {"describe-subnets.json", "describe-vpcs.json"} <= {
        n.message.split(" ")[0] for n in estate.notices if n.code == "missing-file"
    }
    assert not estate.partial


def test_aws_subnet_with_no_nacl_in_a_vpc_that_has_nacls(tmp_path: Path) -> None:
    acl = {"NetworkAclId": "acl-1", "VpcId": "vpc-1", "IsDefault": False, "Entries": [],
           "Associations": [{"SubnetId": "subnet-9", "NetworkAclId": "acl-1"}]}
    snap = write_snapshot(tmp_path / "s", acls=[acl],
                          interfaces=[eni("eni-1", ["10.0.0.5"], [])])
    estate = load_estate([snap])
    assert missing(estate)["subnet-1"].startswith(
        "network ACL of subnet subnet-1 is not in the snapshot: no network ACL in "
        "describe-network-acls.json is associated with it and vpc-1 has no default one there"
    )
    assert estate.partial


def test_aws_peer_group_in_another_account_snapshot_is_supplied(tmp_path: Path) -> None:
    ref = perm("tcp", 22, 22, groups=({"GroupId": "sg-peer", "UserId": "444455556666"},))
    a = write_snapshot(tmp_path / "a", security_groups=[sg("sg-1", ingress=[ref])],
                       interfaces=[eni("eni-1", ["10.0.0.5"], ["sg-1"])])
    b = write_snapshot(tmp_path / "b", security_groups=[sg("sg-peer", owner="444455556666")],
                       interfaces=[eni("eni-2", ["10.1.0.5"], ["sg-peer"])])
    alone = load_estate([a])
    assert "sg-peer" in missing(alone) and alone.partial
    both = load_estate([a, b])
    assert missing(both) == {} and not both.partial


def test_aws_subnet_shared_into_another_account_keeps_the_owners_nacl(tmp_path: Path) -> None:
    """A participant account sees the shared subnet but not its NACL; the owner's snapshot
    holds the NACL. Given both, in either order, the subnet has its NACL and nothing is
    missing; the participant alone is partial."""
    subnet = {"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/24"}
    acl = {"NetworkAclId": "acl-1", "VpcId": "vpc-1", "IsDefault": True, "Entries": [],
           "Associations": [{"SubnetId": "subnet-1", "NetworkAclId": "acl-1"}]}
    owner = write_snapshot(tmp_path / "owner", acls=[acl], subnets=[subnet],
                           interfaces=[eni("eni-1", ["10.0.0.5"], [])])
    participant = write_snapshot(tmp_path / "participant", acls=[], subnets=[subnet],
                                 interfaces=[eni("eni-2", ["10.0.0.6"], [])])
    alone = load_estate([participant])
    assert list(missing(alone)) == ["vpc-1"] and alone.partial
    for order in ([owner, participant], [participant, owner]):
        estate = load_estate(order)
        assert missing(estate) == {} and not estate.partial
        assert estate.subnets["subnet-1"].filters == ("acl-1",)


# -- Azure -----------------------------------------------------------------------------------
def _nic(name: str, ip: str, subnet: str, nsg: str = "", asgs: tuple[str, ...] = ()) -> Any:
    ipc: dict[str, Any] = {"name": "ipconfig1", "privateIPAddress": ip, "subnet": {"id": subnet},
                           "applicationSecurityGroups": [{"id": ASG + a} for a in asgs]}
    nic: dict[str, Any] = {"id": SUB + "Microsoft.Network/networkInterfaces/" + name,
                           "name": name, "ipConfigurations": [ipc]}
    if nsg:
        nic["networkSecurityGroup"] = {"id": NSG + nsg}
    return nic


def _nsg(name: str, rules: list[Any] | None = None) -> Any:
    return {"id": NSG + name, "name": name, "securityRules": rules or []}


def _vnet(*subnets: str) -> Any:
    return {"id": VNET, "name": "v1", "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"id": f"{VNET}/subnets/{s}", "name": s, "addressPrefix": "10.0.1.0/24"}
                        for s in subnets]}


def test_azure_nic_naming_an_absent_nsg_subnet_and_vnet(tmp_path: Path) -> None:
    other = SUB + "Microsoft.Network/virtualNetworks/v2/subnets/s9"
    snap = write(tmp_path / "az", {
        "network-nsg-list.json": [_nsg("nsg-a")],
        "network-nic-list.json": [_nic("nic-1", "10.0.1.4", f"{VNET}/subnets/s1", "nsg-gone"),
                                  _nic("nic-2", "10.2.0.4", other)],
        "network-vnet-list.json": [_vnet("s1")],
    })
    estate = load_estate([snap])
    notes = missing(estate)
    assert notes[NSG + "nsg-gone"].startswith(f"NSG {NSG}nsg-gone is not in the snapshot (")
    assert notes[NSG + "nsg-gone"].endswith("that level is treated as allowing everything")
    assert notes[other].startswith(f"subnet {other} is not in the snapshot (")
    v2 = SUB + "Microsoft.Network/virtualNetworks/v2"
    assert notes[v2] == (f"VNet {v2} is not in the snapshot ({other} names it): its address "
                         "space (for VirtualNetwork) is taken to be its NICs' addresses only")
    assert estate.partial


def test_azure_rule_naming_an_unlisted_asg_but_a_listed_empty_one_is_fine(tmp_path: Path) -> None:
    def rule(name: str, asg: str, priority: int) -> Any:
        return {"name": name, "id": f"{NSG}nsg-a/securityRules/{name}", "priority": priority,
                "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                "sourceApplicationSecurityGroups": [{"id": ASG + asg}],
                "destinationAddressPrefix": "*", "destinationPortRange": "22"}

    files = {
        "network-nsg-list.json": [_nsg("nsg-a", [rule("r1", "asg-empty", 100),
                                                 rule("r2", "asg-gone", 110)])],
        "network-nic-list.json": [_nic("nic-1", "10.0.1.4", f"{VNET}/subnets/s1", "nsg-a")],
        "network-vnet-list.json": [_vnet("s1")],
        "network-asg-list.json": [{"id": ASG + "asg-empty", "name": "asg-empty"}],
    }
    estate = load_estate([write(tmp_path / "az", files)])
    assert list(missing(estate)) == [ASG + "asg-gone"]
    assert any(n.code == "asg-empty" and "asg-empty" in n.message for n in estate.notices)
    assert estate.partial


# -- GCP -------------------------------------------------------------------------------------
def _instance(project: str, name: str, network: str, subnet: str, sa: str = "") -> Any:
    out: dict[str, Any] = {
        "name": name, "zone": f"{GCE}{project}/zones/europe-west1-b",
        "selfLink": f"{GCE}{project}/zones/europe-west1-b/instances/{name}",
        "networkInterfaces": [{"name": "nic0", "networkIP": "10.40.1.5",
                               "network": f"{GCE}{network}",
                               "subnetwork": f"{GCE}{subnet}"}],
    }
    if sa:
        out["serviceAccounts"] = [{"email": sa}]
    return out


HOST_NET = "host-prj/global/networks/shared"
HOST_SUBNET = "host-prj/regions/europe-west1/subnetworks/shared-a"


def _host(folder: Path) -> Path:
    return write(folder, {
        "networks.json": [{"name": "shared", "selfLink": f"{GCE}{HOST_NET}",
                           "peerings": [{"network": f"{GCE}other-prj/global/networks/o",
                                         "state": "ACTIVE"}]}],
        "subnets.json": [{"name": "shared-a", "network": f"{GCE}{HOST_NET}",
                          "region": f"{GCE}host-prj/regions/europe-west1",
                          "selfLink": f"{GCE}{HOST_SUBNET}", "ipCidrRange": "10.40.1.0/24"}],
        "firewall-rules.json": [],
    })


def _service(folder: Path) -> Path:
    return write(folder, {
        "networks.json": [], "subnets.json": [],
        "instances.json": [_instance("svc-prj", "vm-1", HOST_NET, HOST_SUBNET)],
    })


def test_gcp_shared_vpc_service_project_alone_is_partial(tmp_path: Path) -> None:
    estate = load_estate([_service(tmp_path / "svc-prj")])
    notes = missing(estate)
    assert set(notes) == {f"projects/{HOST_NET}", f"projects/{HOST_SUBNET}"}
    assert notes[f"projects/{HOST_NET}"].startswith(
        f"network projects/{HOST_NET} is not in the snapshot "
        "(projects/svc-prj/zones/europe-west1-b/instances/vm-1/nic0 names it)")
    assert estate.partial


def test_gcp_shared_vpc_with_the_host_project_in_either_order(tmp_path: Path) -> None:
    host, service = _host(tmp_path / "host-prj"), _service(tmp_path / "svc-prj")
    for order in ([host, service], [service, host]):
        estate = load_estate(order)
        assert missing(estate) == {} and not estate.partial
        # the service project's stub of the host network never replaces the host's own
        net = estate.networks[f"projects/{HOST_NET}"]
        assert not net.stub and net.peers == ("projects/other-prj/global/networks/o",)


def test_gcp_rule_naming_a_service_account_no_instance_runs_as(tmp_path: Path) -> None:
    def rule(name: str, sa: str) -> Any:
        return {"name": name, "network": f"{GCE}p-one/global/networks/n", "priority": 1000,
                "direction": "INGRESS", "allowed": [{"IPProtocol": "tcp", "ports": ["22"]}],
                "sourceRanges": ["10.0.0.0/8"], "targetServiceAccounts": [sa]}

    snap = write(tmp_path / "p-one", {
        "networks.json": [{"name": "n", "selfLink": f"{GCE}p-one/global/networks/n"}],
        "subnets.json": [{"name": "a", "network": f"{GCE}p-one/global/networks/n",
                          "region": f"{GCE}p-one/regions/europe-west1", "ipCidrRange":
                          "10.40.1.0/24", "selfLink": f"{GCE}p-one/regions/europe-west1/"
                          "subnetworks/a"}],
        "instances.json": [_instance("p-one", "vm-1", "p-one/global/networks/n",
                                     "p-one/regions/europe-west1/subnetworks/a",
                                     sa="used@p-one.iam.gserviceaccount.com")],
        "firewall-rules.json": [rule("to-used", "used@p-one.iam.gserviceaccount.com"),
                                rule("to-gone", "gone@p-one.iam.gserviceaccount.com")],
    })
    estate = load_estate([snap])
    assert missing(estate) == {
        "gone@p-one.iam.gserviceaccount.com": "service account gone@p-one.iam.gserviceaccount"
        ".com is not in the snapshot (projects/p-one/global/firewalls/to-gone names it): no "
        "instance in the snapshot runs as it, so a rule naming it matches nothing"
    }
    assert estate.partial


def test_stubs_survive_the_normalised_estate_document(tmp_path: Path) -> None:
    from pathwarden.model.serialize import estate_from_json, estate_to_json

    snap = write_snapshot(tmp_path / "s", interfaces=[eni("eni-1", ["10.0.0.5"], [])],
                          subnets=[], vpcs=[])
    estate = load_estate([snap])
    again = estate_from_json(json.loads(json.dumps(estate_to_json(estate))))
    assert again.subnets["subnet-1"].stub and again.networks["vpc-1"].stub
    assert again == estate
