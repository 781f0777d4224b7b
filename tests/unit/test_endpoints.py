"""Endpoint forms across clouds: names, labels (ASG ids, tags) and case-insensitive ARM ids."""

import pytest

from pathwarden.engine.endpoints import EndpointIndex, parse_endpoint
from pathwarden.errors import EndpointError
from pathwarden.model import Estate, Workload

NIC = "/subscriptions/0000/resourceGroups/RG/providers/Microsoft.Network/networkInterfaces/nic-1"
VM = "/subscriptions/0000/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/vm-db"
ASG = (
    "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/db"
)

ESTATE = Estate(
    (
        Workload(NIC, "azure", ("10.1.0.4",), "vnet", "snet", instance=VM, labels=(ASG,)),
        Workload(
            "eni-1", "aws", ("10.0.0.5",), "vpc", "sub", ("sg-1",), instance="i-1", name="web-1"
        ),
    )
)
INDEX = EndpointIndex(ESTATE)


@pytest.mark.parametrize(
    ("text", "member"),
    [
        (NIC.lower(), NIC),
        (NIC.upper().replace("/SUBSCRIPTIONS/", "/subscriptions/"), NIC),
        ("vm-db", NIC),
        (ASG.upper().replace("/SUBSCRIPTIONS/", "/subscriptions/"), NIC),
        ("i-1", "eni-1"),
        ("sg-1", "eni-1"),
        ("web-1", "eni-1"),
        ("10.0.0.5", "eni-1"),
    ],
)
def test_each_form_finds_its_workload(text: str, member: str) -> None:
    ep = parse_endpoint(INDEX, text)
    assert [m.workload.id for m in ep.members] == [member]


def test_an_address_of_no_workload_is_outside() -> None:
    ep = parse_endpoint(INDEX, "192.0.2.7")
    assert not ep.members and ep.outside.contains_ip("192.0.2.7")


def test_unknown_names_are_an_error() -> None:
    with pytest.raises(EndpointError, match="nothing-here"):
        parse_endpoint(INDEX, "nothing-here")
