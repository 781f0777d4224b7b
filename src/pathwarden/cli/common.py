"""Options and helpers shared by the commands."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from pathwarden.errors import InputError
from pathwarden.model import Estate
from pathwarden.textsafe import terminal_safe

F = TypeVar("F", bound=Callable[..., Any])


def parse_port_range(text: str) -> tuple[int, int]:
    try:
        lo_s, _, hi_s = text.partition("-")
        lo, hi = int(lo_s), int(hi_s or lo_s)
    except ValueError:
        msg = f"--ephemeral-ports: expected LOW-HIGH like 1024-65535, got {text!r}"
        raise InputError(msg) from None
    if not 0 <= lo <= hi <= 65535:
        raise InputError(f"--ephemeral-ports: {text!r} is not a range within 0-65535")
    return lo, hi


def snapshot_options(func: F) -> F:
    """``--snapshot DIR`` (repeatable) and ``--ephemeral-ports``."""
    func = click.option(
        "--ephemeral-ports",
        default="1024-65535",
        show_default=True,
        help="Client port range AWS NACL return traffic must allow (e.g. 32768-60999).",
    )(func)
    func = click.option(
        "--snapshot",
        "snapshots",
        multiple=True,
        required=True,
        type=click.Path(),
        help="Snapshot folder (repeatable): what `pathwarden discover` or the cloud CLIs write.",
    )(func)
    return func


def load_snapshots(snapshots: Sequence[str], ephemeral_ports: str) -> Estate:
    from pathwarden.providers.load import load_estate

    return load_estate(list(snapshots), ephemeral_ports=parse_port_range(ephemeral_ports))


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print one message or report. Everything pathwarden prints goes through here:
    credentials in URLs are redacted and control characters made visible (textsafe)."""
    click.echo(terminal_safe(text), err=err, nl=nl)


def write_text(path: str, text: str, option: str = "--out") -> None:
    """Write an output file (redacted and made terminal-safe like :func:`echo`); a failure is
    a one-line error naming the option and path."""
    try:
        Path(path).write_text(terminal_safe(text), encoding="utf-8")
    except OSError as e:
        raise InputError(f"{option} {path}: cannot write: {e.strerror or e}") from e


def emit(text: str, out: str | None) -> None:
    """A report to ``--out FILE`` or, without it, to stdout."""
    if out:
        write_text(out, text)
    else:
        echo(text, nl=False)
