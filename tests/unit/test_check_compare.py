"""compare(): findings from a policy and a fake engine (the engine's interface, table-driven)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

from pathwarden.check import CheckResult, Kind, compare
from pathwarden.check.reaching import split
from pathwarden.engine.endpoints import Endpoint, Member
from pathwarden.model import AddressSet, Estate, ServiceSet, Workload
from pathwarden.model.services import UDP
from pathwarden.policy import Policy, Stage, parse_policy

TCP22, TCP443, TCP3389, TCP8443, TCP9100 = (ServiceSet.tcp(p) for p in (22, 443, 3389, 8443, 9100))
UDP161 = ServiceSet.ports(UDP, 161, 161)
AS_OF = date(2026, 11, 25)


def wl(wid: str, ip: str, **kw: Any) -> Workload:
    return Workload(wid, "aws", (ip,), "vpc-1", "subnet-a", **kw)


WS = (("Role", "workstation"),)
ESTATE = Estate(
    workloads=(
        wl("eni-ws1", "10.20.1.10", tags=WS),
        wl("eni-ws2", "10.20.1.11", instance_tags=WS),
        wl("eni-jump", "10.20.2.5", instance="i-0jump"),
        wl("eni-console", "10.20.3.10", filters=("sg-0backup",)),
        wl("eni-mon", "10.20.2.20", filters=("sg-0monitoring",)),
        wl("eni-other", "10.20.4.4"),
        wl("eni-dev", "10.20.4.5"),
    )
)
OUTSIDE = "outside"
# (source workload id or OUTSIDE, destination workload id) -> [(open services, rule id)]
TABLE: dict[tuple[str, str], list[tuple[ServiceSet, str]]] = {
    ("eni-ws1", "eni-console"): [(TCP22, "sgr-ssh-temp"), (TCP443, "sgr-broad-443")],
    ("eni-ws2", "eni-console"): [(TCP443, "sgr-broad-443")],
    (OUTSIDE, "eni-console"): [(TCP443, "sgr-broad-443")],
    ("eni-jump", "eni-console"): [(TCP443, "sgr-broad-443"), (TCP3389, "sgr-rdp")],
    ("eni-mon", "eni-console"): [(TCP9100, "sgr-node")],
    ("eni-other", "eni-console"): [(TCP443, "sgr-broad-443"), (UDP161, "sgr-snmp")],
}


class FakeResult:
    def __init__(self, src: Endpoint, dst: Endpoint, hits: list[tuple[str, str, ServiceSet, str]]):
        self.src, self.dst, self.hits = src, dst, hits
        self.open = ServiceSet.union_all(h[2] for h in hits)

    def rule_ids(self, within: ServiceSet | None = None) -> list[str]:
        return list(dict.fromkeys(h[3] for h in self.hits if within is None or h[2] & within))

    def _by_pair(self, within: ServiceSet | None) -> dict[tuple[str, str], ServiceSet]:
        out: dict[tuple[str, str], ServiceSet] = {}
        for s, d, services, _ in self.hits:
            part = services if within is None else services & within
            if part:
                out[(s, d)] = out.get((s, d), ServiceSet()) | part
        return out

    def pair_count(self, within: ServiceSet | None = None) -> int:
        return len(self._by_pair(within))

    def pairs(
        self, within: ServiceSet | None = None, limit: int | None = None
    ) -> Iterator[tuple[list[str], list[str], ServiceSet]]:
        items = list(self._by_pair(within).items())[:limit]
        for (s, d), opened in items:
            yield [s], [d], opened

    def explanations(self, within: ServiceSet | None = None) -> list[dict[str, Any]]:
        return [
            {**entry, "from": [s], "to": [d], "hops": [{"hop": "dst sg in", "rules": [{"id": r}]}]}
            for s, d, services, r in self.hits
            for entry in (services if within is None else services & within).to_contract()
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.src.label,
            "to": self.dst.label,
            "open": self.open.to_contract(),
            "explanations": self.explanations(),
        }


class FakeEngine:
    def __init__(self, estate: Estate, table: dict[tuple[str, str], list[tuple[ServiceSet, str]]]):
        self.estate = estate
        self.table = table
        self.calls: list[tuple[Endpoint, Endpoint]] = []

    def reach(
        self, src: str | Endpoint, dst: str | Endpoint, *, explain: bool = True
    ) -> FakeResult:
        assert isinstance(src, Endpoint) and isinstance(dst, Endpoint) and explain
        assert not src.is_empty() and not dst.is_empty()
        self.calls.append((src, dst))
        sources = [m.workload.id for m in src.members] + ([OUTSIDE] if src.outside else [])
        hits = [
            (s, d.workload.id, services, rule)
            for s in sources
            for d in dst.members
            for services, rule in self.table.get((s, d.workload.id), [])
        ]
        return FakeResult(src, dst, hits)


POLICY_TEXT = """
version: 1
segments:
  workstations:
    owner: it@example.com
    match: [{aws: {tag: {Role: workstation}}}, {cidr: 10.50.0.0/16}]
  jump-hosts: {match: [{aws: {instance: i-0jump}}]}
  backup-console: {owner: backup@example.com, match: [{aws: {security_group: sg-0backup}}]}
  monitoring: {match: [{aws: {security_group: sg-0monitoring}}]}
  admin-ws: {match: [{aws: {eni: eni-ws1}}]}
  ghosts: {match: [{aws: {security_group: sg-gone}}]}
