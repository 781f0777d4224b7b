"""Rule evidence and stateless return traffic (issue 14, item 11): a NACL entry that admits
the replies of observed flows is credited with them, and no narrowing or removal is proposed
unless the engine proves, for all proposals together, that no observed flow stops."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from pathwarden.api import reach
from pathwarden.flows import EvidenceBuilder, FlowStore, PathJudge, SegmentIndex
from pathwarden.flows.evidence import OVERBROAD, UNUSED, RuleEvidence
from pathwarden.flows.observed import Pair, load_pairs, return_services
from pathwarden.flows.proof import Edit, Prover, edited
from pathwarden.model import Estate, Peer, PeerKind, Rule, ServiceSet
from pathwarden.policy import load_policy
from pathwarden.providers.load import load_estate
from tests.unit.flowsexample import APP, FLOWS, JUMP, POLICY, SNAPSHOT

WS_IN = "acl-0d1e2f3a4b5c60011#100/in"  # workstation subnet: allow all from 10.20.0.0/16
WS_EPHEMERAL_IN = "acl-0d1e2f3a4b5c60011#110/in"  # allow tcp/1024-65535 from 0.0.0.0/0
WORKSTATION = "10.20.1.11"  # connects to the app server on tcp/443 in the example week
EPHEMERAL = ServiceSet.tcp(1024, 65535)


@pytest.fixture(scope="module")
def estate() -> Estate:
    return load_estate([SNAPSHOT])


@pytest.fixture(scope="module")
def pairs() -> list[Pair]:
    store = FlowStore()
    store.ingest([FLOWS])
    return load_pairs(store)


def _builder(estate: Estate, pairs: list[Pair], cls: type[EvidenceBuilder] = EvidenceBuilder
             ) -> EvidenceBuilder:
    policy = load_policy(str(POLICY))
    b = cls(estate, judge=PathJudge(policy, date(2026, 11, 25)),
            segments=SegmentIndex(estate, policy))
    b.add(pairs)
    return b


@pytest.fixture(scope="module")
def builder(estate: Estate, pairs: list[Pair]) -> EvidenceBuilder:
    return _builder(estate, pairs)


def _rule(estate: Estate, rule_id: str) -> tuple[Rule, str]:
    for f in estate.filters.values():
        for r in f.rules:
            if r.id == rule_id:
                return r, f.id
    raise KeyError(rule_id)


def _open(estate: Estate, client: str, server: str, port: int) -> bool:
    return bool(reach(estate, client, server, explain=False).open & ServiceSet.tcp(port))


def test_replies_are_credited_to_the_entry_that_admits_them(builder: EvidenceBuilder) -> None:
    ev = builder.evidence[WS_IN]
    assert ev.return_hits > 0
    assert (APP, 6) in ev.return_points  # the app server answering a workstation's tcp/443
    assert WS_EPHEMERAL_IN not in builder.evidence  # #100 matches the replies first


def test_the_narrowed_entry_keeps_the_replies(builder: EvidenceBuilder) -> None:
    (found,) = [f for f in builder.findings() if f.rule.id == WS_IN]
    assert found.kind == OVERBROAD and found.proposed is not None
    assert EPHEMERAL.issubset(found.proposed.services)
    peers = {p.value for p in found.proposed.src}
    assert f"{APP}/32" in peers and f"{JUMP}/32" in peers
    assert found.proof is not None and found.proof.proven and found.proof.checked > 0


def test_the_old_combination_cut_replies_to_the_workstations(estate: Estate) -> None:
    """What evidence proposed before: #100 narrowed to the one forward flow (RDP from the
    jump host) and the ephemeral entry #110 removed as unused. The engine says replies to the
    workstations stop, while each edit alone looks harmless."""
    rule, fid = _rule(estate, WS_IN)
    ephemeral, _ = _rule(estate, WS_EPHEMERAL_IN)
    narrow = replace(rule, services=ServiceSet.tcp(3389), src=(Peer(PeerKind.CIDR, f"{JUMP}/32"),))
    f = estate.filters[fid]
    assert _open(estate, WORKSTATION, APP, 443)
    assert _open(edited(estate, [Edit(rule, f, narrow)]), WORKSTATION, APP, 443)
    assert _open(edited(estate, [Edit(ephemeral, f, None)]), WORKSTATION, APP, 443)
    both = edited(estate, [Edit(rule, f, narrow), Edit(ephemeral, f, None)])
    assert not _open(both, WORKSTATION, APP, 443)


def test_all_proposals_together_stop_no_observed_flow(
        estate: Estate, pairs: list[Pair], builder: EvidenceBuilder) -> None:
    found = builder.findings()
    edits = [Edit(x.rule, x.filter, x.proposed) for x in found if x.proposed is not None]
    edits += [Edit(x.rule, x.filter, None) for x in found if x.remove]
    assert any(e.rule.id == WS_IN for e in edits)
    assert any(e.rule.id == WS_EPHEMERAL_IN and e.removes for e in edits)
    after = edited(estate, edits)
    judge = PathJudge(load_policy(str(POLICY)), date(2026, 11, 25))
    segments = SegmentIndex(estate, load_policy(str(POLICY)))
    checked = 0
    for p in pairs:
        if not p.accepted or p.proto != 6 or not _open(estate, p.client, p.server, p.port):
            continue
        verdict = judge.judge(segments.segments(p.client), segments.segments(p.server),
                              p.proto, p.port)
        if verdict.status == "forbidden":
            continue  # closing those is the point of the proposals
        checked += 1
        assert _open(after, p.client, p.server, p.port), (p.client, p.server, p.port)
    assert checked > 50


def test_joint_proof_refuses_the_second_edit_of_a_bad_pair(
        estate: Estate, builder: EvidenceBuilder) -> None:
    rule, fid = _rule(estate, WS_IN)
    ephemeral, _ = _rule(estate, WS_EPHEMERAL_IN)
    f = estate.filters[fid]
    narrow = replace(rule, services=ServiceSet.tcp(3389), src=(Peer(PeerKind.CIDR, f"{JUMP}/32"),))
    prover = Prover(estate, builder.observed)
    assert prover.check([Edit(rule, f, narrow)]).proven
    assert prover.check([Edit(ephemeral, f, None)]).proven
    together = prover.check([Edit(rule, f, narrow), Edit(ephemeral, f, None)])
    assert not together.proven and together.stopped_count > 0
    verdicts = prover.accept([Edit(rule, f, narrow), Edit(ephemeral, f, None)])
    assert verdicts[WS_IN].proven and not verdicts[WS_EPHEMERAL_IN].proven


class _Careless(EvidenceBuilder):
    """Proposes for the workstation entry only the forward flow, as evidence did before."""

    def propose(self, ev: RuleEvidence) -> Rule | None:
        if ev.rule.id != WS_IN:
            return super().propose(ev)
        return replace(ev.rule, id=f"proposed:{ev.rule.id}", services=ServiceSet.tcp(3389),
                       src=(Peer(PeerKind.CIDR, f"{JUMP}/32"),))


class _Lossy(EvidenceBuilder):
    """Drops tcp/443 from the app server's egress proposal: stops observed flows."""

    def propose(self, ev: RuleEvidence) -> Rule | None:
        rule = super().propose(ev)
        if rule is None or ev.rule.id != "sgr-06a989775e3f18b78":
            return rule
        return replace(rule, services=rule.services - ServiceSet.tcp(443))


