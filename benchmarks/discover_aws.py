"""Benchmark: live AWS discovery of a large estate served by moto over HTTP (issue 6 item 8).

Seeds N security groups (each with an SG-reference rule and a CIDR rule) and M ENIs spread
over R regions into moto in-process (``mock_aws``, fast), then serves that state with
``ThreadedMotoServer`` on 127.0.0.1 and runs :func:`discover_aws` against it over real HTTP,
once with the regions in parallel and once serially. Prints wall time, API calls (counted on
botocore's ``before-call`` event) and what was discovered.

    .venv/bin/python -m benchmarks.discover_aws                     # 2,000 SGs / 10,000 ENIs
    .venv/bin/python -m benchmarks.discover_aws --sgs 600 --enis 3000

Caveat: moto runs in the benchmark's own process, so it competes with the discovery threads
for the GIL; the parallel speed-up against AWS (network-bound) is larger than measured here.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


def seed(sgs: int, enis: int, regions: tuple[str, ...]) -> None:
    """Seed through boto3 inside an active ``mock_aws`` (no HTTP)."""
    import boto3

    for r, region in enumerate(regions):
        ec2 = boto3.client("ec2", region_name=region)
        vpc = ec2.create_vpc(CidrBlock=f"10.{r}.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{r}.{16 * i}.0/20")["Subnet"]
                   ["SubnetId"] for i in range(4)]
        n_sg = sgs // len(regions) + (r < sgs % len(regions))
        groups: list[str] = []
        for i in range(n_sg):
            gid = ec2.create_security_group(GroupName=f"g{i}", Description="bench",
                                            VpcId=vpc)["GroupId"]
            perms: list[dict[str, Any]] = [
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                 "IpRanges": [{"CidrIp": f"172.{16 + i % 16}.{i % 256}.0/24"}]}]
            if groups:
                perms.append({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                              "UserIdGroupPairs": [{"GroupId": groups[-1]}]})
            ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=perms)
            groups.append(gid)
        n_eni = enis // len(regions) + (r < enis % len(regions))
        for i in range(n_eni):
            subnet = i % len(subnets)
            net = ipaddress.ip_network(f"10.{r}.{16 * subnet}.0/20")
            ip = str(net.network_address + 10 + i // len(subnets))
            ec2.create_network_interface(SubnetId=subnets[subnet], PrivateIpAddress=ip,
                                         Groups=[groups[i % len(groups)]])


def run(url: str, regions: tuple[str, ...], workers: int, out: Path) -> dict[str, Any]:
    import boto3

    from pathwarden.providers.aws.discover import discover_aws

    counted: list[str] = []

    def factory(**kwargs: Any) -> Any:
        session = boto3.Session(**kwargs)
        session.events.register("before-call", lambda model, **_: counted.append(model.name))
        return session

    start = time.perf_counter()
    manifest = discover_aws(out, regions=regions, endpoint_url=url, session_factory=factory,
                            max_workers=workers, progress=False, overwrite=True)
    wall = time.perf_counter() - start
    items = {c.action: 0 for c in manifest.calls}
    for c in manifest.calls:
        items[c.action] += c.items
    return {"wall": wall, "calls": len(counted), "requests": manifest.requests(),
            "partial": manifest.partial, "sgs": items["ec2:DescribeSecurityGroups"],
            "rules": items["ec2:DescribeSecurityGroupRules"],
            "enis": items["ec2:DescribeNetworkInterfaces"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sgs", type=int, default=2000)
    parser.add_argument("--enis", type=int, default=10000)
    parser.add_argument("--regions", type=int, default=3, choices=(1, 2, 3))
    args = parser.parse_args()
    regions = REGIONS[: args.regions]
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ[k] = v
    os.environ.pop("AWS_ENDPOINT_URL", None)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from moto import mock_aws
    from moto.server import ThreadedMotoServer

    with mock_aws():  # clients with AWS endpoints stay in-process; 127.0.0.1 goes over HTTP
        t = time.perf_counter()
        seed(args.sgs, args.enis, regions)
        print(f"seeded {args.sgs} SGs / {args.enis} ENIs in {len(regions)} regions "
              f"in {time.perf_counter() - t:.1f} s (in-process)")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        try:
            with tempfile.TemporaryDirectory() as tmp:
                run(url, regions[:1], 1, Path(tmp) / "warm")  # moto's first-request cost
                rows = [("parallel", run(url, regions, len(regions), Path(tmp) / "p")),
                        ("serial", run(url, regions, 1, Path(tmp) / "s"))]
        finally:
            server.stop()
    print(f"\n{'mode':<9} {'workers':>7} {'wall s':>8} {'API calls':>9} {'SGs':>6} "
          f"{'SG rules':>8} {'ENIs':>6} partial")
    for mode, r in rows:
        workers = len(regions) if mode == "parallel" else 1
        print(f"{mode:<9} {workers:>7} {r['wall']:>8.1f} {r['calls']:>9} {r['sgs']:>6} "
              f"{r['rules']:>8} {r['enis']:>6} {r['partial']}")


if __name__ == "__main__":
    main()