protect: [{segment: backup-console, stage: enforce}]
paths:
  - {id: ws-to-backup, from: workstations, to: backup-console, rule: deny, stage: enforce,
     why: No workstation to the console., owner: sec@example.com}
  - id: jump-to-backup
    from: jump-hosts
    to: backup-console
    rule: allow
    ports: [tcp/443, tcp/8443]
    approved: {by: jane.doe, change: CHG0012345, on: 2026-11-01}
    expires: 2027-05-01
    stage: enforce
  - id: monitoring-to-backup
    from: monitoring
    to: backup-console
    rule: allow
    ports: [tcp/9100]
    approved: {by: sam, change: CHG0011111, on: 2025-09-01}
    expires: 2026-09-30
  - {id: ghosts-to-backup, from: ghosts, to: backup-console, rule: deny}
"""
POLICY = parse_policy(POLICY_TEXT, "policy.yml")


def run(policy: Policy = POLICY, estate: Estate = ESTATE, as_of: date = AS_OF) -> CheckResult:
    return compare(FakeEngine(estate, TABLE), policy, as_of=as_of)


def summary(result: CheckResult) -> list[tuple[str, str, str, ServiceSet, tuple[str, ...]]]:
    return [(f.path, f.kind.value, f.stage.value, f.open, f.rules) for f in result.findings]


def test_every_kind_worst_first() -> None:
    result = run()
    assert summary(result) == [
        ("ws-to-backup", "violation", "enforce", TCP22 | TCP443, ("sgr-ssh-temp", "sgr-broad-443")),
        (
            "protect:backup-console",
            "unapproved",
            "enforce",
            TCP443 | UDP161,
            ("sgr-broad-443", "sgr-snmp"),
        ),
        ("jump-to-backup", "blocked", "enforce", TCP443, ("sgr-broad-443",)),
        ("jump-to-backup", "overbroad", "enforce", TCP3389, ("sgr-rdp",)),
        ("monitoring-to-backup", "expired", "monitor", TCP9100, ("sgr-node",)),
    ]
    blocked = result.findings[2]
    assert blocked.closed == TCP8443 and blocked.ports == TCP443 | TCP8443
    expired = result.findings[4]
    assert expired.expires == date(2026, 9, 30)
    assert "CHG0011111" in expired.message and "expired on 2026-09-30" in expired.message
    assert result.exit_code() == 2
    assert result.warnings == ("segment 'ghosts' matches nothing in this estate",)


def test_violation_carries_pairs_and_path_facts() -> None:
    violation = run().findings[0]
    assert (violation.src, violation.dst, violation.why, violation.owner) == (
        "workstations",
        "backup-console",
        "No workstation to the console.",
        "sec@example.com",
    )
    sources = sorted({p["from"][0] for p in violation.pairs})
    assert sources == ["eni-ws1", "eni-ws2", OUTSIDE]
    assert violation.pair_count == len(violation.pairs) == 3
    # ws1: tcp/22 and tcp/443 (two rules) merged into one contract entry
    assert violation.pairs[0]["open"] == [{"protocol": "tcp", "ports": [[22, 22], [443, 443]]}]
    assert (violation.line, violation.column) == (14, 5)  # the text starts with a newline


def test_unapproved_sources_are_everything_else() -> None:
    engine = FakeEngine(ESTATE, TABLE)
    compare(engine, POLICY, as_of=AS_OF)
    star = [src for src, _ in engine.calls if src.label == "*"]
    seen = sorted(m.workload.id for src in star for m in src.members)
    # not the console itself, not the allow-path sources (jump, monitoring), no outside ranges
    assert seen == ["eni-dev", "eni-other", "eni-ws1", "eni-ws2"]
    assert all(not src.outside for src in star)


def test_deny_ports_limit_the_violation_and_leave_the_rest_to_unapproved() -> None:
    text = POLICY_TEXT.replace(
        "rule: deny, stage: enforce,", "rule: deny, ports: [tcp/22], stage: enforce,"
    )
    result = run(parse_policy(text))
    kinds = {f.kind: f for f in result.findings}
    assert kinds[Kind.VIOLATION].open == TCP22
    assert kinds[Kind.VIOLATION].rules == ("sgr-ssh-temp",)
    assert kinds[Kind.UNAPPROVED].open == TCP443 | UDP161  # ws 443 no longer declared by the deny


EXCEPTION = """
  - id: admin-ssh
    from: admin-ws
    to: backup-console
    rule: allow
    ports: [tcp/22]
    approved: {by: jane.doe, change: CHG0020000, on: 2026-11-20}
    expires: 2026-12-31
    exceptions: [ws-to-backup]
