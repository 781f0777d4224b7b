"""``pathwarden plan --format markdown``: the change request a change advisory board reads.

Rendered from the ChangeSet document alone (one plan object): why, what closes, what stays,
risk, the exact operations, rollback, and how to approve it.
"""

from __future__ import annotations

from typing import Any


def ports_text(items: list[dict[str, Any]]) -> str:
    parts = []
    for o in items:
        if o["ports"] is None:
            parts.append(o["protocol"])
        else:
            spans = ",".join(str(a) if a == b else f"{a}-{b}" for a, b in o["ports"])
            parts.append(f"{o['protocol']}/{spans}")
    return " ".join(parts) or "nothing"


def _rule(r: dict[str, Any] | None) -> str:
    if r is None:
        return ""
    peers = r["src"] if r["direction"] == "ingress" else r["dst"]
    where = ", ".join(p["value"] if p["kind"] == "cidr" else f"{p['kind']}:{p['value']}"
                      for p in peers) or "any"
    order = f"#{r['order']} " if r["order"] else ""
    word = "from" if r["direction"] == "ingress" else "to"
    return f"{order}{r['action']} {r['services']} {word} {where}"


def render_markdown(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    proof = doc["proof"]
    out = [f"# Change request: close {', '.join(s['closes']) or 'nothing'}", ""]
    out += [f"- Change sha256 (what an approval names): `{doc['content_sha256']}`",
            f"- Document sha256: `{doc['sha256']}`",
            f"- Planned by {doc['tool']} as of {doc['as_of']} from "
            f"{', '.join(doc['estate']['sources']) or 'a live estate'} "
            f"(policy `{doc['policy']['file']}`)",
            f"- {s['operations']} rule operation(s) on {s['resources']} resource(s); "
            f"proof: **{'holds' if proof['ok'] else 'FAILS'}**", ""]
    if doc["estate"]["partial"]:
        out += ["> **The estate was partial** (some discovery failed): apply will refuse this "
                "ChangeSet. Discover again and re-plan.", ""]
    out += ["## Why", ""]
    for f in doc["findings"]:
        fi = f["finding"]
        out.append(f"- **{fi['path']}** ({fi['kind']}): {fi['from']} -> {fi['to']} is open on "
                   f"{ports_text(fi['open'])}; opened by {', '.join(fi['rules']) or 'unknown'}.")
        if f["note"]:
            out.append(f"  - {f['note']}")
    out += ["", "## What closes", ""]
    for c in proof["closed"]:
        out.append(f"- {c['path']} ({c['kind']}): {ports_text(c['open'])} closed")
    if proof["still_open"]:
        out += [f"- STILL OPEN: {x['path']} ({x['kind']}): {ports_text(x['open'])}"
                for x in proof["still_open"]]
    out += ["", "## What stays open", ""]
    out += [f"- {k['path']}: {k['from']} -> {k['to']} on {k['ports']}" for k in doc["kept"]]
    blocked = proof["newly_blocked_approved_paths"]
    out.append(f"- Approved paths newly blocked by this change: {len(blocked)}"
               + ("" if not blocked else " (" + ", ".join(b["path"] for b in blocked) + ")"))
    out += [f"- Enforce-stage violations after the change: {proof['violations_after']} "
            f"(before: {proof['violations_before']})", ""]
    out += ["## Risk", ""]
    col = doc["collateral"]
    flows = "not measured (no flow logs)" if col["flows_broken"] is None else col["flows_broken"]
    out += [f"- Collateral (address x port volume closed beyond the findings): "
            f"{col['address_port_volume']:,}",
            f"- Observed flows broken: {flows}",
            "- Security groups are stateful: connections already tracked survive a rule "
            "removal until they time out.", ""]
    if doc["not_planned"]:
        out += ["Not planned here:", ""]
        out += [f"- {n['path']} ({n['kind']}): {n['reason']}" for n in doc["not_planned"]]
        out.append("")
    out += ["### Alternatives considered", "", "| finding | hop | strategy | edits | "
            "collateral | verdict |", "|---|---|---|---:|---:|---|"]
    for f in doc["findings"]:
        for c in ([f["chosen"]] if f["chosen"] else []) + f["alternatives"]:
            out.append(f"| {f['finding']['path']} | {c['hop']} | {c['strategy']} | "
                       f"{c['edits']} | {c['collateral']['address_port_volume']:,} | "
                       f"{c['verdict']} |")
    out += ["", "## Operations (in apply order)", ""]
    for r in doc["resources"]:
        out += [f"### {r['id']} {r['name']} ({r['type']}, {r['account']} {r['region']})", "",
                f"Precondition: rules fingerprint `{r['precondition']['fingerprint']}`", "",
                "| # | action | rule | was | why |", "|---:|---|---|---|---|"]
        for op in r["operations"]:
            out.append(f"| {op['seq']} | {op['action']} | {_rule(op['rule'])} | "
                       f"{_rule(op['before'])} | {op['reason']} |")
        out.append("")
    out += ["## Rollback", "",
            "On any failure apply undoes what it did, in reverse order, and verifies the "
            "resources are back to their precondition fingerprints:", ""]
    for r in doc["resources"]:
        for op in r["rollback"]["operations"]:
            out.append(f"- {r['id']}: {op['action']} {_rule(op['rule']) or op['rule_id']}")
    out += ["", "## Approve and apply", "",
            "`approve` and `apply` recompute the proof from the operations above against the "
            "policy and snapshot before anything is written (`pathwarden verify` shows it):",
            "", "```sh",
            "pathwarden verify CHANGESET.json --policy POLICY.yml --snapshot DIR",
            "pathwarden approve CHANGESET.json --policy POLICY.yml --snapshot DIR "
            "--change CHG... --by NAME --out APPROVAL.yml",
            "pathwarden apply CHANGESET.json --approval APPROVAL.yml --check   # dry run",
            "pathwarden apply CHANGESET.json --approval APPROVAL.yml", "```", ""]
    return "\n".join(out)
