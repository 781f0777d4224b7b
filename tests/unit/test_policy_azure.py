"""Azure segment selectors, resolved against Azure workloads as the Azure loader builds them."""

from __future__ import annotations

from pathwarden.model import Estate, Workload
from pathwarden.policy import parse_policy
from pathwarden.policy.segments import describe_segments

SUB = "/subscriptions/11111111-2222-3333-4444-555555555555"
RG = f"{SUB}/resourceGroups/RG-Backup/providers"
VNET = f"{RG}/Microsoft.Network/virtualNetworks/vnet-corp"
ASG = f"{RG}/Microsoft.Network/applicationSecurityGroups/asg-console"


def nic(name: str, vm: str, asgs: tuple[str, ...] = (), tags: tuple[tuple[str, str], ...] = ()):  # type: ignore[no-untyped-def]
    return Workload(
        f"{RG}/Microsoft.Network/networkInterfaces/{name}",
        "azure",
        ("10.1.0.4",),
        VNET,
        f"{VNET}/subnets/backup",
        name=name,
        account=SUB.split("/")[-1],
        instance=f"{RG}/Microsoft.Compute/virtualMachines/{vm}",
        labels=asgs,
        tags=tags,
    )


ESTATE = Estate(
    (
        nic("nic-console", "vm-console", (ASG,)),
        nic("nic-ws", "vm-ws", tags=(("Role", "workstation"),)),
    )
)


def members(selector: str) -> list[str]:
    policy = parse_policy(
        f"version: 1\nsegments:\n  s:\n    match: [{{azure: {selector}}}]\npaths: []\n", "p.yml"
    )
    [view] = describe_segments(ESTATE, policy)
    return [m.workload.name for m in view.endpoint.members]


def test_selectors_match_by_name_or_id_case_insensitively() -> None:
    assert members("{asg: asg-console}") == ["nic-console"]
    assert members(f"{{asg: '{ASG.upper()}'}}") == ["nic-console"]
    assert members("{vm: VM-WS}") == ["nic-ws"]
    assert members("{resource_group: rg-backup}") == ["nic-console", "nic-ws"]
    assert members("{vnet: vnet-corp, nic: nic-ws}") == ["nic-ws"]
    assert members("{tag: {Role: workstation}}") == ["nic-ws"]
    assert members("{vnet: vnet-other}") == []
