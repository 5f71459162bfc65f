# SPDX-License-Identifier: Apache-2.0
"""The README's quick start and docs/INTEGRATE.md's Python examples, run as written against the server."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import os
import re
import time
import unittest
from decimal import Decimal
from unittest import mock

import fakes
import support
import tollgate
from support import expected_cost

fakes.install_sdk_standins()


def words(text: str) -> int:
    return len(text.split())


def run_blocks(blocks, env):
    """exec the blocks in order in one namespace, as one program; returns the namespace and what it printed."""
    ns = {"__name__": "__doc_example__"}
    out = io.StringIO()
    with mock.patch.dict(os.environ, env), contextlib.redirect_stdout(out):
        for b in blocks:
            exec(compile(b, "<doc block>", "exec"), ns)
    return ns, out.getvalue()


class RouteList(unittest.TestCase):
    """The README's list of named methods is the clients' own list, both ways."""

    def test_readme_lists_every_method(self):
        readme = (support.SDK / "README.md").read_text()
        section = re.search(r"^## Routes\n(.*?)(?=^## |\Z)", readme, re.S | re.M).group(1)
        listed = set(re.findall(r"`([a-z_]+)`", section.split("Every other route")[0]))
        methods = {n for n in dir(tollgate.Tollgate) if not n.startswith("_") and callable(getattr(tollgate.Tollgate, n))}
        methods -= {"meter", "close", "request"}
        self.assertEqual(listed, methods)
        for n in methods:
            self.assertTrue(asyncio.iscoroutinefunction(getattr(tollgate.AsyncTollgate, n)), n)


class Docs(unittest.TestCase):
    def setUp(self):
        self.url, self.key = support.server()
        self.env = {"TOLLGATE_URL": self.url, "TOLLGATE_API_KEY": self.key}
        self.tg = tollgate.Tollgate(self.key, self.url)
        self.addCleanup(self.tg.close)

    def test_readme_quick_start(self):
        readme = (support.SDK / "README.md").read_text()
        m = re.search(r"<!-- quickstart:start -->\n```python\n(.*?)```\n<!-- quickstart:end -->", readme, re.S)
        self.assertIsNotNone(m, "sdk/python/README.md has no quickstart block")
        code = m.group(1)
        lines = [ln for ln in code.splitlines() if ln.strip()]
        self.assertLessEqual(len(lines), 10, "the quick start is meant to be ten lines")
        try:
            before = self.tg.get_wallet("user_123").balance("USD").total
        except tollgate.NotFound:
            before = Decimal("5.00")  # what the block's gift will give a new customer
        ns, printed = run_blocks([code], self.env)
        # The stand-in answers "echo: Hi" (2 words) to a 20-token prompt.
        want = expected_cost("gpt-4o-mini", input_tokens=20, output_tokens=2)
        self.assertEqual(ns["m"].event.total("USD"), want)
        self.assertEqual(self.tg.get_wallet("user_123").balance("USD").total, before - want)
        self.assertIn("echo: Hi", printed)

    def test_integrate_python_section(self):
        doc = (support.REPO / "docs" / "INTEGRATE.md").read_text()
        m = re.search(r"^## Python\n(.*?)(?=^## |\Z)", doc, re.S | re.M)
        self.assertIsNotNone(m, "docs/INTEGRATE.md has no ## Python section")
        blocks = re.findall(r"```python\n(.*?)```", m.group(1), re.S)
        self.assertGreaterEqual(len(blocks), 5)
        raw_secret = b"integrate-doc-test-secret-32byte"
        secret = "whsec_" + base64.b64encode(raw_secret).decode()
        ns, printed = run_blocks(blocks, {**self.env, "TOLLGATE_WEBHOOK_SECRET": secret})

        # The three metered requests, charged exactly, whatever ran before (a replay charges nothing).
        cost = {
            "req-0001": expected_cost("gpt-4o-mini", input_tokens=20, output_tokens=words("echo: What is Tollgate?")),
            "req-0002": expected_cost("claude-sonnet-4", input_tokens=20, output_tokens=words("echo: Stream me a haiku")),
            "req-0003": expected_cost("gpt-4o-mini", input_tokens=20, output_tokens=words("echo: And asynchronously?")),
        }
        for rid, want in cost.items():
            with self.subTest(event=rid):
                ev = self.tg.get_event(rid)
                self.assertEqual(ev.total("USD"), want)
                self.assertEqual(self.tg.get_authorization(ev.authorization_id).status, "captured")
        self.assertEqual(self.tg.get_wallet("acme_user_1").balance("USD").total, Decimal("10.00") - sum(cost.values()))
        self.assertIn("(200, {'reply': 'echo: What is Tollgate?'", printed)
        self.assertIn("echo: Stream me a haiku", printed)

        # chat() answers 402 with the shortfall for a customer who cannot pay, before the model runs.
        poor = self.tg.create_customer(support.unique("poor")).external_id
        calls = len(fakes.OpenAI.calls)
        status, body = ns["chat"](poor, support.unique("req"), "hello")
        self.assertEqual((status, body["error"]), (402, "insufficient_funds"))
        self.assertEqual(Decimal(body["shortfall"]), expected_cost("gpt-4o-mini", input_tokens=4000, output_tokens=1000))
        self.assertEqual(len(fakes.OpenAI.calls), calls, "the model was called for a declined customer")

        # on_webhook accepts a signed delivery and refuses a tampered one.
        body = json.dumps({"id": "evt_x", "type": "balance.threshold_crossed", "created_at": "2026-01-01T00:00:00Z",
                           "livemode": False, "data": {"customer_id": "cus_1", "available": "1.00"}}).encode()
        headers = {"webhook-id": "evt_x", "webhook-timestamp": str(int(time.time()))}
        headers["webhook-signature"] = tollgate.Webhook(secret).sign("evt_x", headers["webhook-timestamp"], body)
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(ns["on_webhook"](body, headers), 204)
        self.assertEqual(ns["on_webhook"](body.replace(b"1.00", b"9.00"), headers), 400)


if __name__ == "__main__":
    unittest.main()
