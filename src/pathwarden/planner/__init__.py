"""The planner: the narrowest proven ChangeSet for every enforce-stage finding (docs/planner.md).

>>> plan = plan_changes(estate, policy, date.today())          # doctest: +SKIP
>>> doc = build_changeset(plan, policy_file="p.yml", policy_sha256="...")  # doctest: +SKIP
"""

from pathwarden.planner.changeset import build_changeset, document_sha256
from pathwarden.planner.choice import FlowImpact, Plan, plan_changes
from pathwarden.planner.markdown import render_markdown
from pathwarden.planner.schema import ChangeSetError, load_changeset, save_changeset, validate

__all__ = [
    "ChangeSetError",
    "FlowImpact",
    "Plan",
    "build_changeset",
    "document_sha256",
    "load_changeset",
    "plan_changes",
    "render_markdown",
    "save_changeset",
    "validate",
]
