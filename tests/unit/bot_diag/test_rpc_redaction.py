"""RPC URLs carry API keys: only scheme://host[:port] is ever shown."""

from __future__ import annotations

import pytest

from trustdesk.chains.rpc import EthRpc, redact_url
from trustdesk.core.errors import InvalidInput


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://eth-mainnet.g.alchemy.com/v2/AbCdEf123", "https://eth-mainnet.g.alchemy.com"),
        ("https://mainnet.infura.io/v3/0123456789abcdef", "https://mainnet.infura.io"),
        ("https://user:s3cret@node.example:8545/rpc?apikey=k", "https://node.example:8545"),
        ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
        ("http://[::1]:8545/key/abc", "http://[::1]:8545"),
        ("https://rpc.example/#frag-key", "https://rpc.example"),
        ("not a url", "<unparseable URL>"),
        ("http://host:99999/x", "<unparseable URL>"),  # port out of range
        ("", "<unparseable URL>"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_the_client_names_its_host_only() -> None:
    rpc = EthRpc("https://user:pw@eth.example/v2/SECRETKEY?x=SECRET2")
    try:
        assert rpc.host == "https://eth.example"
        assert "SECRET" not in repr(rpc)
        assert "pw" not in repr(rpc)
    finally:
        rpc.close()


@pytest.mark.parametrize(
    "url", ["ftp://eth.example/SECRETKEY", "eth.example/SECRETKEY", "https:///SECRETKEY"]
)
def test_a_url_that_is_not_http_is_refused_without_echoing_it(url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        EthRpc(url)
    assert caught.value.field == "rpc"
    assert "SECRETKEY" not in caught.value.message
    assert caught.value.message.startswith("the RPC URL must be http(s)://host…, not ")
