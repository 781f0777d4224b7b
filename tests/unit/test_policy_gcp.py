"""GCP segment selectors, resolved against GCP workloads as the GCP loader builds them."""

from __future__ import annotations

from pathwarden.model import Estate, Workload
from pathwarden.policy import parse_policy
from pathwarden.policy.segments import describe_segments

NET = "https://www.googleapis.com/compute/v1/projects/corp-prod/global/networks/corp"
SUBNET = "https://www.googleapis.com/compute/v1/projects/corp-prod/regions/europe-west1/subnetworks/backup"


def vm(
    name: str, tags: tuple[str, ...], sa: str, labels: tuple[tuple[str, str], ...] = ()
) -> Workload:
    return Workload(
        f"corp-prod/europe-west1-b/{name}/nic0",
        "gcp",
        ("10.40.0.2",),
        NET,
        SUBNET,
        account="corp-prod",
        name=name,
        instance=f"europe-west1-b/{name}",
        labels=tags,
        service_account=sa,
        tags=labels,
    )


ESTATE = Estate(
    (
        vm("backup-console", ("backup",), "backup@corp-prod.iam.gserviceaccount.com"),
        vm("ws-1", ("workstation",), "ws@corp-prod.iam.gserviceaccount.com", (("team", "it"),)),
    )
)


def members(selector: str) -> list[str]:
    policy = parse_policy(
        f"version: 1\nsegments:\n  s:\n    match: [{{gcp: {selector}}}]\npaths: []\n", "p.yml"
    )
    [view] = describe_segments(ESTATE, policy)
    return [m.workload.name for m in view.endpoint.members]


def test_gcp_selectors() -> None:
    assert members("{network_tag: backup}") == ["backup-console"]
    assert members("{instance: ws-1}") == ["ws-1"]
    assert members("{instance: europe-west1-b/ws-1}") == ["ws-1"]
    assert members("{service_account: ws@corp-prod.iam.gserviceaccount.com}") == ["ws-1"]
    assert members("{network: corp, project: corp-prod}") == ["backup-console", "ws-1"]
    assert members(f"{{subnet: '{SUBNET}'}}") == ["backup-console", "ws-1"]
    assert members("{label: {team: it}}") == ["ws-1"]
    assert members("{network: other}") == []
