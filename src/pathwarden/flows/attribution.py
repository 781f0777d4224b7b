"""Which rules let an observed flow through: the engine's explanations, per flow.

AWS flow logs name no rule, so the rule is inferred: the flow's addresses become reach
endpoints (an address of an ENI is that ENI, any other address is outside), the engine
evaluates every hop, and every rule that lets the flow's protocol and port through on a hop
is credited (security groups are a union: when two rules both allow it, both are credited;
AWS does not say which one "matched"). Rules on the NACL return path are credited as
``return`` hits: they carry the replies, on ports the logs do not show.
"""

from __future__ import annotations

from dataclasses import dataclass

from pathwarden.engine.engine import Engine
from pathwarden.engine.result import ReachResult
from pathwarden.errors import EndpointError
from pathwarden.flows.observed import flow_services
from pathwarden.model import Estate

RETURN_HOP = "return path"


@dataclass(frozen=True, slots=True)
class Hit:
    rule_id: str
    filter_id: str
    hop: str
    forward: bool


class Attributor:
    """Memoised reach per (client, server) address pair on one estate."""

    def __init__(self, estate: Estate | Engine) -> None:
        self.engine = estate if isinstance(estate, Engine) else Engine(estate)
        self._reach: dict[tuple[str, str, bool], ReachResult | None] = {}
        self._hits: dict[tuple[str, str, int, int], tuple[Hit, ...]] = {}

    def reach(self, client: str, server: str, explain: bool) -> ReachResult | None:
        key = (client, server, explain)
        if key not in self._reach:
            try:
                self._reach[key] = self.engine.reach(client, server, explain=explain)
            except EndpointError:
                self._reach[key] = None
        return self._reach[key]

    def is_open(self, client: str, server: str, proto: int, port: int) -> bool:
        """Would the estate let this flow through (client to server on proto/port)?"""
        r = self.reach(client, server, False)
        return r is not None and bool(r.open & flow_services(proto, port))

    def hits(self, client: str, server: str, proto: int, port: int) -> tuple[Hit, ...]:
        """Every rule on every hop that lets this flow through (empty: the estate says the
        flow cannot happen, or neither address is ours)."""
        key = (client, server, proto, port)
        hit = self._hits.get(key)
        if hit is not None:
            return hit
        out: dict[str, Hit] = {}
        r = self.reach(client, server, True)
        within = flow_services(proto, port)
        if r is not None and r.open & within:
            for e in r.explanations(within):
                for hop in e["hops"]:
                    forward = RETURN_HOP not in hop["hop"]
                    for rule in hop["rules"]:
                        out.setdefault(rule["id"],
                                       Hit(rule["id"], rule["filter"], hop["hop"], forward))
        result = tuple(out.values())
        self._hits[key] = result
        return result
