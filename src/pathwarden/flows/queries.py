"""The aggregation SQL, as named query strings, kept to standard SQL.

Every query here reads the normalised columns of :mod:`pathwarden.flows.record` and uses only
``SELECT``/``WHERE``/``GROUP BY``/``ORDER BY``/``LIMIT``, ``CASE``, ``COALESCE``, ``COUNT``,
``SUM``, ``MIN``, ``MAX`` and ``TIMESTAMP '...'`` literals, so the same text runs on DuckDB
(here), Athena/Trino and BigQuery (docs/flows.md shows the per-engine view that maps each
cloud's own flow-log table onto these columns). Placeholders are filled by :func:`render`:

- ``{flows}``: the normalised flow table or view;
- ``{since}``, ``{until}``: ``TIMESTAMP 'YYYY-MM-DD HH:MM:SS'`` literals (the window);
- ``{limit}``: an integer.

ORIENT: flow logs write each direction of a connection as its own record (AWS logs the reply
``10.0.0.62:5001 -> 52.213.180.42:43416`` next to the request). For TCP, UDP and SCTP the
side with the lower port is taken as the server, so a reply counts for the connection it
answers; other protocols keep the logged direction. ``connections`` is that oriented view.
"""

from __future__ import annotations

from datetime import datetime

_PORTED = "proto IN (6, 17, 132) AND sport IS NOT NULL AND dport IS NOT NULL AND sport < dport"

CONNECTIONS = f"""
SELECT time,
       CASE WHEN {_PORTED} THEN dst ELSE src END AS client,
       CASE WHEN {_PORTED} THEN src ELSE dst END AS server,
       CASE WHEN {_PORTED} THEN sport ELSE dport END AS port,
       proto, action, bytes, packets, reporter, rule, cloud
FROM {{flows}}
WHERE time >= {{since}} AND time < {{until}}
"""

# One row per (client, server, protocol, port, action): the input of segment summaries, rule
# evidence and simulation, which resolve addresses in Python against the estate and policy.
PAIRS = """
SELECT client, server, proto, port, action,
       COUNT(*) AS records,
       SUM(COALESCE(bytes, 0)) AS bytes,
       MIN(time) AS first_seen,
       MAX(time) AS last_seen
FROM ({connections}) c
GROUP BY client, server, proto, port, action
"""

TOTALS = """
SELECT cloud, action, COUNT(*) AS records, SUM(COALESCE(bytes, 0)) AS bytes,
       MIN(time) AS first_seen, MAX(time) AS last_seen
FROM ({connections}) c
GROUP BY cloud, action
ORDER BY cloud, action
"""

TOP_REJECTED = """
SELECT client, server, proto, port, COUNT(*) AS records,
       MIN(time) AS first_seen, MAX(time) AS last_seen
FROM ({connections}) c
WHERE action = 'REJECT'
GROUP BY client, server, proto, port
ORDER BY records DESC, client, server, proto, port
LIMIT {limit}
"""

SPAN = """
SELECT MIN(time) AS first_seen, MAX(time) AS last_seen, COUNT(*) AS records
FROM {flows}
"""

REPORTERS = """
SELECT DISTINCT reporter FROM {flows} WHERE reporter IS NOT NULL
"""

NAMED = {
    "connections": CONNECTIONS,
    "pairs": PAIRS,
    "totals": TOTALS,
    "top_rejected": TOP_REJECTED,
    "span": SPAN,
    "reporters": REPORTERS,
}
MIN_TIME = datetime(1970, 1, 1)
MAX_TIME = datetime(9999, 12, 31)


def timestamp(value: datetime) -> str:
    return f"TIMESTAMP '{value.strftime('%Y-%m-%d %H:%M:%S')}'"


def render(name: str, *, flows: str = "flows", since: datetime | None = None,
           until: datetime | None = None, limit: int = 20) -> str:
    """The query ``name`` with its placeholders filled.

    >>> "GROUP BY cloud, action" in render("totals")
    True
    """
    connections = CONNECTIONS.format(
        flows=flows, since=timestamp(since or MIN_TIME), until=timestamp(until or MAX_TIME)
    )
    return NAMED[name].format(flows=flows, connections=connections, limit=int(limit),
                              since=timestamp(since or MIN_TIME),
                              until=timestamp(until or MAX_TIME))
