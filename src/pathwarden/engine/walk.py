"""Where a closed service stops on a path: the first hop that refuses it, and what decided there.

A join (:meth:`pathwarden.engine.semantics.Semantics.join`) lists a path's hops in path order,
each with its decision and, in :attr:`Hop.mode` and :attr:`Hop.chain`, how the join used it.
:func:`walk` goes along those hops with the same rules :func:`verdicts.combine` applies to each
chain, so what it lets through is the join's ``open`` (the tests hold it to that on random
estates of every cloud), and names for the rest the first hop that refuses it:

- a hop refuses what its decision does not ``allow``, ``always`` allow or pass on (``rest``);
- in a chain (Azure and GCP: the source's and the destination's), what a hop accepts for good
  (``always``, and a tier's ``allow``: AVNM ``AlwaysAllow``, a GCP policy's ``allow``) no later
  hop of that chain is asked about; what a tier passes on (``rest``: ``goto_next``, AVNM
  ``Allow``) and what a gate allows go on;
- a hop of its own (AWS: every hop, the network ACL return path included) refuses its part.

What a hop refuses is credited to the deny rules whose contributions cover it, in the order
the decision lists them (first match, priority, or reply leg order), and what no rule decided
to the hop's default (``rule`` ``None``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pathwarden.engine.semantics import Hop
from pathwarden.engine.verdicts import Mode
from pathwarden.model import Action, Rule, ServiceSet


@dataclass(frozen=True, slots=True)
class Block:
    """Part of the services walked that ``hop`` refuses: by ``rule`` (a deny rule's
    contribution to the hop's decision), or ``None`` when no rule decided it (the default)."""

    hop: Hop
    rule: Rule | None
    services: ServiceSet


def walk(hops: Iterable[Hop], services: ServiceSet) -> tuple[tuple[Block, ...], ServiceSet]:
    """Each of ``services`` at the first hop that refuses it; returns those blocks (in path
    order) and what passes every hop.

    >>> from pathwarden.engine.verdicts import Decision
    >>> from pathwarden.model import ALL_SERVICES
    >>> admin = Decision(always=ServiceSet.tcp(22), deny=ServiceSet.tcp(23),
    ...                  rest=ALL_SERVICES - ServiceSet.tcp(22, 23))
    >>> nsg = Decision(allow=ServiceSet.tcp(23, 80), deny=ALL_SERVICES - ServiceSet.tcp(23, 80))
    >>> hops = [Hop("admin", admin, ("src", 0), Mode.TIER, "src"),
    ...         Hop("nsg", nsg, ("src", 1), Mode.GATE, "src")]
    >>> blocks, passed = walk(hops, ServiceSet.tcp(20, 24))
    >>> passed.describe()   # 22: always allowed by the admin tier, the NSG is not asked
    'tcp/22,24'
    >>> [(b.hop.label, b.services.describe()) for b in blocks]
    [('admin', 'tcp/23'), ('nsg', 'tcp/20-21')]
    """
    alive = services
    pending: dict[str, ServiceSet] = {}
    blocks: list[Block] = []
    for hop in hops:
        if not alive:
            break
        d = hop.decision
        here = alive
        if hop.chain:
            left = pending.get(hop.chain, services)
            here = alive & left
            if hop.mode is Mode.TIER:
                pending[hop.chain] = (left & d.rest) - (d.always | d.allow)
            else:
                pending[hop.chain] = (left & (d.allow | d.rest)) - d.always
        refused = here - (d.allow | d.always | d.rest)
        if refused:
            blocks.extend(_credit(hop, refused))
            alive = alive - refused
    return tuple(blocks), alive


def _credit(hop: Hop, refused: ServiceSet) -> list[Block]:
    out: list[Block] = []
    left = refused
    for c in hop.decision.contributions:
        if c.rule.action is not Action.DENY and not hop.decision.route:
            continue  # a route hop credits the route it took, even one that leads elsewhere
        part = c.services & left
        if part:
            out.append(Block(hop, c.rule, part))
            left = left - part
            if not left:
                return out
    out.append(Block(hop, None, left))
    return out
