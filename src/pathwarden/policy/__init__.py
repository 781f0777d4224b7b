"""The policy language: segments, protected segments and movement paths (docs/policy.md)."""

from pathwarden.policy.loader import load_policy, parse_policy
from pathwarden.policy.model import (
    Approval,
    PathKind,
    PathRule,
    Policy,
    Protected,
    Segment,
    Selector,
    Stage,
)
from pathwarden.policy.ports import parse_port, parse_ports
from pathwarden.policy.schema import policy_schema, render_schema
from pathwarden.policy.segments import (
    SegmentView,
    describe_segments,
    resolve_segment,
    segment_resolver,
)

__all__ = [
    "Approval",
    "PathKind",
    "PathRule",
    "Policy",
    "Protected",
    "Segment",
    "SegmentView",
    "Selector",
    "Stage",
    "describe_segments",
    "load_policy",
    "parse_policy",
    "parse_port",
    "parse_ports",
    "policy_schema",
    "render_schema",
    "resolve_segment",
    "segment_resolver",
]
