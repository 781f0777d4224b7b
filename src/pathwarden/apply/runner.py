"""Apply a ChangeSet: gate, re-read, order, write, verify, and roll back on any failure.

1. **Gate** (exit 2, nothing read or written): a ChangeSet planned from a partial estate, one
   whose recorded proof does not hold, more operations than ``max_changes``, or — unless this
   is a check run — no approval whose ``changeset_sha256`` is the ChangeSet's
   ``content_sha256`` and that has not expired.
2. **Proof on the snapshot** (exit 2, nothing read): the :class:`Verifier` recomputes the
   proof from the ChangeSet's own operations against the estate and policy it was given
   (:mod:`pathwarden.planner.verify`); the recorded proof is never trusted.
3. **Preconditions** (exit 2, nothing written; a resource that cannot be read is an error,
   exit 1): each resource is re-read live and its fingerprint compared; a resource already at
   its postcondition is skipped (idempotent), one at neither is drift and aborts the apply.
   Then the proof is recomputed once more on the live rules just read (exit 2 if it fails).
4. **Order** (:mod:`.ordering`): adds, then modifies, then removes; a quota that forbids this
   refuses (exit 2) unless ``allow_brief_gap``.
5. **Write** one operation at a time (check runs stop here: the writer sends nothing).
6. **Verify** by re-reading every written resource: its fingerprint must be the
   postcondition.
7. On any failure in 5 or 6, **roll back**: the inverse of every operation done, newest
   first, then re-read and verify every resource is back at its precondition (exit 1, nothing
   left half-done; a rollback that cannot be verified says so loudly, still exit 1).

Every step is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from pathwarden.apply.approval import Approval
from pathwarden.apply.audit import AuditLog
from pathwarden.apply.ordering import Step, order_steps
from pathwarden.errors import PathwardenError
from pathwarden.model import Filter, Rule
from pathwarden.model.serialize import rule_from_json
from pathwarden.planner.edits import fingerprint
from pathwarden.planner.verify import Verification

APPLIED, NOTHING, CHECKED, REFUSED, ROLLED_BACK, FAILED, ERROR = (
    "applied", "nothing to do", "checked", "refused", "rolled back", "rollback failed", "error")
EXIT = {APPLIED: 0, NOTHING: 0, CHECKED: 0, REFUSED: 2, ROLLED_BACK: 1, FAILED: 1, ERROR: 1}


class Verifier(Protocol):
    """Recomputes a ChangeSet's proof (:class:`pathwarden.apply.basis.BasisVerifier`)."""

    def snapshot(self) -> Verification: ...

    def live(self, live: Mapping[str, Filter]) -> Verification: ...


class Writer(Protocol):
    check: bool

    def read(self, resource: dict[str, Any]) -> Filter: ...

    def add(self, resource: dict[str, Any], rule: Rule) -> str: ...

    def modify(self, resource: dict[str, Any], live_id: str, rule: Rule) -> None: ...

    def remove(self, resource: dict[str, Any], live_id: str, rule: Rule) -> None: ...


class CloudWriters:
    """One :class:`Writer` that hands each resource to the writer of its ``cloud`` (Azure and
    GCP writers with default credentials are made on first use when none is given)."""

    def __init__(self, check: bool, writers: dict[str, Writer]) -> None:
        for cloud, w in writers.items():
            if w.check != check:
                raise PathwardenError(f"the {cloud} writer's check mode ({w.check}) is not the "
                                      f"run's ({check})")
        self.check = check
        self.writers = writers

    def of(self, resource: dict[str, Any]) -> Writer:
        cloud = resource.get("cloud", "aws")
        if cloud not in self.writers:
            if cloud == "azure":
                from pathwarden.apply.azure import AzureWriter

                self.writers[cloud] = AzureWriter(check=self.check)
            elif cloud == "gcp":
                from pathwarden.apply.gcp import GcpWriter

                self.writers[cloud] = GcpWriter(check=self.check)
            else:
                raise PathwardenError(f"{resource['id']}: no writer for cloud {cloud!r}")
        return self.writers[cloud]

    def read(self, resource: dict[str, Any]) -> Filter:
        return self.of(resource).read(resource)

    def add(self, resource: dict[str, Any], rule: Rule) -> str:
        return self.of(resource).add(resource, rule)

    def modify(self, resource: dict[str, Any], live_id: str, rule: Rule) -> None:
        self.of(resource).modify(resource, live_id, rule)

    def remove(self, resource: dict[str, Any], live_id: str, rule: Rule) -> None:
        self.of(resource).remove(resource, live_id, rule)


