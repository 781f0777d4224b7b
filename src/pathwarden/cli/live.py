"""Reading an estate for a command: ``--snapshot DIR`` (repeatable) or ``--live CLOUD`` plus
the scope options of ``pathwarden discover`` (DESIGN.md, "Reading an estate").

``--live aws`` discovers into a temporary folder (or ``--keep-snapshot DIR``), then loads that
folder with the offline loader: live and offline are one code path after discovery. A
discovery that failed for part of the scope still yields an estate, marked partial (its
``manifest.json`` says so); one that found nothing at all is an error naming the failed calls.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from pathwarden.cli.common import echo
from pathwarden.errors import InputError
from pathwarden.model import Estate
from pathwarden.providers.manifest import Manifest, load_discovered, read_manifest

F = TypeVar("F", bound=Callable[..., Any])
Loader = Callable[[Sequence[str], str], Estate]
LIVE_CLOUDS = ("aws",)
_SCOPE = ("regions", "profile", "role_arn", "accounts", "endpoint_url", "keep_snapshot")


@dataclass(frozen=True, slots=True)
class EstateSpec:
    """Where the estate comes from, as the options gave it."""

    snapshots: tuple[str, ...] = ()
    live: str | None = None
    regions: tuple[str, ...] = ()
    profile: str | None = None
    role_arn: str | None = None
    accounts: tuple[str, ...] = ()
    endpoint_url: str | None = None
    keep_snapshot: str | None = None
    ephemeral_ports: str = "1024-65535"
    option: str = "--snapshot"  # the option name of the folders, for messages

    def check(self) -> None:
        """Exactly one of --snapshot / --live; scope options only with --live."""
        if bool(self.snapshots) == bool(self.live):
            raise InputError(f"give either {self.option} DIR or --live CLOUD (one of them)")
        if not self.live:
            given = [name for name in _SCOPE if getattr(self, name)]
            if given:
                flag = "--" + given[0].replace("_", "-")
                raise InputError(f"{flag} needs --live")

    @property
    def label(self) -> str:
        return f"live:{self.live}" if self.live else ", ".join(self.snapshots)


@dataclass(frozen=True, slots=True)
class Loaded:
    """An estate with the snapshot folders it was read from (valid inside the ``with``)."""

    estate: Estate
    folders: tuple[Path, ...]
    label: str
    manifest: Manifest | None = None


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def estate_options(func: F) -> F:
    """Add ``--snapshot``/``--live`` and the scope options; the command gets ``spec``."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        spec = EstateSpec(
            snapshots=tuple(kwargs.pop("snapshots")),
            live=kwargs.pop("live"),
            regions=tuple(_split(kwargs.pop("regions"))),
            profile=kwargs.pop("profile"),
            role_arn=kwargs.pop("role_arn"),
            accounts=tuple(_split(kwargs.pop("accounts"))),
            endpoint_url=kwargs.pop("endpoint_url"),
            keep_snapshot=kwargs.pop("keep_snapshot"),
            ephemeral_ports=kwargs.pop("ephemeral_ports"),
        )
        return func(*args, spec=spec, **kwargs)

    options = [
        click.option("--snapshot", "snapshots", multiple=True, type=click.Path(),
                     help="Snapshot folder (repeatable): what `pathwarden discover` or the "
                          "cloud CLIs write."),
        click.option("--live", type=click.Choice(LIVE_CLOUDS),
                     help="Discover the live estate instead (into a temporary folder)."),
        click.option("--regions", multiple=True, metavar="R1,R2",
                     help="--live: regions (default: every enabled region)."),
        click.option("--profile", help="--live: AWS profile (default: the credential chain)."),
        click.option("--role-arn", metavar="ARN",
                     help="--live: role to assume per account ({account} is replaced)."),
        click.option("--accounts", multiple=True, metavar="ID1,ID2",
                     help="--live: account ids (with --role-arn)."),
        click.option("--endpoint-url", metavar="URL",
                     help="--live: EC2/STS endpoint (default: AWS_ENDPOINT_URL or AWS)."),
        click.option("--keep-snapshot", type=click.Path(file_okay=False), metavar="DIR",
                     help="--live: keep the discovered snapshot in DIR (new or empty)."),
        click.option("--ephemeral-ports", default="1024-65535", show_default=True,
                     help="Client port range AWS NACL return traffic must allow."),
    ]
    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


@contextmanager
def open_estate(spec: EstateSpec, loader: Loader) -> Iterator[Loaded]:
    """Load the estate ``spec`` names with ``loader(folders, ephemeral_ports)``."""
    spec.check()
    if not spec.live:
        estate = loader(spec.snapshots, spec.ephemeral_ports)
        folders = tuple(Path(s) for s in spec.snapshots)
        manifest = read_manifest(folders[0]) if len(folders) == 1 else None
        yield Loaded(estate, folders, spec.label, manifest)
        return
    with tempfile.TemporaryDirectory(prefix="pathwarden-live-") as tmp:
        out = Path(spec.keep_snapshot) if spec.keep_snapshot else Path(tmp) / "snapshot"
        manifest = _discover(spec, out)
        estate = load_discovered(manifest, out,
                                 lambda: loader((str(out),), spec.ephemeral_ports),
                                 kept=bool(spec.keep_snapshot))
        if manifest.partial:
            echo(f"pathwarden: warning: discovery incomplete, the estate is partial: "
                 f"{manifest.failure_line()}", err=True)
        yield Loaded(estate, (out,), spec.label, manifest)


def _discover(spec: EstateSpec, out: Path) -> Manifest:
    from pathwarden.providers.aws.discover import discover_aws

    manifest = discover_aws(
        out,
        regions=list(spec.regions) or None,
        profile=spec.profile,
        role_arn=spec.role_arn,
        accounts=list(spec.accounts) or None,
        endpoint_url=spec.endpoint_url,
        progress=True,  # shown only when stderr is a terminal
    )
    kept = f", kept in {out}" if spec.keep_snapshot else ""
    echo(f"pathwarden: discovered {manifest.summary_line()}{kept}", err=True)
    return manifest
