"""Observed traffic: flow-log parsers for AWS, Azure and GCP, the DuckDB flow store, rule
evidence and impact simulation (docs/flows.md).

>>> store = FlowStore("flows.duckdb")                                  # doctest: +SKIP
>>> store.ingest(["examples/backup-console/flows/"])                   # doctest: +SKIP
>>> simulate(before, after, store, policy=policy).to_json()            # doctest: +SKIP
"""

from pathwarden.flows.attribution import Attributor, Hit
from pathwarden.flows.evidence import EvidenceBuilder, Finding, RuleEvidence
from pathwarden.flows.observed import Pair, Window, load_pairs
from pathwarden.flows.record import COLUMNS, FlowLogError, FlowRecord, ParseReport
from pathwarden.flows.segments import PathJudge, SegmentIndex, Verdict
from pathwarden.flows.simulate import Simulation, flow_impact, simulate, simulate_pairs
from pathwarden.flows.store import FlowStore
from pathwarden.flows.summary import summarize, summary_text
from pathwarden.planner.changeset import apply_changeset as estate_after

__all__ = [
    "COLUMNS",
    "Attributor",
    "EvidenceBuilder",
    "Finding",
    "FlowLogError",
    "FlowRecord",
    "FlowStore",
    "Hit",
    "Pair",
    "ParseReport",
    "PathJudge",
    "RuleEvidence",
    "SegmentIndex",
    "Simulation",
    "Verdict",
    "Window",
    "estate_after",
    "flow_impact",
    "load_pairs",
    "simulate",
    "simulate_pairs",
    "summarize",
    "summary_text",
]
