"""Referenced objects the snapshot does not hold: loud, once per object, and partial.

An AWS ENI names its security groups and subnet, a subnet its VPC, a rule a prefix list or a
peer group; an Azure NIC names its NSG, subnet and ASGs; a GCP instance its network and
subnetwork, a firewall rule its network and service accounts. When the object named is not in
the snapshot, what it would open or close is unknown, so the estate cannot be trusted to be
complete. Each loader records such references as :class:`~pathwarden.model.estate.Missing`
values (only for kinds whose listing file it read: an absent file is its own notice), and
:func:`settle` decides once all snapshots of the estate are merged, because another snapshot
(a Shared VPC host project, a peer account) may hold the object:

- supplied by some snapshot: dropped;
- still missing: one ``missing-reference`` :class:`Notice` per object naming who references it,
  and the estate becomes partial (``check`` never exits 0 on it; ``apply`` refuses).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pathwarden.model import Estate, Network, Notice, PrefixList, Subnet
from pathwarden.model.estate import Lookup, Missing

CODE = "missing-reference"
MAX_REFERRERS = 3


def settle(estate: Estate) -> Estate:
    """The estate with its unsupplied references turned into notices; partial when any."""
    if not estate.missing:
        return estate
    accounts = {w.service_account for w in estate.workloads if w.service_account}
    groups: dict[tuple[str, str], list[Missing]] = {}
    for m in estate.missing:
        if not _supplied(estate, m, accounts):
            groups.setdefault((m.kind, m.id), []).append(m)
    notices = tuple(notice(refs) for refs in groups.values())
    return replace(
        estate,
        notices=estate.notices + notices,
        partial=estate.partial or bool(notices),
        missing=(),
    )


def _supplied(estate: Estate, m: Missing, accounts: set[str]) -> bool:
    key = m.key or m.id
    if m.lookup is Lookup.FILTER:
        return key in estate.filters
    if m.lookup is Lookup.SERVICE_ACCOUNT:
        return key in accounts
    if m.lookup is Lookup.SUBNET_FILTER:
        subnet = estate.subnets.get(key)
        return subnet is not None and bool(subnet.filters)
    found: Subnet | Network | PrefixList | None = None
    if m.lookup is Lookup.SUBNET:
        found = estate.subnets.get(key)
    elif m.lookup is Lookup.NETWORK:
        found = estate.networks.get(key)
    elif m.lookup is Lookup.PREFIX_LIST:
        found = estate.prefix_lists.get(key)
    return found is not None and not found.stub


def notice(refs: Sequence[Missing]) -> Notice:
    """``security group sg-1 is not in the snapshot (eni-1, eni-2 name it): ...``."""
    first = refs[0]
    by = list(dict.fromkeys(m.by for m in refs if m.by))
    who = ""
    if by:
        shown = ", ".join(by[:MAX_REFERRERS])
        more = f" and {len(by) - MAX_REFERRERS} more" if len(by) > MAX_REFERRERS else ""
        who = f" ({shown}{more} {'names' if len(by) == 1 else 'name'} it)"
    return Notice(
        CODE, f"{first.kind} {first.id} is not in the snapshot{who}: {first.effect}", first.id
    )
