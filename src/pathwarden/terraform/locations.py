"""Resource address -> ``file:line`` in the ``.tf`` files (for SARIF and the PR comment).

``module.a["x"].aws_security_group.b[0]`` is found by dropping instance keys, following each
``module "a"`` block whose ``source`` is a local path (``./modules/a``) and looking up the
``resource "aws_security_group" "b"`` block there. A module from a registry or git is not on
disk: its ``module`` block is the location.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pathwarden.terraform.hcl import HclModule, read_module
from pathwarden.terraform.plan import config_address, split_address


@dataclass(frozen=True, slots=True)
class Location:
    address: str
    file: str
    line: int
    end_line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, object]:
        return {
            "address": self.address,
            "file": self.file,
            "line": self.line,
            "end_line": self.end_line,
        }


class Locations:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._modules: dict[Path, HclModule] = {}

    def module(self, folder: Path) -> HclModule:
        key = folder.resolve()
        if key not in self._modules:
            self._modules[key] = read_module(folder)
        return self._modules[key]

    def find(self, address: str) -> Location | None:
        parts = split_address(config_address(address))
        if len(parts) < 2:
            return None
        folder = self.root
        i = 0
        while i + 1 < len(parts) - 2 and parts[i] == "module":
            call = self.module(folder).module_call(parts[i + 1])
            if call is None:
                return None
            source = str(call.body.get("source", ""))
            if not source.startswith(("./", "../")) or not (folder / source).is_dir():
                return Location(address, call.file, call.line, call.end_line)
            folder = folder / source
            i += 2
        block = self.module(folder).resource(parts[-2], parts[-1])
        if block is None:
            return None
        return Location(address, block.file, block.line, block.end_line)