@dataclass
class Outcome:
    status: str
    message: str
    steps: list[str] = field(default_factory=list)
    resources: dict[str, str] = field(default_factory=dict)  # id -> state

    @property
    def exit_code(self) -> int:
        return EXIT[self.status]

    @property
    def changed(self) -> bool:
        return self.status in (APPLIED, CHECKED) and bool(self.steps)

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "message": self.message, "changed": self.changed,
                "steps": self.steps, "resources": self.resources, "exit_code": self.exit_code}


def _rule(d: dict[str, Any] | None) -> Rule:
    assert d is not None
    return rule_from_json(d["id"], d)


class _Run:
    def __init__(self, doc: dict[str, Any], writer: Writer, audit: AuditLog) -> None:
        self.doc = doc
        self.writer = writer
        self.audit = audit
        self.subject = doc["content_sha256"]
        self.done: list[Step] = []

    def log(self, action: str, **detail: Any) -> None:
        self.audit.record(f"apply.{action}", self.subject, detail)

    def live_id(self, resource: dict[str, Any], rule: Rule) -> str:
        from pathwarden.apply.aws import find_live

        return find_live(self.writer.read(resource), rule)

    def execute(self, step: Step) -> None:
        res, op = step.resource, step.op
        if op["action"] == "add":
            new_id = self.writer.add(res, _rule(op["rule"]))
            self.log("write", resource=res["id"], op=op["action"], seq=op["seq"], id=new_id)
        else:
            before = _rule(op["before"])
            live = before.id if self.writer.check else self.live_id(res, before)
            if op["action"] == "modify":
                self.writer.modify(res, live, _rule(op["rule"]))
            else:
                self.writer.remove(res, live, before)
            self.log("write", resource=res["id"], op=op["action"], seq=op["seq"], id=live)
        self.done.append(step)

    def rollback(self) -> list[str]:
        """Undo every done step, newest first; returns the problems found."""
        problems: list[str] = []
        for step in reversed(self.done):
            res, op = step.resource, step.op
            try:
                if op["action"] == "add":
                    added = _rule(op["rule"])
                    self.writer.remove(res, self.live_id(res, added), added)
                elif op["action"] == "modify":
                    now = _rule(op["rule"])
                    self.writer.modify(res, self.live_id(res, now), _rule(op["before"]))
                else:
                    self.writer.add(res, _rule(op["before"]))
                self.log("rollback.write", resource=res["id"], undoes=op["action"],
                         seq=op["seq"])
            except PathwardenError as e:
                problems.append(f"undo {step.label}: {e}")
                self.log("rollback.error", resource=res["id"], seq=op["seq"], error=str(e))
        for res in {s.resource["id"]: s.resource for s in self.done}.values():
            try:
                got = fingerprint(self.writer.read(res))
            except PathwardenError as e:
                problems.append(f"re-read {res['id']}: {e}")
                continue
            if got != res["precondition"]["fingerprint"]:
                problems.append(f"{res['id']} is not back at its precondition")
        self.log("rollback.verify", ok=not problems, problems=problems)
        return problems


def gate(doc: dict[str, Any], approval: Approval | None, check: bool,
         max_changes: int | None, today: date) -> str:
    """Why this apply must be refused before anything is read, or ``""``."""
    if doc["estate"]["partial"]:
        return "the ChangeSet was planned from a partial estate (some discovery failed)"
    if not doc["proof"]["ok"]:
        return "the ChangeSet's proof does not hold; it cannot be applied"
    count = doc["summary"]["operations"]
    if max_changes is not None and count > max_changes:
        return f"{count} rule operations exceed --max-changes {max_changes}"
    if not check:
        if approval is None:
            return "no approval given: only --check runs without one"
        why = approval.mismatch(doc["content_sha256"], today)
        if why:
            return why + ": only --check runs without a matching approval"
    return ""


