"""The bundled example estate (examples/backup-console/snapshot) loads as designed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pathwarden.model import Direction, Estate, FilterKind, Peer, PeerKind, ServiceSet
from pathwarden.providers.load import load_estate

SNAPSHOT = Path(__file__).resolve().parents[2] / "examples" / "backup-console" / "snapshot"
WORKSTATIONS, SERVERS, BACKUP = (
    "subnet-0c7e1a2b3d4f50011",
    "subnet-0c7e1a2b3d4f50022",
    "subnet-0c7e1a2b3d4f50033",
)


@pytest.fixture(scope="module")
def estate() -> Estate:
    return load_estate([SNAPSHOT])


def test_counts(estate: Estate) -> None:
    assert len(estate.workloads) == 29
    sgs = [f for f in estate.filters.values() if f.layer == "aws_sg"]
    nacls = [f for f in estate.filters.values() if f.layer == "aws_nacl"]
    assert len(sgs) == 8 and len(nacls) == 4
    assert set(estate.subnets) == {WORKSTATIONS, SERVERS, BACKUP}
    assert set(estate.networks) == {"vpc-0corp"}
    assert {w.account for w in estate.workloads} == {"111122223333"}
    assert {w.region for w in estate.workloads} == {"us-east-1"}
    assert not estate.partial


def test_every_rule_has_its_sgr_id(estate: Estate) -> None:
    ids = [r.id for f in estate.filters.values() if f.layer == "aws_sg" for r in f.rules]
    assert len(ids) == 25
    assert all(i.startswith("sgr-0") for i in ids)
    assert "snapshot-inconsistent" not in [n.code for n in estate.notices]


def test_workstations(estate: Estate) -> None:
    ws = [w for w in estate.workloads if w.tag("Role") == "workstation"]
    assert len(ws) == 20
    assert all(w.filters == ("sg-0workstation",) and w.subnet == WORKSTATIONS for w in ws)
    assert all(w.name.startswith("ws-") and w.instance.startswith("i-0") for w in ws)
    (egress,) = estate.filters["sg-0workstation"].direction(Direction.EGRESS)
    assert egress.dst == (Peer(PeerKind.CIDR, "0.0.0.0/0"),)


def test_jump_host_and_console(estate: Estate) -> None:
    (jump,) = [w for w in estate.workloads if w.instance == "i-0jump"]
    assert (jump.subnet, jump.filters, jump.name) == (SERVERS, ("sg-0jump",), "jump-01")
    (console,) = [w for w in estate.workloads if w.instance == "i-0backupconsole"]
    assert (console.subnet, console.filters, console.addresses) == (
        BACKUP,
        ("sg-0backup",),
        ("10.20.3.10",),
    )


def test_backup_console_rules(estate: Estate) -> None:
    ingress = estate.filters["sg-0backup"].direction(Direction.INGRESS)
    by_peer = {r.src[0].value: r for r in ingress}
    assert set(by_peer) == {
        "sg-0jump",
        "10.0.0.0/8",
        "10.20.1.0/24",
        "sg-0monitoring",
        "sg-0peerbackup",
    }
    assert by_peer["sg-0jump"].services == ServiceSet.tcp(443)
    assert by_peer["10.0.0.0/8"].description == "legacy"
    ssh = by_peer["10.20.1.0/24"]
    assert (ssh.services, ssh.description) == (
        ServiceSet.tcp(22),
        "temporary - ops ticket OPS-4411",
    )
    assert by_peer["sg-0monitoring"].services == ServiceSet.tcp(9100)
    peer = by_peer["sg-0peerbackup"].src[0]
    assert (peer.account, peer.peering, peer.peering_status) == (
        "444455556666",
        "pcx-0old",
        "deleted",
    )
    (stale,) = [n for n in estate.notices if n.code == "stale-reference"]
    assert stale.source == by_peer["sg-0peerbackup"].id


def test_backup_subnet_nacl(estate: Estate) -> None:
    (acl_id,) = estate.subnets[BACKUP].filters
    acl = estate.filters[acl_id]
    assert acl.kind is FilterKind.FIRST_MATCH
    ingress = {r.order: r for r in acl.direction(Direction.INGRESS)}
    assert ingress[100].services == ServiceSet.tcp(22)
    assert ingress[110].services == ServiceSet.tcp(443)
    assert ingress[100].src == (Peer(PeerKind.CIDR, "10.20.0.0/16"),)
    assert ingress[32767].action.value == "deny"
    egress = {r.order: r for r in acl.direction(Direction.EGRESS)}
    assert egress[100].services == ServiceSet.tcp(1024, 65535)


def test_only_expected_notices(estate: Estate) -> None:
    # no routing files in the example: the pre-routing assumption, said once
    assert sorted(n.code for n in estate.notices) == ["routes-not-in-snapshot", "stale-reference"]
