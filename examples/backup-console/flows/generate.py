"""Write a synthetic week of AWS VPC flow logs for the backup-console example estate.

    python examples/backup-console/flows/generate.py [OUT_DIR]     (default: this folder)

One file per day (``2026-11-16.log`` .. ``2026-11-22.log``), in the form AWS delivers to S3:
a header line with the default (version 2) fields, then one record per line. Deterministic
(seeded): the committed files are exactly what this script writes.

What the week shows (the story of ../README.md):

- the jump host 10.20.2.10 reaches the backup console 10.20.3.10 on tcp/443, workdays
  (approved: jump-to-backup);
- admins SSH from their workstations to the jump host; the jump host RDPs to workstations and
  SSHs to the app servers; workstations use the intranet apps (tcp/443) and Grafana (3000);
- the monitoring host scrapes node exporters (tcp/9100) on the console, the storage nodes and
  the app servers every 6 hours (its approval into the console has lapsed: expired);
- the console backs up to the storage nodes (tcp/443) and fetches updates from outside; the
  app servers' backup agents send to the storage nodes (tcp/8400-8403) nightly;
- app server 10.20.2.31 polls the console's status API on tcp/443 (no allow path: unapproved);
- workstation 10.20.1.23 opens the console on tcp/443 twice and 10.20.1.17 uses the
  "temporary" SSH rule once (forbidden: ws-to-backup);
- blocked today: RDP attempts from a workstation to the console, and a workstation trying the
  storage nodes' backup port (REJECT at the destination ENI, ACCEPT at the source ENI);
- the interface endpoint ENI has no traffic (NODATA), and one capture window was skipped
  (SKIPDATA).

Every ENI a connection touches logs it (request and reply), as AWS does; an outside peer has no
ENI of ours, so those connections appear once per direction.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
SNAPSHOT = HERE.parent / "snapshot"
ACCOUNT = "111122223333"
HEADER = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets "
          "bytes start end action log-status")
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)
JUMP, CONSOLE, MONITORING = "10.20.2.10", "10.20.3.10", "10.20.2.20"
STORAGE = ("10.20.3.21", "10.20.3.22")
APPS = ("10.20.2.31", "10.20.2.32", "10.20.2.33")
WORKSTATIONS = tuple(f"10.20.1.{i}" for i in range(11, 31))
ADMINS = ("10.20.1.11", "10.20.1.12", "10.20.1.13", "10.20.1.14")
UPDATES = "52.94.236.248"
ENDPOINT_ENI = "eni-0372f21c4d455e62d"


def enis() -> dict[str, str]:
    doc = json.loads((SNAPSHOT / "describe-network-interfaces.json").read_text())
    return {n["PrivateIpAddress"]: n["NetworkInterfaceId"] for n in doc["NetworkInterfaces"]}


class Day:
    def __init__(self, rng: random.Random, eni: dict[str, str]) -> None:
        self.rng = rng
        self.eni = eni
        self.lines: list[tuple[int, str]] = []

    def record(self, eni: str, src: str, dst: str, sport: int, dport: int, packets: int,
               size: int, start: int, action: str = "ACCEPT") -> None:
        end = start + self.rng.randrange(50, 600)
        self.lines.append((start, f"2 {ACCOUNT} {eni} {src} {dst} {sport} {dport} 6 {packets} "
                                  f"{size} {start} {end} {action} OK"))

    def conn(self, client: str, server: str, port: int, when: datetime,
             reject_at_server: bool = False) -> None:
        start = int(when.timestamp()) + self.rng.randrange(0, 540)
        sport = self.rng.randrange(32768, 61000)
        out_pk, back_pk = self.rng.randrange(4, 400), self.rng.randrange(4, 600)
        out_b, back_b = out_pk * self.rng.randrange(60, 900), back_pk * self.rng.randrange(60, 1400)
        for ip in (client, server):
            eni = self.eni.get(ip)
            if eni is None:
                continue
            if reject_at_server and ip == server:
                self.record(eni, client, server, sport, port, 3, 180, start, "REJECT")
                continue
            if reject_at_server:
                self.record(eni, client, server, sport, port, 3, 180, start)
                continue
            self.record(eni, client, server, sport, port, out_pk, out_b, start)
            self.record(eni, server, client, port, sport, back_pk, back_b, start)

    def at(self, day: datetime, hour: int, minute: int = 0) -> datetime:
        return day + timedelta(hours=hour, minutes=minute)


def week(seed: int = 20261116) -> dict[str, list[str]]:
    rng = random.Random(seed)
    eni = enis()
    files: dict[str, list[str]] = {}
    for n in range(7):
        day = MONDAY + timedelta(days=n)
        workday = n < 5
        d = Day(rng, eni)
        if workday:
            for hour in rng.sample(range(8, 18), 3):
                for k in range(rng.randrange(1, 3)):
                    d.conn(JUMP, CONSOLE, 443, d.at(day, hour, 10 * k))
            for admin in ADMINS:
                for hour in rng.sample(range(8, 18), 2):
                    d.conn(admin, JUMP, 22, d.at(day, hour))
            d.conn(JUMP, rng.choice(WORKSTATIONS), 3389, d.at(day, rng.randrange(9, 17)))
            for app in rng.sample(APPS, 2):
                d.conn(JUMP, app, 22, d.at(day, rng.randrange(9, 17)))
            for ws in rng.sample(WORKSTATIONS, 10):
                for hour in rng.sample(range(8, 18), 2):
                    d.conn(ws, rng.choice(APPS), 443, d.at(day, hour))
            for ws in rng.sample(WORKSTATIONS, 3):
                d.conn(ws, MONITORING, 3000, d.at(day, rng.randrange(8, 18)))
        for hour in (0, 6, 12, 18):
            for target in (CONSOLE, *STORAGE, *APPS):
                d.conn(MONITORING, target, 9100, d.at(day, hour, 1))
            d.conn(APPS[0], CONSOLE, 443, d.at(day, hour, 5))
        for k in range(3):
            for store in STORAGE:
                d.conn(CONSOLE, store, 443, d.at(day, 1, 10 * k))
        for app in APPS:
            for store in STORAGE:
                d.conn(app, store, rng.randrange(8400, 8404), d.at(day, 2))
        d.conn(CONSOLE, UPDATES, 443, d.at(day, 4))
        if n in (1, 3):
            d.conn("10.20.1.23", CONSOLE, 443, d.at(day, 14, 20))
        if n == 2:
            d.conn("10.20.1.17", CONSOLE, 22, d.at(day, 16, 40))
            d.conn("10.20.1.17", CONSOLE, 3389, d.at(day, 16, 30), reject_at_server=True)
        if n == 4:
            d.conn("10.20.1.28", STORAGE[0], 8400, d.at(day, 11), reject_at_server=True)
            d.conn("10.20.1.28", STORAGE[1], 8400, d.at(day, 11), reject_at_server=True)
        for hour in (3, 15):
            start = int(d.at(day, hour).timestamp())
            d.lines.append((start, f"2 {ACCOUNT} {ENDPOINT_ENI} - - - - - - - {start} "
                                   f"{start + 600} - NODATA"))
        if n == 5:
            start = int(d.at(day, 9).timestamp())
            d.lines.append((start, f"2 {ACCOUNT} {eni[JUMP]} - - - - - - - {start} "
                                   f"{start + 600} - SKIPDATA"))
        files[f"{day:%Y-%m-%d}.log"] = [HEADER] + [text for _, text in sorted(d.lines)]
    return files


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    out.mkdir(parents=True, exist_ok=True)
    for name, lines in week().items():
        (out / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{out / name}: {len(lines) - 1} records")


if __name__ == "__main__":
    main(sys.argv)
