"""Live GCP discovery with google-cloud-compute: write the snapshot folder the offline loader
reads (:mod:`.load`), plus ``manifest.json``.

Layout written, below ``<out>/<project-id>/``, REST bodies with every page merged
(``Message.to_dict(preserving_proto_field_name=False)`` is the REST JSON shape):

- ``networks.json`` ``{"items": [...]}`` (networks.list);
- ``subnets.json`` ``{"items": {region: {"subnetworks": [...]}}}`` (subnetworks.aggregatedList);
- ``instances.json`` ``{"items": {zone: {"instances": [...]}}}`` (instances.aggregatedList);
- ``firewall-rules.json`` ``{"items": [...]}`` (firewalls.list);
- ``network-firewall-policies.json`` ``{"items": [...]}``: global (networkFirewallPolicies.list)
  and regional (regionNetworkFirewallPolicies.list, per region that has a subnet) policies;
- ``effective-firewalls/<network>.json`` (networks.getEffectiveFirewalls): the hierarchical
  policies that apply to each network, in evaluation order;
- ``routes.json`` ``{"items": [...]}`` (routes.list) and ``routers.json``
  ``{"items": {region: {"routers": [...]}}}`` (routers.aggregatedList: Cloud NAT).

Retries are google-api-core's :class:`Retry` on every call (429, 500, 502, 503, 504 with
exponential backoff); the pagers re-use it for every page. A call that still fails is recorded
as failed in the manifest and makes the snapshot partial; the other calls carry on.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pathwarden import __version__
from pathwarden.errors import InputError
from pathwarden.providers.gcp.load import (
    EFFECTIVE_DIR,
    FIREWALLS,
    INSTANCES,
    NETWORK_POLICIES,
    NETWORKS,
    PROJECT_FOLDER,
    SUBNETS,
)
from pathwarden.providers.gcp.routes import ROUTERS, ROUTES
from pathwarden.providers.gcp.shapes import last
from pathwarden.providers.manifest import (
    CallLog,
    CallRecord,
    CallStatus,
    Manifest,
    now,
    write_manifest,
)
from pathwarden.providers.outdir import publish, staging_folder
from pathwarden.providers.progress import Progress, make_progress
from pathwarden.providers.sdk import require

Json = dict[str, Any]
READ_SCOPE = "https://www.googleapis.com/auth/compute.readonly"
# (file, IAM permission) of every call; the docs' least-privilege table comes from this.
PERMISSIONS = {
    NETWORKS: "compute.networks.list",
    SUBNETS: "compute.subnetworks.list",
    INSTANCES: "compute.instances.list",
    FIREWALLS: "compute.firewalls.list",
    NETWORK_POLICIES: "compute.networkFirewallPolicies.list",
    "regional-policies": "compute.regionFirewallPolicies.list",
    EFFECTIVE_DIR: "compute.networks.getEffectiveFirewalls",
    ROUTES: "compute.routes.list",
    ROUTERS: "compute.routers.list",
}


def default_retry(initial: float = 1.0, maximum: float = 30.0, deadline: float = 300.0,
                  say: Callable[[str], None] | None = None) -> Any:
    """google-api-core ``Retry`` on throttling and transient server errors; with ``say``, each
    retryable error is said in one line before the wait (google-api-core's ``on_error``)."""
    core = require("google.api_core.retry")
    exc = require("google.api_core.exceptions")

    def on_error(e: Exception) -> None:
        if say is not None:
            first = (str(e).strip().splitlines() or [""])[0][:200]
            say(f"retrying a Compute API call after {type(e).__name__}: {first} "
                f"(waiting up to {maximum:g} s between attempts, {deadline:g} s in all)")

    return core.Retry(
        predicate=core.if_exception_type(exc.TooManyRequests, exc.InternalServerError,
                                         exc.BadGateway, exc.ServiceUnavailable,
                                         exc.GatewayTimeout),
        initial=initial, maximum=maximum, multiplier=2.0, timeout=deadline, on_error=on_error,
    )


def discover_gcp(
    out_dir: str | Path,
    project: str,
    *,
    credentials: Any = None,
    api_endpoint: str | None = None,
    retry: Any = None,
    effective: bool = True,
    progress: bool = True,
    overwrite: bool = False,
    retry_deadline: float = 300.0,
) -> Manifest:
    """Discover one project into ``out_dir`` (``<out>/<project>/...`` + ``manifest.json``).

    ``credentials`` default to google-auth's application default credentials; ``api_endpoint``
    points the clients at another Compute endpoint (``http://127.0.0.1:PORT`` for a fake). A
    failed call does not raise: ``manifest.partial`` is true and the CLI exits 1.
    """
    if not PROJECT_FOLDER.fullmatch(project or ""):
        raise InputError(f"--project {project!r}: expected a project id (6-30 lowercase "
                         "letters, digits or hyphens, starting with a letter)")
    compute = require("google.cloud.compute_v1")
    if credentials is None:
        credentials = application_default_credentials()
    kwargs: Json = {"credentials": credentials, "transport": "rest"}
    if api_endpoint:
        kwargs["client_options"] = {"api_endpoint": api_endpoint}
    out = Path(out_dir)
    staging = staging_folder(out, overwrite)
    started = now()
    bar = make_progress(progress, "discover gcp")
    run = _Run(compute, kwargs, project, staging / project, bar,
               retry if retry is not None else default_retry(deadline=retry_deadline,
                                                             say=bar.note))
    try:
        run.execute(effective)
    except BaseException:
        bar.close()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    bar.close()
    manifest = Manifest(
        cloud="gcp", version=__version__, started=started, finished=now(),
        accounts=(project,), regions=tuple(sorted(run.regions)), calls=run.log.records(),
        options={"api_endpoint": api_endpoint} if api_endpoint else {},
    )
    write_manifest(staging, manifest)
    publish(staging, out)
    return manifest


def application_default_credentials() -> Any:
    """google-auth's application default credentials, or a one-line :class:`InputError`."""
    auth = require("google.auth")
    errors = require("google.auth.exceptions")
    try:
        credentials, _ = auth.default(scopes=[READ_SCOPE])
    except errors.DefaultCredentialsError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"no Google credentials: {first} (run `gcloud auth "
                         "application-default login` or set GOOGLE_APPLICATION_CREDENTIALS)"
                         ) from e
    return credentials


