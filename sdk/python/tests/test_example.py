# SPDX-License-Identifier: Apache-2.0
"""examples/python/chat_app.py, started as a process and driven over HTTP against the server."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading
import unittest
import urllib.error
import urllib.request
from decimal import Decimal

import support
import tollgate

APP = support.REPO / "examples" / "python" / "chat_app.py"


def load_app_module():
    spec = importlib.util.spec_from_file_location("chat_app", APP)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # defines only; main() runs under __main__
    return mod


class ChatApp(support.ServerTest):
    def setUp(self):
        super().setUp()
        self.app = load_app_module()
        env = {**os.environ, "PORT": "0", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, str(APP)], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.addCleanup(self._stop)
        # Wait for the line it prints once listening, with a deadline.
        killer = threading.Timer(30, self.proc.kill)
        killer.start()
        line = self.proc.stdout.readline()
        killer.cancel()
        self.assertIn("listening on http://", line, f"the app did not start: {line!r} {self._stderr()}")
        self.base = line.rsplit(" ", 1)[1].strip()

    def _stderr(self):
        if self.proc.poll() is None:
            return ""
        return self.proc.stderr.read()

    def _stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def call(self, method, path, body=None, headers=None):
        req = urllib.request.Request(self.base + path, method=method, headers=headers or {},
                                     data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def rate(self, key):
        return Decimal(self.app.MODEL_RATES[self.app.MODEL].get(key, "0")) / support.MILLION

    def test_chat_is_billed_per_token_once_per_request(self):
        user = support.unique("ada")
        status, body = self.call("POST", "/signup", {"user": user})
        self.assertEqual((status, Decimal(body["available"])), (201, Decimal(self.app.WELCOME_CREDIT)))

        status, first = self.call("POST", "/chat", {"user": user, "message": "What does this cost me?"},
                                  {"Request-Id": "r-" + user})
        self.assertEqual(status, 200, first)
        self.assertEqual(first["reply"], "You said: What does this cost me?")
        u = first["usage"]
        self.assertEqual((u["input_tokens"], u["output_tokens"]), (5 + 8, 7))
        want = u["input_tokens"] * self.rate("input") + u["output_tokens"] * self.rate("output")
        self.assertEqual(Decimal(first["charged"]), want)

        # The client retries the same request: answered again, charged once.
        status, again = self.call("POST", "/chat", {"user": user, "message": "What does this cost me?"},
                                  {"Request-Id": "r-" + user})
        self.assertEqual(status, 200)
        wallet = self.tg.get_wallet(user).balance("USD")
        self.assertEqual(wallet.total, Decimal(self.app.WELCOME_CREDIT) - want)
        self.assertEqual(wallet.held, 0)
        self.assertEqual(Decimal(self.call("GET", f"/balance?user={user}")[1]["available"]), wallet.available)

    def test_a_user_who_cannot_pay_gets_402_with_the_shortfall(self):
        user = support.unique("bob")
        self.call("POST", "/signup", {"user": user})
        # Spend almost all of the welcome credit elsewhere.
        self.tg.create_adjustment("charge", user, "USD", "0.0095", reason="other usage")
        status, body = self.call("POST", "/chat", {"user": user, "message": "hi"})
        self.assertEqual(status, 402, body)
        self.assertEqual(body["error"], "insufficient_funds")
        required = 4000 * self.rate("input") + 1000 * self.rate("output")
        self.assertEqual(Decimal(body["required"]), required)
        self.assertEqual(Decimal(body["shortfall"]), required - Decimal("0.0005"))
        self.assertEqual(self.tg.get_wallet(user).balance("USD").total, Decimal("0.0005"))

    def test_an_unknown_user_is_404(self):
        status, body = self.call("POST", "/chat", {"user": support.unique("nobody"), "message": "hi"})
        self.assertEqual(status, 404, body)


if __name__ == "__main__":
    unittest.main()
