"""Approval records: ``{change, approver, approved_at, expires, changeset_sha256}`` (YAML).

``pathwarden approve`` writes one; a change-control pipeline may write the same file itself.
An approval matches a ChangeSet when its ``changeset_sha256`` is the ChangeSet's
``content_sha256`` (what the change does: :func:`pathwarden.planner.changeset.content_sha256`)
and it has not expired (valid through the day of ``expires``). A match only says *which*
change was approved; ``approve`` and ``apply`` also re-verify the change itself
(:mod:`pathwarden.planner.verify`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from pathwarden.errors import InputError

FIELDS = ("change", "approver", "approved_at", "expires", "changeset_sha256")
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it: it refuses absurd nesting at once, where the
pure-Python one takes seconds to run out of recursion (still an error, just slow)."""


class ApprovalError(InputError):
    """An approval file that cannot be read or is malformed."""


@dataclass(frozen=True, slots=True)
class Approval:
    change: str
    approver: str
    approved_at: str
    expires: date | None
    changeset_sha256: str

    def to_json(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "approver": self.approver,
            "approved_at": self.approved_at,
            "expires": self.expires.isoformat() if self.expires else None,
            "changeset_sha256": self.changeset_sha256,
        }

    def mismatch(self, changeset_sha256: str, today: date) -> str:
        """Why this approval does not allow applying the ChangeSet, or ``""``."""
        if self.changeset_sha256 != changeset_sha256:
            return (f"approval {self.change} is for ChangeSet {self.changeset_sha256[:12]}..., "
                    f"not {changeset_sha256[:12]}...")
        if self.expires is not None and self.expires < today:
            return f"approval {self.change} expired on {self.expires.isoformat()}"
        return ""


def make_approval(changeset_sha256: str, change: str, approver: str,
                  expires: date | None, now: datetime | None = None,
                  today: date | None = None) -> Approval:
    """A new approval; an ``expires`` before ``today`` (default: the UTC date of ``now``) is
    refused, as such a record could never be used."""
    if not change.strip() or not approver.strip():
        raise ApprovalError("an approval needs a change id (--change) and an approver (--by)")
    at = (now or datetime.now(UTC)).replace(microsecond=0)
    day = today or at.date()
    if expires is not None and expires < day:
        raise ApprovalError(f"--expires {expires.isoformat()} is in the past (today is "
                            f"{day.isoformat()}): the approval would never be valid")
    return Approval(change.strip(), approver.strip(), at.isoformat(), expires, changeset_sha256)


def write_approval(approval: Approval, path: str | Path, *, force: bool = True) -> None:
    """Write the record as YAML; without ``force`` an existing file is an error, not
    overwritten (a second approval must not silently replace the first)."""
    text = yaml.safe_dump(approval.to_json(), sort_keys=False)
    try:
        with open(path, "w" if force else "x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        raise ApprovalError(f"{path}: already exists; pass --force to replace it") from None
    except OSError as e:
        raise ApprovalError(f"{path}: cannot write the approval: {e.strerror or e}") from e


def _text(path: str | Path, data: dict[Any, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise ApprovalError(f"{path}: {key}: expected text, got {_kind(value)}")
    return str(value).strip()


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


def read_approval(path: str | Path) -> Approval:
    """Read an approval record; anything malformed is one :class:`ApprovalError` naming the
    file and the field."""
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=LOADER)
    except OSError as e:
        raise ApprovalError(f"{path}: cannot read the approval: {e.strerror or e}") from e
    except UnicodeDecodeError:
        raise ApprovalError(f"{path}: not an approval: expected UTF-8 YAML text") from None
    except yaml.YAMLError as e:
        raise ApprovalError(f"{path}: not YAML: {' '.join(str(e).split())}") from e
    except RecursionError:
        raise ApprovalError(f"{path}: not an approval: nested too deeply") from None
    if not isinstance(data, dict):
        raise ApprovalError(f"{path}: expected a mapping with {', '.join(FIELDS)}")
    missing = [k for k in ("change", "approver", "changeset_sha256")
               if data.get(k) is None or data.get(k) == ""]
    if missing:
        raise ApprovalError(f"{path}: missing {', '.join(missing)}")
    unknown = sorted(repr(k) for k in data if k not in FIELDS)
    if unknown:
        raise ApprovalError(f"{path}: unknown field(s) {', '.join(unknown)}; expected "
                            f"{', '.join(FIELDS)}")
    expires = data.get("expires")
    if isinstance(expires, str):
        try:
            expires = date.fromisoformat(expires)
        except ValueError:
            raise ApprovalError(f"{path}: expires: expected YYYY-MM-DD, got {expires!r}") from None
    if isinstance(expires, datetime):
        expires = expires.date()
    if expires is not None and not isinstance(expires, date):
        raise ApprovalError(f"{path}: expires: expected a date")
    sha = data["changeset_sha256"]
    if not isinstance(sha, str) or len(sha) != 64 or any(c not in "0123456789abcdef"
                                                         for c in sha):
        raise ApprovalError(f"{path}: changeset_sha256: expected 64 hex digits")
    approved_at = data.get("approved_at")
    if isinstance(approved_at, date):  # a YAML timestamp or date
        approved_at = approved_at.isoformat()
    if approved_at is not None and not isinstance(approved_at, str):
        raise ApprovalError(f"{path}: approved_at: expected a timestamp, got {_kind(approved_at)}")
    return Approval(_text(path, data, "change"), _text(path, data, "approver"),
                    approved_at or "", expires, sha)
