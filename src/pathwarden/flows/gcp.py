"""GCP VPC Flow Logs and Firewall Rules Logging, as Cloud Logging exports them.

Both are ``LogEntry`` objects with a ``jsonPayload`` holding ``connection`` (``src_ip,
src_port, dest_ip, dest_port, protocol``) (about-flow-logs-records; firewall-rules-logging):

- VPC Flow Logs (``logName`` ends ``vpc_flows``): ``reporter`` SRC|DEST, ``start_time``,
  ``end_time``, ``bytes_sent``, ``packets_sent``; **no verdict** (``action`` stays NULL) and
  **sampled** (``flowSampling`` 0.5 by default), so counts are a lower bound.
- Firewall Rules Logging (``logName`` ends ``firewall``): ``disposition`` ALLOWED|DENIED and
  ``rule_details.reference`` (``network:NET/firewall:NAME`` or a policy rule), kept in
  ``rule``; the entry's ``timestamp`` is the time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from pathwarden.flows.record import ACCEPT, REJECT, FlowRecord, ParseReport, checked

DISPOSITIONS = {"ALLOWED": ACCEPT, "DENIED": REJECT}
DIRECTIONS = {"INGRESS": "ingress", "EGRESS": "egress"}


def parse_time(text: str) -> datetime:
    """RFC 3339 with up to nanoseconds (``2020-01-01T00:02:00.000000000Z``), as naive UTC."""
    s = text.strip().replace("Z", "+00:00")
    if "." in s:
        head, _, rest = s.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits):]
        s = f"{head}.{digits[:6]}{zone}"
    value = datetime.fromisoformat(s)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _vm(d: Any) -> str:
    if not isinstance(d, Mapping):
        return ""
    return "/".join(str(d[k]) for k in ("project_id", "zone", "vm_name") if d.get(k))


def _entry(entry: Mapping[str, Any], source: str) -> FlowRecord:
    payload = entry["jsonPayload"]
    conn = payload["connection"]
    common = dict(
        src=str(conn["src_ip"]), dst=str(conn["dest_ip"]), sport=_int(conn.get("src_port")),
        dport=_int(conn.get("dest_port")), proto=_int(conn.get("protocol")), cloud="gcp",
        source=source,
    )
    if "disposition" in payload:
        details = payload.get("rule_details") or {}
        disposition = str(payload["disposition"])
        return FlowRecord(
            time=parse_time(str(entry.get("timestamp") or entry["receiveTimestamp"])),
            action=DISPOSITIONS.get(disposition), bytes=None, packets=None,
            reporter=_vm(payload.get("instance")), rule=_text(details.get("reference")),
            direction=DIRECTIONS.get(str(details.get("direction", "")).upper()),
            **common,  # type: ignore[arg-type]
        )
    reporter = str(payload.get("reporter", ""))
    side = payload.get("src_instance") if reporter.startswith("SRC") else payload.get(
        "dest_instance")
    start = payload.get("start_time") or entry.get("timestamp")
    return FlowRecord(
        time=parse_time(str(start)),
        end_time=parse_time(str(payload["end_time"])) if payload.get("end_time") else None,
        action=None, bytes=_int(payload.get("bytes_sent")),
        packets=_int(payload.get("packets_sent")),
        reporter=f"{reporter}:{_vm(side)}" if _vm(side) else reporter,
        direction="egress" if reporter.startswith("SRC") else "ingress" if reporter else None,
        **common,  # type: ignore[arg-type]
    )


def parse_gcp(entries: Iterator[tuple[int, Any]], report: ParseReport) -> Iterator[FlowRecord]:
    for no, entry in entries:
        try:
            rec = checked(_entry(entry, report.file))
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as e:
            report.bad(f"entry {no}", f"not a flow or firewall log entry ({type(e).__name__}: "
                                      f"{e})")
            continue
        report.records += 1
        yield rec


def gcp_format(first: Any) -> str:
    payload = first.get("jsonPayload") if isinstance(first, dict) else None
    return "gcp-firewall" if isinstance(payload, dict) and "disposition" in payload \
        else "gcp-vpc-flows"
