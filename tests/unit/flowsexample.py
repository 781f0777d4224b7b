"""The backup-console example estate, its synthetic week of flows, and hand-edited estates."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pathwarden.model import Estate, Peer, PeerKind

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "backup-console"
SNAPSHOT = EXAMPLE / "snapshot"
FLOWS = EXAMPLE / "flows"
POLICY = EXAMPLE / "policy.yml"
WIDE_443 = "sgr-0cb5a65e9050f9b73"  # sg-0backup: tcp/443 from 10.0.0.0/8 ("legacy")
JUMP_443 = "sgr-0c8db9d0b60bf6746"  # sg-0backup: tcp/443 from sg-0jump
PEER_443 = "sgr-0fe767293d684e1e4"  # sg-0backup: tcp/443 from a deleted peering's SG
WS_22 = "sgr-0e454f85a82265a0f"  # sg-0backup: tcp/22 from 10.20.1.0/24 (OPS-4411)
JUMP, CONSOLE, APP = "10.20.2.10", "10.20.3.10", "10.20.2.31"


def edit(estate: Estate, filter_id: str, *, remove: tuple[str, ...] = (),
         narrow_to_sg: dict[str, str] | None = None) -> Estate:
    f = estate.filters[filter_id]
    rules = []
    for r in f.rules:
        if r.id in remove:
            continue
        if narrow_to_sg and r.id in narrow_to_sg:
            r = replace(r, src=(Peer(PeerKind.SECURITY_GROUP, narrow_to_sg[r.id],
                                     account="111122223333"),))
        rules.append(r)
    filters = dict(estate.filters)
    filters[filter_id] = replace(f, rules=tuple(rules))
    return replace(estate, filters=filters)


def narrowest(estate: Estate) -> Estate:
    """By hand: the /8 rule narrowed to the jump host's SG, the workstation SSH rule gone."""
    return edit(estate, "sg-0backup", remove=(WS_22,), narrow_to_sg={WIDE_443: "sg-0jump"})


def records(src: str, dst: str, port: int) -> int:
    """Independent count from the log text: request and reply records of src -> dst:port."""
    n = 0
    for f in sorted(FLOWS.glob("*.log")):
        for line in f.read_text().splitlines()[1:]:
            w = line.split()
            if w[-1] != "OK" or w[12] != "ACCEPT":
                continue
            if (w[3], w[4], w[6]) == (src, dst, str(port)) or \
                    (w[3], w[4], w[5]) == (dst, src, str(port)):
                n += 1
    return n
