"""The policy loader: the DESIGN.md sample, the example, and every error with its position."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pathwarden.errors import PolicyError
from pathwarden.model import ALL_SERVICES, AddressSet, ServiceSet
from pathwarden.policy import PathKind, Stage, load_policy, parse_policy

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests/fixtures/policy/design-sample.yml"
EXAMPLE = ROOT / "examples/backup-console/policy.yml"
TEXT = SAMPLE.read_text()


def test_design_sample_loads_with_every_field() -> None:
    p = load_policy(SAMPLE)
    assert [s.name for s in p.segments] == ["workstations", "backup-console", "jump-hosts"]
    ws = p.segment("workstations")
    assert ws is not None and ws.owner == "it-endpoint@example.com"
    assert (ws.line, ws.column) == (3, 3)
    tag_sel, cidr_sel = ws.match
    assert (tag_sel.cloud, tag_sel.tags, tag_sel.criteria) == (
        "aws",
        (("Role", ("workstation",)),),
        (),
    )
    assert cidr_sel.cidr == AddressSet.parse("10.50.0.0/16")
    backup = p.segment("backup-console")
    assert backup is not None
    assert backup.match[0].criteria == (("security_group", ("sg-0backup",)),)
    assert [x.segment for x in p.protect] == ["backup-console"]

    deny, allow = p.paths
    assert (deny.id, deny.src, deny.dst, deny.rule) == (
        "ws-to-backup",
        "workstations",
        "backup-console",
        PathKind.DENY,
    )
    assert deny.services == ALL_SERVICES and deny.ports is None
    assert deny.stage is Stage.ENFORCE
    assert deny.why.startswith("A compromised workstation")
    assert (deny.line, deny.column) == (13, 5)

    assert allow.rule is PathKind.ALLOW and allow.services == ServiceSet.tcp(443)
    assert allow.approved is not None
    assert (allow.approved.by, allow.approved.change, allow.approved.on) == (
        "jane.doe",
        "CHG0012345",
        date(2026, 11, 1),
    )
    assert allow.expires == date(2027, 5, 1)
    assert allow.stage is Stage.MONITOR  # the documented default


def test_example_policy_loads() -> None:
    p = load_policy(EXAMPLE)
    assert [s.name for s in p.segments] == [
        "workstations",
        "jump-hosts",
        "backup-console",
        "monitoring",
    ]
    assert [(x.id, x.stage) for x in p.paths] == [
        ("ws-to-backup", Stage.ENFORCE),
        ("jump-to-backup", Stage.ENFORCE),
        ("monitoring-to-backup", Stage.MONITOR),
    ]
    mon = p.path("monitoring-to-backup")
    assert mon is not None and mon.expired(date(2026, 11, 25))
    jump = p.path("jump-to-backup")
    assert jump is not None and not jump.expired(date(2026, 11, 25))
    assert jump.expired(date(2027, 5, 2)) and not jump.expired(date(2027, 5, 1))


def test_yaml_1_1_traps_are_defused() -> None:
    text = TEXT.replace("{Role: workstation}", "{Role: workstation, Backup: yes, Cost: 42}")
    ws = parse_policy(text).segment("workstations")
    assert ws is not None
    assert ws.match[0].tags == (("Role", ("workstation",)), ("Backup", ("yes",)), ("Cost", ("42",)))


def test_protect_accepts_a_stage() -> None:
    text = TEXT.replace(
        "protect: [backup-console]", "protect: [{segment: backup-console, stage: enforce}]"
    )
    (prot,) = parse_policy(text).protect
    assert (prot.segment, prot.stage, prot.id) == (
        "backup-console",
        Stage.ENFORCE,
        "protect:backup-console",
    )


def test_exception_with_approval_and_expiry_loads() -> None:
    text = TEXT.replace(
        "    expires: 2027-05-01\n", "    expires: 2027-05-01\n    exceptions: [ws-to-backup]\n"
    )
    allow = parse_policy(text).path("jump-to-backup")
    assert allow is not None and allow.exceptions == ("ws-to-backup",)


def _err(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "p.yml")
    return info.value


APPROVED = "    approved: {by: jane.doe, change: CHG0012345, on: 2026-11-01}\n"

# (name, edit of the sample, line, column, words the message must contain)
CASES = [
    (
        "unknown segment",
        ("from: jump-hosts", "from: jump-host"),
        21,
        11,
        ["unknown segment 'jump-host'", "did you mean 'jump-hosts'", "expected one of"],
    ),
    (
        "port out of range",
        ("tcp/443", "tcp/99999"),
        24,
        13,
        ["paths[1].ports[0]", "out of range", "0-65535"],
    ),
    (
        "bad port syntax",
        ("tcp/443", "tcpp/443"),
        24,
        13,
        ["bad port 'tcpp/443'", "expected tcp/PORT"],
    ),
    ("backwards range", ("tcp/443", "tcp/443-80"), 24, 13, ["backwards"]),
    (
        "duplicate id",
        ("id: jump-to-backup", "id: ws-to-backup"),
        20,
        9,
        ["duplicate path id 'ws-to-backup'", "line 13"],
    ),
    (
        "allow without approval in enforce",
        (APPROVED, "    stage: enforce\n"),
        20,
        5,
        ["enforce stage without an approval", "expected approved"],
    ),
    (
        "unknown key",
        ("    why: Backup", "    wyh: x\n    why: Backup"),
        25,
        5,
        ["unknown key 'wyh'", "expected one of: id, from, to, rule, ports"],
    ),
    (
        "unknown cloud",
        ("{aws: {instance", "{oci: {instance"),
        10,
        14,
        ["unknown selector 'oci'", "expected one of: aws, azure, gcp, cidr"],
    ),
    (
        "unknown aws key",
        ("{aws: {instance", "{aws: {instanc"),
        10,
        20,
        ["unknown key 'instanc'", "security_group"],
    ),
    (
        "wrong type",
        ("ports: [tcp/443]", "ports: tcp/443"),
        24,
        12,
        ["expected a list", "got the text 'tcp/443'"],
    ),
    (
        "yaml syntax",
        ("protect: [backup-console]", "protect: [backup-console"),
        12,
        1,
        ["invalid YAML"],
    ),
    (
        "exception without expiry",
        ("    expires: 2027-05-01\n", "    exceptions: [ws-to-backup]\n"),
        28,
        5,
        ["needs an approval and an expiry", "expected expires"],
    ),
    (
        "exception without approval",
        (APPROVED, "    exceptions: [ws-to-backup]\n"),
        27,
        5,
        ["needs an approval and an expiry", "expected approved"],
    ),
    (
        "exception naming an allow path",
        (
            "    expires: 2027-05-01\n",
            "    expires: 2027-05-01\n    exceptions: [jump-to-backup]\n",
        ),
        29,
        18,
        ["names an allow path", "expected a deny path id: ws-to-backup"],
    ),
    (
        "exceptions on a deny path",
        ("    stage: enforce ", "    exceptions: [x]\n    stage: enforce "),
        19,
        5,
        ["only allow paths carry exceptions"],
    ),
    ("wrong version", ("version: 1", "version: 2"), 1, 10, ["version: expected 1, got 2"]),
    (
        "bad stage",
        ("stage: enforce ", "stage: enforced "),
        19,
        12,
        ["expected one of: monitor, enforce"],
    ),
    ("not a date", ("2027-05-01", "2027-13-01"), 28, 14, ["not a real date", "YYYY-MM-DD"]),
    ("date shape", ("2027-05-01", "next may"), 28, 14, ["expected a date YYYY-MM-DD"]),
    (
        "two selector keys",
        (
            "[{aws: {security_group: sg-0backup}}]",
            "[{aws: {security_group: sg-0backup}, cidr: 10.0.0.0/8}]",
        ),
        8,
        13,
        ["exactly one key"],
    ),
    ("bad cidr", ("10.50.0.0/16", "10.50.0.0/33"), 5, 55, ["bad CIDR", "expected like"]),
    ("missing rule", ("    rule: deny ", "   "), 13, 5, ["missing 'rule'"]),
    (
        "duplicate yaml key",
        ("    rule: deny ", "    rule: deny\n    rule: allow "),
        17,
        5,
        ["duplicate key 'rule'"],
    ),
    (
        "unknown protected segment",
        ("protect: [backup-console]", "protect: [backups]"),
        11,
        11,
        ["unknown segment 'backups'"],
    ),
    ("expiry before approval", ("2027-05-01", "2026-01-01"), 28, 14, ["before the approval"]),
    ("empty ports", ("ports: [tcp/443]", "ports: []"), 24, 12, ["at least one port"]),
    ("custom tag", ("rule: allow", "rule: !custom allow"), 23, 11, ["unsupported YAML tag"]),
    ("merge key", ("    rule: deny ", "    <<: {rule: deny}\n "), 16, 5, ["merge keys"]),
]


@pytest.mark.parametrize(
    ("edit", "line", "column", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_errors_name_the_place_and_what_was_expected(
    edit: tuple[str, str], line: int, column: int, words: list[str]
) -> None:
    old, new = edit
    assert old in TEXT
    e = _err(TEXT.replace(old, new, 1))
    assert (e.file, e.line, e.column) == ("p.yml", line, column), str(e)
    for w in words:
        assert w in e.message, e.message
    assert str(e).startswith(f"p.yml:{line}:{column}: ")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty policy"),
        ("- a\n- b\n", "expected a mapping"),
        ("version: 1\nsegments: {}\n---\nversion: 1\n", "invalid YAML"),
        ("a: &x [*x]\n", "recursive YAML alias"),
        ("version: 1\n", "missing 'segments'"),
        ("version: 1\nsegments: {bad name: {match: [{cidr: 10.0.0.0/8}]}}\n", "bad segment name"),
        ("version: 1\nsegments: {}\n? [a]\n: b\n", "plain text key"),
        ("version: !!int x\n", "expected an integer"),
        ("\t- x", "invalid YAML"),
    ],
)
def test_odd_documents_are_clean_errors(text: str, words: str) -> None:
    assert words in _err(text).message


def test_unreadable_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_bytes(b"\xff\xfe version")
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(bad)


def test_an_empty_tagged_integer_is_a_policy_error() -> None:
    """Found by the policy fuzzer: PyYAML raises IndexError on ``!!int ''``."""
    with pytest.raises(PolicyError, match="expected an integer"):
        parse_policy("version: !!int ''\nsegments: {}\n", "p.yml")
