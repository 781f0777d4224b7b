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


def _inputs(ctx: click.Context, option: str) -> list[tuple[str, str]]:
    """``(option, path)`` of every path-typed option and argument of the running command
    (and its groups) except ``option``, that names something that exists."""
    out = []
    while ctx is not None:
        for param in ctx.command.params:
            if not isinstance(param.type, click.Path) or option in param.opts:
                continue
            value = ctx.params.get(param.name or "")
            for item in value if isinstance(value, tuple | list) else (value,):
                if isinstance(item, str | Path) and str(item) and Path(item).exists():
                    label = (param.human_readable_name if isinstance(param, click.Argument)
                             else param.opts[0])
                    out.append((label, str(item)))
        ctx = ctx.parent  # type: ignore[assignment]
    return out


def guard_output(path: str, option: str = "--out") -> None:
    """Refuse (exit 1) an output ``path`` that is one of the command's inputs (the same
    file, or a file inside an input folder): ``check --out policy.yml`` must not overwrite
    the policy with the report."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    target = Path(path).resolve()
    for name, item in _inputs(ctx, option):
        source = Path(item).resolve()
        same = target == source or (target.exists() and target.samefile(source))
        if same or (source.is_dir() and target.is_relative_to(source)):
            what = "is" if same else "is inside"
            raise InputError(f"{option} {path} {what} the input {name} {item}: refusing to "
                             "overwrite an input; write the output elsewhere")


def write_text(path: str, text: str, option: str = "--out") -> None:
    """Write an output file (redacted and made terminal-safe like :func:`echo`); a failure is
    a one-line error naming the option and path, and an output that is one of the command's
    inputs is refused (:func:`guard_output`)."""
    guard_output(path, option)
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