def to_json(message: Any) -> Json:
    """The REST JSON of one SDK message (camelCase names, ``IPProtocol``)."""
    out: Json = type(message).to_dict(message, preserving_proto_field_name=False)
    return out


@dataclass
class _Run:
    compute: Any
    kwargs: Json
    project: str
    folder: Path
    bar: Progress
    retry: Any
    log: CallLog = field(default_factory=CallLog)
    regions: set[str] = field(default_factory=set)

    def client(self, name: str) -> Any:
        return getattr(self.compute, name)(**self.kwargs)

    def execute(self, effective: bool) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.bar.add_total(8)
        p, r = self.project, self.retry
        networks = self._call(NETWORKS, NETWORKS, lambda: _pages(
            self.client("NetworksClient").list(project=p, retry=r)))
        subnets = self._call(SUBNETS, SUBNETS, lambda: _aggregated(
            self.client("SubnetworksClient").aggregated_list(project=p, retry=r),
            "subnetworks"))
        self._call(INSTANCES, INSTANCES, lambda: _aggregated(
            self.client("InstancesClient").aggregated_list(project=p, retry=r), "instances"))
        self._call(FIREWALLS, FIREWALLS, lambda: _pages(
            self.client("FirewallsClient").list(project=p, retry=r)))
        self._call(ROUTES, ROUTES, lambda: _pages(
            self.client("RoutesClient").list(project=p, retry=r)))
        self._call(ROUTERS, ROUTERS, lambda: _aggregated(
            self.client("RoutersClient").aggregated_list(project=p, retry=r), "routers"))
        for bag in (subnets or {}).get("items", {}).values():
            self.regions.update(last(s.get("region", "")) for s in bag.get("subnetworks", []))
        self.regions.discard("")
        self._call(NETWORK_POLICIES, NETWORK_POLICIES, self._network_policies)
        if effective:
            names = [n.get("name", "") for n in (networks or {}).get("items", [])]
            self.bar.add_total(len(names))
            client = self.client("NetworksClient")
            for name in names:
                self._call(EFFECTIVE_DIR, f"{EFFECTIVE_DIR}/{name}.json",
                           partial(_one, client.get_effective_firewalls, project=p, network=name,
                                   retry=r),
                           target=f"projects/{p}/global/networks/{name}")

    def _network_policies(self) -> tuple[Json, int]:
        p, r = self.project, self.retry
        items, requests = _pages(
            self.client("NetworkFirewallPoliciesClient").list(project=p, retry=r))
        regional = self.client("RegionNetworkFirewallPoliciesClient")
        for region in sorted(self.regions):
            more, n = _pages(regional.list(project=p, region=region, retry=r))
            items["items"].extend(more["items"])
            requests += n
        return items, requests

    def _call(self, kind: str, rel: str, fetch: Callable[[], tuple[Json, int]],
              target: str = "") -> Json | None:
        errors = require("google.api_core.exceptions")
        action = PERMISSIONS[kind]
        try:
            body, requests = fetch()
        except (errors.GoogleAPIError, OSError) as e:
            self.log.add(CallRecord(self.project, "", action, CallStatus.FAILED,
                                    error=_error_text(e), target=target))
            self.bar.advance(f"{rel}: failed")
            return None
        path = self.folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
        count = _count(body)
        self.log.add(CallRecord(self.project, "", action, CallStatus.OK, items=count,
                                requests=requests, file=f"{self.project}/{rel}", target=target))
        self.bar.advance(f"{rel}: {count}")
        return body


def _one(method: Callable[..., Any], **kwargs: Any) -> tuple[Json, int]:
    return to_json(method(**kwargs)), 1


def _pages(pager: Any) -> tuple[Json, int]:
    items: list[Json] = []
    requests = 0
    for page in pager.pages:
        requests += 1
        items.extend(to_json(m) for m in page.items)
    return {"items": items}, requests


def _aggregated(pager: Any, kind: str) -> tuple[Json, int]:
    scopes: dict[str, Json] = {}
    requests = 0
    for page in pager.pages:
        requests += 1
        for scope, scoped in page.items.items():
            values = [to_json(m) for m in getattr(scoped, kind)]
            if values:
                scopes.setdefault(scope, {kind: []})[kind].extend(values)
    return {"items": scopes}, requests


def _count(body: Json) -> int:
    items = body.get("items")
    if isinstance(items, list):
        return len(items)
    if isinstance(items, dict):
        return sum(len(v) for bag in items.values() for v in bag.values() if isinstance(v, list))
    return len(body.get("firewalls", [])) + len(body.get("firewallPolicys", []))


def _error_text(e: BaseException) -> str:
    """``HTTP 403 Forbidden: message`` (after the retries)."""
    cause = getattr(e, "cause", None)
    if isinstance(cause, BaseException):  # RetryError: the retries ran out; say why
        return f"{_error_text(cause)} (retries gave up: {getattr(e, 'message', e)})"
    code = getattr(e, "code", None)
    message = getattr(e, "message", None) or (str(e).splitlines()[0] if str(e) else "")
    if code:
        return f"HTTP {int(code)} {type(e).__name__}: {message}"
    return f"{type(e).__name__}: {message}".rstrip(": ")