def test_a_proposal_that_drops_replies_is_withheld(estate: Estate, pairs: list[Pair]) -> None:
    found = {f.rule.id: f for f in _builder(estate, pairs, _Careless).findings()}
    ws = found[WS_IN]
    assert ws.proposed is None and ws.proof is not None and not ws.proof.proven
    assert "would no longer admit the replies from" in ws.message
    assert found[WS_EPHEMERAL_IN].kind == UNUSED


def test_a_proposal_that_stops_flows_is_withheld(estate: Estate, pairs: list[Pair]) -> None:
    found = {f.rule.id: f for f in _builder(estate, pairs, _Lossy).findings()}
    bad = found["sgr-06a989775e3f18b78"]
    assert bad.proposed is None and bad.proof is not None
    assert bad.proof.stopped_count > 0
    assert "no narrowed rule proposed: it would stop" in bad.message
    assert bad.to_json()["proof"]["proven"] is False


@pytest.mark.parametrize(
    ("proto", "expected"),
    [(6, ServiceSet.tcp(32768, 60999)), (17, ServiceSet.ports(17, 32768, 60999)),
     (1, ServiceSet.icmp(1, 0)), (58, ServiceSet.icmp(58, 129)), (50, ServiceSet.protocol(50))],
)
def test_what_replies_use_on_a_stateless_filter(proto: int, expected: ServiceSet) -> None:
    assert return_services(proto, (32768, 60999)) == expected
