"""JUnit XML of ``tf review``: one testcase per policy path; a failure for each finding the
plan makes worse (enforce stage, or existing ones with ``--fail-on existing``); everything
else goes to ``system-out`` so it is visible without failing the build."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from pathwarden.report.notices import notes_text
from pathwarden.terraform.review import Review


def render_review_junit(r: Review) -> str:
    failing = r.failing()
    ids = [(p.id, p.line) for p in r.policy.paths] + [(p.id, p.line) for p in r.policy.protect]
    failed_ids = {d.finding.path for d in failing}
    counts = {
        "tests": str(len(ids)),
        "failures": str(len([i for i, _ in ids if i in failed_ids])),
        "errors": "0",
    }
    root = ET.Element("testsuites", {"name": "pathwarden tf review", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": r.source, **counts, "skipped": "0"})
    for path_id, _line in ids:
        case = ET.SubElement(
            suite, "testcase", {"name": path_id, "classname": "pathwarden.tf_review"}
        )
        for d in failing:
            if d.finding.path != path_id:
                continue
            f = d.finding
            message = f"[{f.stage.value}] {d.status.value} {f.kind.value}: {f.message}"
            el = ET.SubElement(case, "failure", {"type": f.kind.value, "message": message})
            body = [f"{f.src} -> {f.dst}", f"opened by the plan: {d.added.describe()}"]
            body += [f"at {loc} ({loc.address})" for loc in d.locations]
            body += [
                f"resource: {a}"
                for a in d.resources
                if a not in {loc.address for loc in d.locations}
            ]
            el.text = "\n".join(body)
    out = [r.verdict()]
    out += [
        f"{d.status.value} {d.finding.kind.value} {d.finding.path}"
        for d in r.deltas
        if d not in failing
    ]
    out += [f"assumption: {a.message()}" for a in r.assumptions]
    out += [f"not evaluated yet: {a} ({t})" for a, t, _ in r.not_evaluated]
    out += notes_text(r.after.notices)
    ET.SubElement(suite, "system-out").text = "\n".join(out)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
