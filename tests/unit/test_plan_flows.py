"""plan --flows: candidates are ranked by the observed flows they would break."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pathwarden.cli.main import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "backup-console"


def test_plan_with_flows_reports_flows_broken_per_candidate(tmp_path: Path) -> None:
    db, out = tmp_path / "flows.db", tmp_path / "cs.json"
    logs = sorted(str(p) for p in (EXAMPLE / "flows").glob("*.log"))
    runner = CliRunner()
    ingest = runner.invoke(cli, ["flows", "ingest", "--db", str(db), *logs])
    assert ingest.exit_code == 0, ingest.output
    result = runner.invoke(
        cli,
        [
            "plan",
            "--policy",
            str(EXAMPLE / "policy.yml"),
            "--snapshot",
            str(EXAMPLE / "snapshot"),
            "--as-of",
            "2026-11-25",
            "--flows",
            str(db),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["collateral"]["flows_broken"] == 0
    [finding] = doc["findings"]
    removal = [
        a
        for a in finding["alternatives"]
        if a["strategy"] == "remove" and a["hop"].startswith("destination")
    ]
    # removing sg-0backup's 10.0.0.0/8 rule cuts the app servers' observed status calls
    assert removal and "breaks" in removal[0]["verdict"]
    assert not removal[0]["verdict"].endswith("breaks 0 observed flows)")
