"""The policy's port syntax."""

from __future__ import annotations

import pytest

from pathwarden.model import ALL_SERVICES, ServiceSet
from pathwarden.model.services import ICMP, ICMPV6, SCTP, TCP, UDP
from pathwarden.policy import parse_port, parse_ports


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tcp/443", ServiceSet.tcp(443)),
        ("TCP/443", ServiceSet.tcp(443)),
        ("tcp/8000-8100", ServiceSet.tcp(8000, 8100)),
        ("udp/53", ServiceSet.udp(53)),
        ("sctp/2905", ServiceSet.ports(SCTP, 2905, 2905)),
        ("tcp", ServiceSet.protocol(TCP)),
        ("udp/0-65535", ServiceSet.protocol(UDP)),
        ("icmp", ServiceSet.protocol(ICMP)),
        ("icmp/8", ServiceSet.icmp(ICMP, 8)),
        ("icmp/3/4", ServiceSet.icmp(ICMP, 3, 4)),
        ("icmpv6/128", ServiceSet.icmp(ICMPV6, 128)),
        ("47", ServiceSet.protocol(47)),
        ("all", ALL_SERVICES),
    ],
)
def test_port_items(text: str, expected: ServiceSet) -> None:
    assert parse_port(text) == expected


def test_a_list_is_a_union_and_absent_means_all() -> None:
    assert parse_ports(["tcp/22", "tcp/443", "udp/53"]) == (
        ServiceSet.tcp(22) | ServiceSet.tcp(443) | ServiceSet.udp(53)
    )
    assert parse_ports(None) == ALL_SERVICES


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("tcp/65536", "out of range"),
        ("tcp/443-80", "backwards"),
        ("icmp/256", "ICMP type 256 is out of range"),
        ("256", "protocol 256 is out of range"),
        ("http", "expected tcp/PORT"),
        ("tcp/", "expected tcp/PORT"),
        ("tcp/1-2-3", "expected tcp/PORT"),
        ("icmp/8-9", "expected tcp/PORT"),
        ("", "expected tcp/PORT"),
    ],
)
def test_bad_port_items_say_what_was_expected(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_port(text)
