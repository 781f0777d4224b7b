"""Terraform: plan/state JSON and HCL read into estates, reviewed against the policy."""

from pathwarden.terraform.overlay import AWS_TYPES, NOT_EVALUATED, Overlay, overlay
from pathwarden.terraform.plan import Change, Plan, Resource, parse_plan, read_plan, read_state
from pathwarden.terraform.review import Delta, PathChange, Review, Status, review

__all__ = [
    "AWS_TYPES",
    "NOT_EVALUATED",
    "Change",
    "Delta",
    "Overlay",
    "PathChange",
    "Plan",
    "Resource",
    "Review",
    "Status",
    "overlay",
    "parse_plan",
    "read_plan",
    "read_state",
    "review",
]