def _proof(run: _Run, v: Verification) -> str:
    """Log a recomputed proof; the reason to refuse, or ``""``."""
    run.log("proof", against=v.against, ok=v.ok, failure=v.failure())
    if v.ok:
        return ""
    why = f"verification against the {v.against} state failed: {v.failure()}; nothing was written"
    run.log("refused", reason=why)
    return why


def apply_changeset(doc: dict[str, Any], writer: Writer, audit: AuditLog, *,
                    verifier: Verifier, approval: Approval | None = None,
                    max_changes: int | None = None, allow_brief_gap: bool = False,
                    today: date | None = None) -> Outcome:
    check = writer.check
    run = _Run(doc, writer, audit)
    run.log("start", check=check, approval=approval.to_json() if approval else None,
            operations=doc["summary"]["operations"])
    why = gate(doc, approval, check, max_changes, today or date.today())
    if why:
        run.log("refused", reason=why)
        return Outcome(REFUSED, why)
    why = _proof(run, verifier.snapshot())
    if why:
        return Outcome(REFUSED, why)
    live: dict[str, Filter] = {}
    pending: list[dict[str, Any]] = []
    states: dict[str, str] = {}
    drift: list[str] = []
    for res in doc["resources"]:
        try:
            live[res["id"]] = writer.read(res)
        except PathwardenError as e:
            msg = f"cannot re-read {res['id']}: {e}; nothing was written"
            run.log("error", reason=msg)
            return Outcome(ERROR, msg)
        got = fingerprint(live[res["id"]])
        if got == res["postcondition"]["fingerprint"]:
            states[res["id"]] = "already applied"
        elif got == res["precondition"]["fingerprint"]:
            states[res["id"]] = "pending"
            pending.append(res)
        else:
            states[res["id"]] = "drifted"
            drift.append(res["id"])
    run.log("preconditions", states=states)
    if drift:
        msg = (f"precondition no longer holds for {', '.join(drift)}: the live rules changed "
               "since the plan; nothing was written; plan again")
        run.log("refused", reason=msg)
        return Outcome(REFUSED, msg, resources=states)
    if not pending:
        run.log("done", status=NOTHING)
        return Outcome(NOTHING, "every resource is already as planned", resources=states)
    why = _proof(run, verifier.live(live))
    if why:
        return Outcome(REFUSED, why, resources=states)
    steps, gaps = order_steps(pending, live, allow_brief_gap)
    if gaps and not allow_brief_gap:
        msg = ("adding the narrow rules before removing the broad ones would break a quota (" +
               "; ".join(gaps) + "); pass --allow-brief-gap to remove first and accept a "
               "brief gap")
        run.log("refused", reason=msg)
        return Outcome(REFUSED, msg, resources=states)
    labels = [s.label for s in steps]
    try:
        for step in steps:
            run.execute(step)
    except PathwardenError as e:
        return _failed(run, f"writing {step.label} failed: {e}", labels, states)
    if check:
        run.log("done", status=CHECKED)
        return Outcome(CHECKED, f"check mode: {len(steps)} operation(s) would be written",
                       labels, states)
    bad = []
    for res in pending:
        try:
            got = fingerprint(writer.read(res))
        except PathwardenError as e:
            bad.append(f"{res['id']}: {e}")
            continue
        if got != res["postcondition"]["fingerprint"]:
            bad.append(f"{res['id']} does not match its postcondition after the writes")
    run.log("verify", ok=not bad, problems=bad)
    if bad:
        return _failed(run, "verification failed: " + "; ".join(bad), labels, states)
    for res in pending:
        states[res["id"]] = "applied"
    run.log("done", status=APPLIED)
    return Outcome(APPLIED, f"applied {len(steps)} operation(s) and verified them", labels,
                   states)


def _failed(run: _Run, why: str, labels: list[str], states: dict[str, str]) -> Outcome:
    run.log("failed", reason=why, done=len(run.done))
    problems = run.rollback()
    for s in run.done:
        states[s.resource["id"]] = "rolled back" if not problems else "UNKNOWN"
    if problems:
        msg = (f"{why}; ROLLBACK INCOMPLETE, check these resources by hand: "
               + "; ".join(problems))
        run.log("done", status=FAILED)
        return Outcome(FAILED, msg, labels, states)
    run.log("done", status=ROLLED_BACK)
    return Outcome(ROLLED_BACK, f"{why}; rolled back {len(run.done)} operation(s) and "
                   "verified the original rules are back", labels, states)