"""


def test_valid_exception_carves_its_flows_out_of_the_deny() -> None:
    result = run(parse_policy(POLICY_TEXT + EXCEPTION))
    violation = result.findings[0]
    assert (violation.kind, violation.open, violation.rules) == (
        Kind.VIOLATION,
        TCP443,
        ("sgr-broad-443",),
    )
    assert violation.exceptions == ("admin-ssh",)
    # the exception path itself is open wider than its tcp/22 (ws1's 443, also the violation)
    admin = [(f.kind, f.open) for f in result.findings if f.path == "admin-ssh"]
    assert admin == [(Kind.OVERBROAD, TCP443)]


def test_expired_exception_no_longer_overrides_the_deny() -> None:
    result = run(parse_policy(POLICY_TEXT + EXCEPTION), as_of=date(2027, 1, 1))
    by_path = result.by_path()
    assert by_path["ws-to-backup"][0].open == TCP22 | TCP443
    (lapsed,) = [f for f in by_path["admin-ssh"] if f.kind is Kind.EXPIRED]
    assert lapsed.open == TCP22
    assert "exception to ws-to-backup" in lapsed.message


def test_monitor_stage_findings_exit_zero_and_partial_is_reported() -> None:
    text = POLICY_TEXT.replace("stage: enforce", "stage: monitor").replace(
        "    approved: {by: jane.doe, change: CHG0012345, on: 2026-11-01}\n", ""
    )
    result = run(parse_policy(text), estate=replace(ESTATE, partial=True))
    assert result.findings and all(f.stage is Stage.MONITOR for f in result.findings)
    assert result.exit_code() == 0
    assert result.partial is True
    assert result.to_json()["partial"] is True


def test_clean_estate_has_no_findings() -> None:
    quiet = Estate(workloads=ESTATE.workloads)
    table = {
        ("eni-jump", "eni-console"): [(TCP443 | TCP8443, "r1")],
        ("eni-mon", "eni-console"): [(TCP9100, "r2")],
    }
    result = compare(FakeEngine(quiet, table), POLICY, as_of=date(2026, 9, 1))
    assert result.findings == ()
    assert result.exit_code() == 0
    assert result.summary()["verdict"] == "pass"


def test_json_contract() -> None:
    doc = run().to_json()
    assert set(doc) == {"findings", "partial", "summary", "notices"}  # notices: the estate's
    first = doc["findings"][0]
    assert {k: first[k] for k in ("path", "kind", "from", "to", "stage")} == {
        "path": "ws-to-backup",
        "kind": "violation",
        "from": "workstations",
        "to": "backup-console",
        "stage": "enforce",
    }
    assert first["open"] == [{"protocol": "tcp", "ports": [[22, 22], [443, 443]]}]
    assert first["rules"] == ["sgr-ssh-temp", "sgr-broad-443"]
    blocked = doc["findings"][2]
    assert blocked["closed"] == [{"protocol": "tcp", "ports": [[8443, 8443]]}]
    assert doc["summary"]["by_kind"] == {
        "violation": 1,
        "unapproved": 1,
        "blocked": 1,
        "overbroad": 1,
        "expired": 1,
    }
    assert (doc["summary"]["enforce"], doc["summary"]["monitor"]) == (4, 1)
    assert doc["summary"]["warnings"] == ["segment 'ghosts' matches nothing in this estate"]


def test_split_partitions_members_and_outside() -> None:
    a, b, c = (Member(w, w.addresses) for w in ESTATE.workloads[:3])
    whole = Endpoint("x", (a, b, c), AddressSet.parse("10.50.0.0/16"))
    g1 = Endpoint("g1", (a,), AddressSet.parse("10.50.0.0/17"))
    g2 = Endpoint("g2", (a, b))
    parts = dict(split(whole, [g1, g2]))
    assert set(parts) == {frozenset(), frozenset({0, 1}), frozenset({1}), frozenset({0})}
    assert parts[frozenset({0, 1})].members == (a,)
    assert parts[frozenset({1})].members == (b,)
    assert parts[frozenset()].members == (c,)
    assert parts[frozenset()].outside == AddressSet.parse("10.50.128.0/17")
    assert parts[frozenset({0})].outside == AddressSet.parse("10.50.0.0/17")
    assert parts[frozenset({0})].members == ()
