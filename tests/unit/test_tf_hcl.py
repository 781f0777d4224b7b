"""HCL: reading with python-hcl2, ``tf review --hcl``, locations, the modules, export-approved."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
import pytest
from click.testing import CliRunner

from pathwarden.errors import InputError
from pathwarden.terraform.hcl import read_module
from pathwarden.terraform.hcl_plan import hcl_plan
from pathwarden.terraform.locations import Locations
from tests.unit.tfplans import BACKUP, EXAMPLE, POLICY, ROOT, SNAPSHOT, cli_group, line_of

MODULES = ROOT / "modules"
BASE = ["--policy", str(POLICY), "--as-of", "2026-11-25"]


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli_group(), ["tf", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_hcl_values_literals_variables_and_references() -> None:
    plan, notes = hcl_plan(EXAMPLE)
    ssh = plan.change("aws_vpc_security_group_ingress_rule.workstation_ssh")
    assert ssh is not None and ssh.after is not None and ssh.actions == ("create",)
    assert ssh.after.values["cidr_ipv4"] == "10.20.1.0/24"  # var.workstation_cidr default
    assert ssh.after.values["from_port"] == 22
    assert ssh.after.unknown["security_group_id"] is True
    exprs = plan.configuration["root_module"]["resources"]
    ssh_cfg = next(r for r in exprs if r["address"] == ssh.address)
    assert ssh_cfg["expressions"]["security_group_id"] == {
        "references": ["aws_security_group.backup_console.id"]
    }
    assert notes == []


def test_hcl_review_with_state_fails_naming_path_and_line() -> None:
    code, out, _ = invoke(
        "review",
        "--hcl",
        str(EXAMPLE),
        "--state",
        str(EXAMPLE / "terraform.tfstate.json"),
        "--snapshot",
        str(SNAPSHOT),
        *BASE,
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert code == 2
    new = [f for f in doc["findings"] if f["status"] == "new"]
    assert [f["path"] for f in new] == ["ws-to-backup"]
    line = line_of(EXAMPLE / "main.tf", '"workstation_ssh"')
    assert [loc["line"] for loc in new[0]["locations"]] == [line]


def test_hcl_without_state_reports_everything_as_new_resources(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "p" {\n  default = 22\n}\n'
        'resource "aws_security_group" "x" {\n  name = "x"\n  vpc_id = data.aws_vpc.v.id\n'
        '  ingress {\n    from_port = var.p\n    to_port = var.p\n    protocol = "tcp"\n'
        "    cidr_blocks = [local.office]\n  }\n}\n"
        'module "m" {\n  source = "./m"\n}\n'
    )
    code, out, err = invoke("review", "--hcl", str(tmp_path), *BASE, "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert [c["address"] for c in doc["changes"]] == ["aws_security_group.x"]
    assert any(a["attribute"] == "ingress[0].cidr_blocks" for a in doc["assumptions"])
    assert "module calls are not followed" in err


def test_hcl_syntax_error_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.tf").write_text('resource "aws_security_group" "x" {\n  name = \n')
    code, out, err = invoke("review", "--hcl", str(tmp_path), *BASE)
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert f"{tmp_path / 'bad.tf'}:" in err and "not valid HCL" in err
    with pytest.raises(InputError, match="not a directory"):
        read_module(tmp_path / "missing")


def test_locations_follow_local_modules(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "main.tf").write_text(
        'module "net" {\n  source = "./m"\n}\n\n'
        'module "reg" {\n  source = "terraform-aws-modules/x"\n}\n'
    )
    (tmp_path / "m" / "sg.tf").write_text('\n\nresource "aws_security_group" "s" {\n}\n')
    locs = Locations(tmp_path)
    found = locs.find('module.net[0].aws_security_group.s["a"]')
    assert found is not None and (Path(found.file).name, found.line) == ("sg.tf", 3)
    remote = locs.find("module.reg.aws_security_group.s")
    assert remote is not None and (Path(remote.file).name, remote.line) == ("main.tf", 5)
    assert locs.find("aws_security_group.none") is None


@pytest.mark.parametrize(
    "name", ["aws-approved-paths", "azure-approved-paths", "gcp-approved-paths"]
)
def test_modules_parse_with_python_hcl2(name: str) -> None:
    folder = MODULES / name
    assert (folder / "README.md").is_file()
    docs = {p.name: hcl2.loads(p.read_text()) for p in sorted(folder.glob("*.tf"))}
    assert {"main.tf", "variables.tf", "outputs.tf", "versions.tf"} <= set(docs)
    variables = docs["variables.tf"]["variable"]
    approved = next(v for v in variables if '"approved_paths"' in v)['"approved_paths"']
    assert len(approved["validation"]) >= 4
    assert docs["outputs.tf"]["output"]
    assert docs["main.tf"]["resource"]
    blocks = read_module(folder).of_kind("resource")
    assert len(blocks) == 1 and blocks[0].line > 0


def test_export_approved_matches_the_aws_module(tmp_path: Path) -> None:
    out = tmp_path / "approved.auto.tfvars.json"
    code, stdout, err = invoke(
        "export-approved",
        "--policy",
        str(POLICY),
        "--snapshot",
        str(SNAPSHOT),
        "--as-of",
        "2026-11-25",
        "--out",
        str(out),
    )
    assert code == 0 and "wrote 1 approved path" in stdout
    assert "monitoring-to-backup: approval expired on 2026-09-30" in err
    doc = json.loads(out.read_text())
    [entry] = doc["approved_paths"]
    jump_ips = _jump_addresses()
    assert entry["id"] == "jump-to-backup-tcp-443"
    assert (entry["protocol"], entry["from_port"], entry["to_port"]) == ("tcp", 443, 443)
    assert entry["security_group_ids"] == ["sg-0backup"]
    assert entry["source_cidrs"] == sorted(f"{ip}/32" for ip in jump_ips)
    assert (entry["change"], entry["expires"]) == ("CHG0012345", "2027-05-01")
    module_vars = hcl2.loads((MODULES / "aws-approved-paths" / "variables.tf").read_text())
    approved = next(v for v in module_vars["variable"] if '"approved_paths"' in v)
    declared = approved['"approved_paths"']["type"]
    for key in entry:
        assert key in declared  # every exported key is an attribute of the module's type


def test_export_without_snapshot_skips_instance_sources(tmp_path: Path) -> None:
    out = tmp_path / "a.auto.tfvars.json"
    code, _, err = invoke(
        "export-approved", "--policy", str(POLICY), "--as-of", "2026-11-25", "--out", str(out)
    )
    assert code == 0
    assert json.loads(out.read_text()) == {"approved_paths": []}
    assert "jump-to-backup: segment jump-hosts has no security group" not in err
    assert "jump-to-backup: segment jump-hosts" in err


def _jump_addresses() -> list[str]:
    data = json.loads((BACKUP / "snapshot" / "describe-network-interfaces.json").read_text())
    return [
        p["PrivateIpAddress"]
        for n in data["NetworkInterfaces"]
        if n.get("Attachment", {}).get("InstanceId") == "i-0jump"
        for p in n["PrivateIpAddresses"]
    ]
