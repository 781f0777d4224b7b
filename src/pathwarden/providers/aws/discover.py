"""Live AWS discovery: write the snapshot folder the offline loader reads, plus ``manifest.json``.

For every account (the caller's, or one assumed role per ``--accounts`` entry) and region
(``--regions``, default every enabled region from ``DescribeRegions``), the calls of
:data:`.calls.REGION_CALLS` run with a paginator wherever the client has one, at the API's
largest page size; the pages are merged into the one document ``aws ec2 describe-...
--output json`` prints (``{"SecurityGroups": [...]}``) and written as
``<out>/<account-id>/<region>/describe-....json`` (prefix list entries as
``get-managed-prefix-list-entries/<pl-id>.json``, transit gateway routes as
``search-transit-gateway-routes/<tgw-rtb-id>.json``, see :mod:`.discover_routes`). Live
and offline are one code path after this I/O: :func:`pathwarden.providers.load.load_estate`
reads the result.

Accounts and regions run in parallel on one bounded thread pool. Retries are botocore's
adaptive mode; a call that still fails is recorded in the manifest, the rest of its region is
skipped when the error means the region or account is unreachable, and every other scope
carries on. The snapshot is assembled in a hidden sibling folder and moved into place at the
end, so a reader never sees half a snapshot.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pathwarden import __version__
from pathwarden.errors import InputError
from pathwarden.providers.aws import calls
from pathwarden.providers.aws.calls import ApiCall
from pathwarden.providers.aws.discover_routes import IncompleteSearch, search_routes
from pathwarden.providers.aws.retries import RetryNotices
from pathwarden.providers.aws.session import (
    AccountSession,
    SessionFactory,
    assume_role,
    base_session,
    caller_account,
    check_scope,
    client_config,
    default_session_factory,
    error_text,
    role_account,
    role_arn_for,
    scope_is_down,
    sdk_errors,
)
from pathwarden.providers.load import AWS_REGION
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

DEFAULT_MAX_ATTEMPTS = 10
DEFAULT_MAX_WORKERS = 8


def discover_aws(
    out_dir: str | Path,
    *,
    regions: Sequence[str] | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    accounts: Sequence[str] | None = None,
    session_factory: SessionFactory | None = None,
    max_workers: int = DEFAULT_MAX_WORKERS,
    progress: bool = True,
    endpoint_url: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    overwrite: bool = False,
) -> Manifest:
    """Discover the scope into ``out_dir`` and return the manifest written there.

    A failed call does not raise: it makes ``manifest.partial`` true (the CLI turns that into
    exit 1). Bad options raise :class:`~pathwarden.errors.InputError` before any call.
    """
    region_list = _check_regions(regions or ())
    account_list = tuple(dict.fromkeys(accounts or ()))
    check_scope(role_arn, account_list)
    if max_workers < 1 or max_attempts < 1:
        raise InputError("max_workers and max_attempts must be at least 1")
    out = Path(out_dir)
    factory = session_factory or default_session_factory()
    config = client_config(max_attempts)
    staging = staging_folder(out, overwrite)
    started = now()
    bar = make_progress(progress, "discover aws")
    run = _Run(staging, factory, region_list, CallLog(), bar)
    try:
        with RetryNotices(bar.note, max_attempts) as notices:
            base = AccountSession("", base_session(factory, profile), config, endpoint_url,
                                  notices)
            targets = (account_list or (role_account(role_arn),)) if role_arn else ("",)
            run.execute(base, targets, role_arn, max_workers)
    except BaseException:
        bar.close()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    bar.close()
    records = run.log.records()
    options = {"profile": profile or "", "role_arn": role_arn or "",
               "endpoint_url": endpoint_url or "", "max_attempts": str(max_attempts)}
    manifest = Manifest(
        cloud="aws", version=__version__, started=started, finished=now(),
        accounts=tuple(sorted({r.account for r in records if r.account} | set(account_list))),
        regions=tuple(sorted(run.regions_seen)), calls=records,
        options={k: v for k, v in options.items() if v},
    )
    write_manifest(staging, manifest)
    publish(staging, out)
    return manifest


@dataclass
class _Run:
    staging: Path
    factory: SessionFactory
    regions: tuple[str, ...]
    log: CallLog
    bar: Progress

    def __post_init__(self) -> None:
        self.regions_seen: set[str] = set()

    def execute(self, base: AccountSession, targets: Iterable[str], role_arn: str | None,
                max_workers: int) -> None:
        with ThreadPoolExecutor(max_workers=max_workers) as pool:
            prepared = [pool.submit(self.prepare, base, t, role_arn) for t in targets]
            regional: list[Future[None]] = []
            for f in as_completed(prepared):
                found = f.result()
                if found is None:
                    continue
                account, regions = found
                self.bar.add_total(len(regions) * len(calls.REGION_CALLS))
                for region in regions:
                    self.regions_seen.add(region)
                    regional.append(pool.submit(self.region, account, region))
            for g in regional:
                g.result()

    # -- one account ---------------------------------------------------------------------------
    def prepare(self, base: AccountSession, target: str, role_arn: str | None
                ) -> tuple[AccountSession, tuple[str, ...]] | None:
        """The account's session and regions, or ``None`` when the account failed."""
        errors = sdk_errors()
        if role_arn:
            arn = role_arn_for(role_arn, target)
            try:
                session = assume_role(base, self.factory, arn)
            except errors as e:
                self._failed(target, "", calls.ASSUME_ROLE, f"{arn}: {error_text(e)}")
                return None
            self._ok(target, "", calls.ASSUME_ROLE, requests=1, target=arn)
            account = AccountSession(target, session, base.config, base.endpoint_url,
                                     base.notices)
        else:
            try:
                target = caller_account(base)
            except errors as e:
                self._failed("", "", calls.GET_CALLER_IDENTITY, error_text(e))
                return None
            self._ok(target, "", calls.GET_CALLER_IDENTITY, requests=1)
            account = replace(base, account=target)
        if self.regions:
            return account, self.regions
        home = account.home_region()
        try:
            response = account.client("ec2", home).describe_regions()
        except errors as e:
            self._failed(target, "", calls.DESCRIBE_REGIONS, f"{home}: {error_text(e)}")
            return None
        names = sorted(r["RegionName"] for r in response.get("Regions") or [])
        self._ok(target, "", calls.DESCRIBE_REGIONS, items=len(names), requests=1)
        return account, tuple(names)

    # -- one account and region ----------------------------------------------------------------
    def region(self, account: AccountSession, region: str) -> None:
        errors = sdk_errors()
        folder = self.staging / account.account / region
        folder.mkdir(parents=True, exist_ok=True)
        down = ""
        client: Any = None
        listed: dict[ApiCall, dict[str, list[Any]]] = {}
        try:
            client = account.client("ec2", region)
        except errors as e:
            down = f"no EC2 client for {region}: {error_text(e)}"
        for call in calls.REGION_CALLS:
            label = f"{account.account}/{region} {call.operation}"
            if down:
                self._skipped(account.account, region, call, down)
                self.bar.advance(label)
                continue
            try:
                doc, pages = fetch(client, call)
            except errors as e:
                self._failed(account.account, region, call, error_text(e))
                if scope_is_down(e):
                    down = f"not attempted after {call.operation} failed"
                self.bar.advance(label)
                continue
            file = self._write(folder / call.file, doc)
            self._ok(account.account, region, call, len(doc[call.top_key]), pages, file)
            listed[call] = doc
            if call in calls.PER_ITEM:
                down = self._per_item(client, account.account, region, folder, listed, call)
            self.bar.advance(label)

    def _per_item(self, client: Any, account: str, region: str, folder: Path,
                  listed: dict[ApiCall, dict[str, list[Any]]], listing: ApiCall) -> str:
        """The follow-up call of ``listing`` once per item it listed (prefix list entries,
        transit gateway routes); returns why the rest of the region is skipped, if it is."""
        call, id_key = calls.PER_ITEM[listing]
        errors: tuple[type[Exception], ...] = (*sdk_errors(), IncompleteSearch)
        down = ""
        for item in listed[listing][listing.top_key]:
            item_id = str(item.get(id_key, ""))
            if down:
                self._skipped(account, region, call, down, item_id)
                continue
            try:
                if call is calls.TGW_ROUTES:
                    lists = listed.get(calls.PREFIX_LISTS, {}).get(calls.PREFIX_LISTS.top_key, [])
                    doc, pages = search_routes(client, item_id,
                                               [str(p.get("PrefixListId")) for p in lists])
                else:
                    doc, pages = fetch(client, call, **{id_key: item_id})
            except errors as e:
                self._failed(account, region, call, error_text(e), item_id)
                if not isinstance(e, IncompleteSearch) and scope_is_down(e):
                    down = f"not attempted after {call.operation} {item_id} failed"
                continue
            file = self._write(folder / call.file / f"{item_id}.json", doc)
            self._ok(account, region, call, len(doc[call.top_key]), pages, file, item_id)
        return down

    # -- records and files ---------------------------------------------------------------------
    def _write(self, path: Path, doc: dict[str, Any]) -> str:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=2, default=_jsonable) + "\n", encoding="utf-8")
        return path.relative_to(self.staging).as_posix()

    def _ok(self, account: str, region: str, call: ApiCall, items: int = 0, requests: int = 0,
            file: str = "", target: str = "") -> None:
        self.log.add(CallRecord(account, region, call.action, CallStatus.OK, items, requests,
                                file, "", target))

    def _failed(self, account: str, region: str, call: ApiCall, error: str,
                target: str = "") -> None:
        self.log.add(CallRecord(account, region, call.action, CallStatus.FAILED, error=error,
                                target=target))

    def _skipped(self, account: str, region: str, call: ApiCall, why: str,
                 target: str = "") -> None:
        self.log.add(CallRecord(account, region, call.action, CallStatus.SKIPPED, error=why,
                                target=target))


def fetch(client: Any, call: ApiCall, **params: Any) -> tuple[dict[str, list[Any]], int]:
    """Every page of ``call`` merged into ``{top_key: [...]}``, and the number of requests."""
    items: list[Any] = []
    if client.can_paginate(call.method):
        config = {"PageSize": call.page_size} if call.page_size else {}
        pages = 0
        for page in client.get_paginator(call.method).paginate(**params,
                                                                PaginationConfig=config):
            pages += 1
            items.extend(page.get(call.top_key) or [])
        return {call.top_key: items}, pages
    page = getattr(client, call.method)(**params)
    items.extend(page.get(call.top_key) or [])
    return {call.top_key: items}, 1


def _jsonable(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _check_regions(regions: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for item in regions:
        for name in (p.strip() for p in item.split(",")):
            if not name:
                continue
            if not AWS_REGION.fullmatch(name):
                raise InputError(f"--regions: {name!r} is not an AWS region name like eu-west-1")
            if name not in out:
                out.append(name)
    return tuple(out)
