"""``flows summarize``: what the observed traffic looks like in policy terms.

- top talkers per segment pair (records, bytes, services, last seen);
- flows per policy path (allow and deny paths, and protected segments);
- observed violations: accepted flows a deny path forbids, with first and last seen;
- rejected flows: what is being blocked today (top client, server, service).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pathwarden.flows.observed import (
    EVERYTHING,
    Pair,
    Window,
    load_pairs,
    rejected_keys,
    service_text,
)
from pathwarden.flows.segments import FORBIDDEN, PathJudge, SegmentIndex
from pathwarden.flows.store import FlowStore
from pathwarden.model import Estate
from pathwarden.policy import Policy


@dataclass
class Tally:
    records: int = 0
    bytes: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    services: set[str] = field(default_factory=set)

    def add(self, p: Pair) -> None:
        self.records += p.records
        self.bytes += p.bytes
        self.first_seen = min(self.first_seen or p.first_seen, p.first_seen)
        self.last_seen = max(self.last_seen or p.last_seen, p.last_seen)
        self.services.add(p.service_text())

    def to_json(self) -> dict[str, Any]:
        return {"records": self.records, "bytes": self.bytes,
                "first_seen": self.first_seen.isoformat() if self.first_seen else None,
                "last_seen": self.last_seen.isoformat() if self.last_seen else None,
                "services": sorted(self.services)}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def summarize(store: FlowStore, *, estate: Estate | None = None, policy: Policy | None = None,
              window: Window = EVERYTHING, top: int = 10,
              as_of: date | None = None) -> dict[str, Any]:
    pairs = load_pairs(store, window)
    totals = [{"cloud": c, "action": a, "records": int(n), "bytes": int(b or 0),
               "first_seen": _iso(f), "last_seen": _iso(last)}
              for c, a, n, b, f, last in store.query("totals", since=window.since,
                                                    until=window.until)]
    rejected = [{"client": c, "server": s, "service": service_text(int(p or 0), int(port or 0)),
                 "records": int(n), "first_seen": _iso(f), "last_seen": _iso(last)}
                for c, s, p, port, n, f, last in store.query(
                    "top_rejected", since=window.since, until=window.until, limit=top)]
    doc: dict[str, Any] = {"totals": totals, "rejected": rejected}
    if estate is None:
        return doc
    if as_of is None:
        last_seen = max((p.last_seen for p in pairs), default=None)
        as_of = last_seen.date() if last_seen else date.today()
    segments = SegmentIndex(estate, policy)
    judge = PathJudge(policy, as_of) if policy is not None else None
    talkers: dict[tuple[str, str], Tally] = {}
    per_path: dict[str, Tally] = {}
    violations: dict[tuple[str, str, str, str], Tally] = {}
    refused = rejected_keys(pairs)
    for p in pairs:
        if not p.accepted or (p.client, p.server, p.proto, p.port) in refused:
            continue
        key = (segments.label(p.client), segments.label(p.server))
        talkers.setdefault(key, Tally()).add(p)
        if judge is None:
            continue
        v = judge.judge(segments.segments(p.client), segments.segments(p.server), p.proto,
                        p.port)
        per_path.setdefault(v.path or v.status, Tally()).add(p)
        if v.status == FORBIDDEN:
            violations.setdefault((v.path, p.client, p.server, p.service_text()),
                                  Tally()).add(p)
    ranked = sorted(talkers.items(), key=lambda kv: (-kv[1].bytes, -kv[1].records, kv[0]))
    doc["talkers"] = [{"from": s, "to": d, **t.to_json()} for (s, d), t in ranked[:top]]
    if judge is not None:
        doc["as_of"] = as_of.isoformat()
        doc["paths"] = [{"path": k, **t.to_json()} for k, t in sorted(per_path.items())]
        doc["violations"] = [
            {"path": path, "client": c, "server": s, "service": svc, "records": t.records,
             "first_seen": _iso(t.first_seen), "last_seen": _iso(t.last_seen)}
            for (path, c, s, svc), t in sorted(violations.items())]
    return doc


def summary_text(doc: dict[str, Any]) -> str:
    lines = ["totals:"]
    lines += [f"  {t['cloud']} {t['action'] or 'no verdict'}: {t['records']} records, "
              f"{t['bytes']} bytes, {t['first_seen']} .. {t['last_seen']}" for t in doc["totals"]]
    if "talkers" in doc:
        lines.append("top talkers (segment pairs):")
        lines += [f"  {t['from']} -> {t['to']}: {t['records']} records, {t['bytes']} bytes "
                  f"({', '.join(t['services'])}), last {t['last_seen']}" for t in doc["talkers"]]
    if "paths" in doc:
        lines.append(f"flows per policy path (as of {doc['as_of']}):")
        lines += [f"  {p['path']}: {p['records']} records ({', '.join(p['services'])})"
                  for p in doc["paths"]]
        lines.append("observed violations (accepted flows a deny path forbids):")
        lines += [f"  {v['path']}: {v['client']} -> {v['server']} {v['service']}: "
                  f"{v['records']} records, first {v['first_seen']}, last {v['last_seen']}"
                  for v in doc["violations"]] or ["  none"]
    lines.append("rejected today (top):")
    lines += [f"  {r['client']} -> {r['server']} {r['service']}: {r['records']} records, "
              f"last {r['last_seen']}" for r in doc["rejected"]] or ["  none"]
    return "\n".join(lines)
