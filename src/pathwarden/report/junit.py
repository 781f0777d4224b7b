"""JUnit XML: one testcase per policy path (and per ``protect`` entry), a failure per finding.

Valid against the Jenkins xunit-plugin JUnit schema (``junit-10.xsd``, checked in the tests).
Monitor-stage findings are failures too (their message says ``[monitor]``): JUnit has no
"reported but not failing" state, and a test report that hides them would be silence.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from pathwarden.check.findings import CheckResult, Finding
from pathwarden.report.common import PARTIAL_NOTE, pair_label
from pathwarden.report.notices import notes_text


def _failure(case: ET.Element, f: Finding) -> None:
    message = f"[{f.stage.value}] {f.kind.value}: {f.message}"
    body = [
        f"{f.src} -> {f.dst}",
        f"open: {f.open.describe()}",
        f"rules: {', '.join(f.rules) or '-'}",
    ]
    if f.why:
        body.append(f"why: {f.why}")
    if f.owner:
        body.append(f"owner: {f.owner}")
    if f.pair_count:
        body.append(f"member pairs ({f.pair_count}): " + "; ".join(pair_label(p) for p in f.pairs))
    element = ET.SubElement(case, "failure", {"type": f.kind.value, "message": message})
    element.text = "\n".join(body)


def render_junit(result: CheckResult) -> str:
    groups = result.by_path()
    checked = result.checked()
    failures = sum(1 for path_id, _, _ in checked if path_id in groups)
    counts = {"tests": str(len(checked)), "failures": str(failures), "errors": "0"}
    root = ET.Element("testsuites", {"name": "pathwarden check", **counts})
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": result.policy_file,
            **counts,
            "skipped": "0",
            "timestamp": result.as_of.isoformat(),
        },
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", {"name": "partial", "value": str(result.partial).lower()})
    ET.SubElement(props, "property", {"name": "as_of", "value": result.as_of.isoformat()})
    for path_id, _line, _description in checked:
        case = ET.SubElement(suite, "testcase", {"name": path_id, "classname": "pathwarden.policy"})
        for f in groups.get(path_id, []):
            _failure(case, f)
    notes = ([PARTIAL_NOTE] if result.partial else []) + list(result.warnings)
    out = [f"warning: {n}" for n in notes] + notes_text(result.notices)
    if out:
        ET.SubElement(suite, "system-out").text = "\n".join(out)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
