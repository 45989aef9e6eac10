"""The client address used by rate limits: the proxy's X-Forwarded-For is believed only from the proxy."""

import pytest
from django.test import RequestFactory

from nq57.core.clients import client_address


@pytest.mark.parametrize("remote, forwarded, expected", [
    ("203.0.113.7", "", "203.0.113.7"),  # no proxy
    ("203.0.113.7", "198.51.100.1", "203.0.113.7"),  # a client cannot claim another address
    ("127.0.0.1", "198.51.100.1", "198.51.100.1"),  # through nginx on the same host
    ("127.0.0.1", "10.0.0.9, 198.51.100.1", "198.51.100.1"),  # the left part may be forged: the right-most counts
    ("127.0.0.1", "198.51.100.1, 127.0.0.1", "198.51.100.1"),  # skip trusted hops
    ("127.0.0.1", "not-an-address", "127.0.0.1"),  # malformed header
    ("127.0.0.1", "", "127.0.0.1"),
])
def test_it_takes_the_client_from_the_trusted_proxy_only(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(RequestFactory().get("/", **meta)) == expected
