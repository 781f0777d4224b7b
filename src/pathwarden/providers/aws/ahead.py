"""Index ``describe-security-group-rules.json`` in a forked child while the parent reads the
instances, network interfaces and subnets.

The two do not depend on each other, and on a large snapshot each is about a second of CPU
(20,000 ENIs and 50,000 rules: parsing and indexing the rule objects 0.8 s, the inventory
files 1.2 s). The child sends back only the index (``sgr-`` ids by rule key) and which groups
it saw. It never decides anything: without ``fork``, for a small file, on any error or a
cut-short file, :meth:`RulesAhead.result` is ``None`` and the loader reads the file itself,
as it always did, with the same notices and errors.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path

from pathwarden.providers.aws.files import SG_RULES
from pathwarden.providers.aws.rules import RuleKey, RuleParser
from pathwarden.providers.jsondoc import gc_paused, open_document

MIN_BYTES = 8 * 2**20  # below this, a fork costs more than it saves

Index = tuple[dict[RuleKey, list[str]], set[str]]


class RulesAhead:
    def __init__(self, path: Path, account: str) -> None:
        self._conn: Connection | None = None
        self._proc: multiprocessing.process.BaseProcess | None = None
        if "fork" not in multiprocessing.get_all_start_methods():
            return
        try:
            if path.stat().st_size < MIN_BYTES:
                return
        except OSError:
            return
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_index, args=(path, account, send), daemon=True)
        self._proc.start()
        send.close()
        self._conn = recv

    def result(self) -> Index | None:
        """The child's index, or ``None``: read the file in this process."""
        if self._conn is None or self._proc is None:
            return None
        got: Index | None
        try:
            got = self._conn.recv()
        except (EOFError, OSError):
            got = None
        finally:
            self._conn.close()
            self._proc.join()
            self._conn = self._proc = None
        return got


def _index(path: Path, account: str, send: Connection) -> None:
    got: Index | None = None
    try:
        with gc_paused():
            root = open_document(path, str(path), SG_RULES.top_key, SG_RULES.command)
            if not root.text("NextToken"):  # cut short: the parent says so itself
                parser = RuleParser(account)
                groups = parser.index_rule_objects(root)
                got = (parser.sgr_ids, set(groups))
    except BaseException:
        got = None
    try:
        send.send(got)
    finally:
        send.close()
