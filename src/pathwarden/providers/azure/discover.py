"""Live Azure discovery with azure-mgmt-network: write the snapshot folder the offline loader
reads (:mod:`.load`), plus ``manifest.json``.

Layout written: ``<out>/<subscription-id>/network-{nsg,nic,vnet,asg}-list.json`` and the
routing files ``network-route-table-list.json`` and ``network-public-ip-list.json`` as REST list
bodies ``{"value": [...]}`` (every page merged; ``model.as_dict()`` of azure-mgmt-network 33.x
is the ARM REST shape) and, per VNet,
``network-manager-effective-admin-rules/<resource-group>/<vnet>.json``. Live and offline are one
code path after this I/O.

Retries are the SDK's own ``RetryPolicy`` (429 with ``Retry-After``, 408 and 5xx, exponential
backoff; tune with ``retry_total`` / ``retry_backoff_factor`` in ``client_kwargs``); paging is
the SDK's ``ItemPaged``/``nextLink``. A call that still fails is recorded as failed in the
manifest and makes the snapshot partial; the other calls carry on.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pathwarden import __version__
from pathwarden.errors import InputError
from pathwarden.providers.azure.load import (
    ADMIN_RULES_DIR,
    ASGS,
    NICS,
    NSGS,
    SUBSCRIPTION_FOLDER,
    VNETS,
)
from pathwarden.providers.azure.notices import quiet_identity, said_retry_policy
from pathwarden.providers.azure.routes import PUBLIC_IPS, ROUTE_TABLES
from pathwarden.providers.azure.shapes import segment
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

# (file, RBAC action, operations attribute of NetworkManagementClient)
LIST_CALLS: tuple[tuple[str, str, str], ...] = (
    (VNETS, "Microsoft.Network/virtualNetworks/read", "virtual_networks"),
    (NICS, "Microsoft.Network/networkInterfaces/read", "network_interfaces"),
    (NSGS, "Microsoft.Network/networkSecurityGroups/read", "network_security_groups"),
    (ASGS, "Microsoft.Network/applicationSecurityGroups/read", "application_security_groups"),
    (ROUTE_TABLES, "Microsoft.Network/routeTables/read", "route_tables"),
    (PUBLIC_IPS, "Microsoft.Network/publicIPAddresses/read", "public_ip_addresses"),
)
ADMIN_ACTION = (
    "Microsoft.Network/virtualNetworks/listNetworkManagerEffectiveSecurityAdminRules/action"
)
PERMISSIONS = (*(c[1] for c in LIST_CALLS), ADMIN_ACTION)
NO_CREDENTIAL = (" (sign in with `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and "
                 "AZURE_CLIENT_SECRET)")


def discover_azure(
    out_dir: str | Path,
    subscription: str,
    resource_group: str | None = None,
    *,
    credential: Any = None,
    base_url: str | None = None,
    client_kwargs: Mapping[str, Any] | None = None,
    admin_rules: bool = True,
    progress: bool = True,
    overwrite: bool = False,
) -> Manifest:
    """Discover one subscription (or one resource group of it) into ``out_dir``.

    ``credential`` defaults to azure-identity's ``DefaultAzureCredential``; ``base_url`` points
    the client at another ARM endpoint (sovereign clouds, a local fake). A failed call does not
    raise: ``manifest.partial`` is true and the CLI exits 1.
    """
    if not SUBSCRIPTION_FOLDER.fullmatch(subscription or ""):
        raise InputError(f"--subscription {subscription!r}: expected a subscription id (GUID)")
    network = require("azure.mgmt.network")
    if credential is None:
        credential = require("azure.identity").DefaultAzureCredential()
    kwargs: dict[str, Any] = dict(client_kwargs or {})
    if base_url:
        kwargs["base_url"] = base_url
    out = Path(out_dir)
    staging = staging_folder(out, overwrite)
    started = now()
    bar = make_progress(progress, "discover azure")
    if "retry_policy" not in kwargs:  # the SDK's retries, saying each wait
        retry = {k: kwargs.pop(k) for k in list(kwargs) if k.startswith("retry_")}
        kwargs["retry_policy"] = said_retry_policy(bar.note, **retry)
    client = network.NetworkManagementClient(credential, subscription, **kwargs)
    call_kwargs = {"enforce_https": False} if (base_url or "").startswith("http://") else {}
    run = _Run(client, subscription, resource_group, staging / subscription, bar, call_kwargs)
    try:
        with quiet_identity():
            run.execute(admin_rules)
    except BaseException:
        bar.close()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    bar.close()
    options = {"resource_group": resource_group or "", "base_url": base_url or ""}
    manifest = Manifest(
        cloud="azure", version=__version__, started=started, finished=now(),
        accounts=(subscription,), regions=(), calls=run.log.records(),
        options={k: v for k, v in options.items() if v},
    )
    write_manifest(staging, manifest)
    publish(staging, out)
    return manifest


@dataclass
class _Run:
    client: Any
    subscription: str
    resource_group: str | None
    folder: Path
    bar: Progress
    call_kwargs: dict[str, Any]
    log: CallLog = field(default_factory=CallLog)
    vnets: list[dict[str, Any]] = field(default_factory=list)
    down: str = ""  # why the remaining calls are not attempted (no credential)

    def execute(self, admin_rules: bool) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.bar.add_total(len(LIST_CALLS))
        for name, action, attr in LIST_CALLS:
            ops = getattr(self.client, attr)
            if self.resource_group:
                pages = ops.list(self.resource_group, **self.call_kwargs).by_page()
            else:
                pages = ops.list_all(**self.call_kwargs).by_page()
            items = self._call(action, name, partial(_drain, pages))
            if name == VNETS and items is not None:
                self.vnets = items
        if admin_rules:
            self.bar.add_total(len(self.vnets))
            for v in self.vnets:
                rg, vnet = segment(v.get("id", ""), "resourceGroups"), v.get("name", "")
                rel = f"{ADMIN_RULES_DIR}/{rg}/{vnet}.json"
                self._call(ADMIN_ACTION, rel, partial(self._admin, rg, vnet),
                           target=v.get("id", ""))

    def _admin(self, rg: str, vnet: str) -> tuple[list[dict[str, Any]], int]:
        """POST listNetworkManagerEffectiveSecurityAdminRules, following ``skipToken``."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        requests = 0
        while True:
            body = {"skipToken": token} if token else {}
            result = self.client.list_network_manager_effective_security_admin_rules(
                rg, vnet, body, **self.call_kwargs
            )
            requests += 1
            data = result.as_dict()
            items.extend(data.get("value") or [])
            token = data.get("skipToken")
            if not token:
                return items, requests

    def _call(
        self,
        action: str,
        rel: str,
        fetch: Callable[[], tuple[list[dict[str, Any]], int]],
        target: str = "",
    ) -> list[dict[str, Any]] | None:
        errors = require("azure.core.exceptions")
        if self.down:
            self.log.add(CallRecord(self.subscription, "", action, CallStatus.SKIPPED,
                                    error=self.down, target=target))
            self.bar.advance(f"{rel}: skipped")
            return None
        try:
            items, requests = fetch()
        except (errors.AzureError, OSError) as e:
            text = _error_text(e)
            if isinstance(e, errors.ClientAuthenticationError):
                # every later call would fail the same way, after the same credential chain
                text += NO_CREDENTIAL
                self.down = f"not attempted: no credential ({action} failed)"
            self.log.add(CallRecord(self.subscription, "", action, CallStatus.FAILED,
                                    error=text, target=target))
            self.bar.advance(f"{rel}: failed")
            return None
        path = self.folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"value": items}, indent=1) + "\n", encoding="utf-8")
        self.log.add(CallRecord(self.subscription, "", action, CallStatus.OK, items=len(items),
                                requests=requests, file=f"{self.subscription}/{rel}",
                                target=target))
        self.bar.advance(f"{rel}: {len(items)}")
        return items


def _drain(pages: Iterable[Iterable[Any]]) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    requests = 0
    for page in pages:
        requests += 1
        items.extend(m.as_dict() for m in page)
    return items, requests


def _error_text(e: BaseException) -> str:
    """``HTTP 500 InternalServerError: message`` (after the SDK's retries)."""
    status = getattr(e, "status_code", None)
    error = getattr(e, "error", None)
    code = getattr(error, "code", None) or getattr(e, "reason", None) or type(e).__name__
    message = getattr(error, "message", None) or str(e).splitlines()[0] if str(e) else ""
    head = f"HTTP {status} {code}" if status else str(code)
    return f"{head}: {message}" if message and message != head else head
