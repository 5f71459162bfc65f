# SPDX-License-Identifier: Apache-2.0
"""What the tests share: the package on sys.path, the server under test, and small factories.

The integration tests run against a real ``tollgate serve`` named by
TOLLGATE_URL and TOLLGATE_API_KEY (cmd/tollgate/sdk_python_test.go starts one
and sets them); without them they are skipped.
"""

from __future__ import annotations

import os
import pathlib
import sys
import unittest
import uuid
from decimal import Decimal

HERE = pathlib.Path(__file__).resolve().parent
SDK = HERE.parent
REPO = SDK.parent.parent
sys.path.insert(0, str(SDK / "src"))

import tollgate  # noqa: E402

# Prices per million tokens the stories use; the expected debits below are
# computed from them by hand, independently of the server.
RATES = {
    "gpt-4o-mini": {"input": "0.15", "cached_input": "0.075", "output": "0.60"},
    "claude-sonnet-4": {"input": "3", "cached_input": "0.30", "cache_write": "3.75", "output": "15"},
    "*": {"input": "5", "output": "20"},
}
MILLION = Decimal(1_000_000)


def expected_cost(model: str, input_tokens=0, output_tokens=0, cached_input_tokens=0, cache_write_tokens=0) -> Decimal:
    r = RATES.get(model, RATES["*"])
    d = lambda k: Decimal(r.get(k, "0"))  # noqa: E731
    return (input_tokens * d("input") + output_tokens * d("output") + cached_input_tokens * d("cached_input")
            + cache_write_tokens * d("cache_write")) / MILLION


def server() -> tuple[str, str]:
    url, key = os.environ.get("TOLLGATE_URL"), os.environ.get("TOLLGATE_API_KEY")
    if not url or not key:
        raise unittest.SkipTest("TOLLGATE_URL and TOLLGATE_API_KEY are not set (go test ./cmd/tollgate -run PythonSDK sets them)")
    return url, key


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class ServerTest(unittest.TestCase):
    """A test against the real server, with a token-priced product and a funded customer of its own."""

    def setUp(self) -> None:
        url, key = server()
        self.tg = tollgate.Tollgate(key, url)
        self.addCleanup(self.tg.close)
        # Its own event type, so no other test's product prices its events.
        self.event_type = unique("chat") + ".completed"
        self.product = self.tg.create_product(unique("chat"), self.event_type, tollgate.token_prices(RATES))
        self.customer = self.tg.create_customer(unique("user"))
        self.tg.gift(self.customer.external_id, "USD", "5.00", reason="test credit")

    def available(self, customer: str | None = None) -> Decimal:
        return self.tg.get_wallet(customer or self.customer.external_id).balance("USD").available

    def total(self, customer: str | None = None) -> Decimal:
        return self.tg.get_wallet(customer or self.customer.external_id).balance("USD").total
