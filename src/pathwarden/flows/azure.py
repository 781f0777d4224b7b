"""Azure flow logs: VNet flow logs (``FlowLogFlowEvent``, version 4) and NSG flow logs
(``NetworkSecurityGroupFlowEvent``, versions 1 and 2).

VNet flow tuple (vnet-flow-logs-overview.md): ``time ms, src, dst, sport, dport, protocol
number, I|O, state B|C|E|D, encryption, packets sent, bytes sent, packets received, bytes
received``; state ``D`` is a denied flow. NSG flow tuple (nsg-flow-logs-overview.md):
``time s, src, dst, sport, dport, T|U, I|O, A|D`` and, in version 2, ``state, packets sent,
bytes sent, packets received, bytes received`` (empty for state ``B``). Bytes and packets are
sent + received. NSG flow logs are retired on 30 September 2027 (pitfall 22): both are read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from pathwarden.flows.record import ACCEPT, REJECT, FlowRecord, ParseReport, checked

NSG_PROTOCOLS = {"T": 6, "U": 17}
DIRECTIONS = {"I": "ingress", "O": "egress"}


def _count(*parts: str) -> int | None:
    values = [int(p) for p in parts if p.strip()]
    return sum(values) if values else None


def _tuple(text: str, *, vnet: bool, reporter: str, rule: str, source: str) -> FlowRecord:
    f = text.split(",")
    if vnet:
        if len(f) != 13:
            raise ValueError(f"expected 13 fields, got {len(f)}")
        when = datetime.fromtimestamp(int(f[0]) / 1000, UTC).replace(tzinfo=None)
        proto = int(f[5])
        action = REJECT if f[7] == "D" else ACCEPT
        packets, octets = _count(f[9], f[11]), _count(f[10], f[12])
    else:
        if len(f) not in (8, 13):
            raise ValueError(f"expected 8 or 13 fields, got {len(f)}")
        when = datetime.fromtimestamp(int(f[0]), UTC).replace(tzinfo=None)
        if f[5] not in NSG_PROTOCOLS:
            raise ValueError(f"unknown protocol {f[5]!r}")
        proto = NSG_PROTOCOLS[f[5]]
        if f[7] not in ("A", "D"):
            raise ValueError(f"unknown decision {f[7]!r}")
        action = ACCEPT if f[7] == "A" else REJECT
        packets = _count(f[9], f[11]) if len(f) == 13 else None
        octets = _count(f[10], f[12]) if len(f) == 13 else None
    if f[6] not in DIRECTIONS:
        raise ValueError(f"unknown direction {f[6]!r}")
    return checked(FlowRecord(
        time=when, src=f[1], dst=f[2], sport=int(f[3]), dport=int(f[4]), proto=proto,
        action=action, bytes=octets, packets=packets, reporter=reporter, cloud="azure",
        direction=DIRECTIONS[f[6]], rule=rule, source=source,
    ))


def _groups(rec: Mapping[str, Any]) -> Iterator[tuple[bool, str, str, list[Any]]]:
    """``(vnet, reporter, rule, tuples)`` for each rule group of one record."""
    if "flowRecords" in rec:
        target = str(rec.get("targetResourceID", ""))
        for flow in rec["flowRecords"].get("flows", []):
            reporter = f"{target}#{flow.get('aclID', '')}"
            for group in flow.get("flowGroups", []):
                yield True, reporter, str(group.get("rule", "")), list(group["flowTuples"])
        return
    nsg = str(rec.get("resourceId", ""))
    for ruled in rec["properties"]["flows"]:
        for per_mac in ruled.get("flows", []):
            reporter = f"{nsg}#{per_mac.get('mac', '')}"
            yield False, reporter, str(ruled.get("rule", "")), list(per_mac["flowTuples"])


def parse_azure(doc: Any, report: ParseReport) -> Iterator[FlowRecord]:
    """Every flow tuple of an Azure flow-log blob (``{"records": [...]}``)."""
    records = doc.get("records") if isinstance(doc, dict) else None
    if not isinstance(records, list):
        report.bad("document", "no records[] list")
        return
    for i, rec in enumerate(records):
        try:
            groups = list(_groups(rec))
        except (KeyError, TypeError, AttributeError) as e:
            report.bad(f"records[{i}]", f"unexpected shape ({e})")
            continue
        for vnet, reporter, rule, tuples in groups:
            for j, text in enumerate(tuples):
                try:
                    yield _tuple(str(text), vnet=vnet, reporter=reporter, rule=rule,
                                 source=report.file)
                except (ValueError, OverflowError, OSError) as e:  # OSError: a time out of range
                    report.bad(f"records[{i}] tuple {j}", str(e))
                    continue
                report.records += 1


def is_azure(doc: Any) -> bool:
    recs = doc.get("records") if isinstance(doc, dict) else None
    return isinstance(recs, list) and (not recs or (
        isinstance(recs[0], dict) and ("flowRecords" in recs[0] or "properties" in recs[0])))


def azure_format(doc: Any) -> str:
    recs = doc.get("records") or [{}]
    first = recs[0]
    if "flowRecords" in first:
        return f"azure-vnet-v{_version(first.get('flowLogVersion'))}"
    props = first.get("properties")
    return f"azure-nsg-v{_version(props.get('Version') if isinstance(props, dict) else None)}"


def _version(value: Any) -> str:
    return str(value) if isinstance(value, int | str) and str(value).isalnum() else "?"
