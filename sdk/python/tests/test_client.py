# SPDX-License-Identifier: Apache-2.0
"""The client: typed errors and idempotent writes against the server; retries against a scripted stub and the server's rate limit."""

from __future__ import annotations

import http.server
import json
import os
import threading
import time
import unittest
from decimal import Decimal

import support
import tollgate
from tollgate import Conflict, Invalid, NotFound, OutcomeUnknown, RateLimited, Unavailable


class Stub:
    """An HTTP server answering a script of (status, headers, body), recording each request."""

    def __init__(self, script):
        self.script = list(script)
        self.requests = []
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self):
                n = int(self.headers.get("Content-Length", 0) or 0)
                body = self.rfile.read(n) if n else b""
                stub.requests.append((self.command, self.path, dict(self.headers), body))
                step = stub.script.pop(0) if stub.script else (500, {}, {})
                if step is None:  # hang up without an answer
                    self.close_connection = True
                    return
                status, headers, payload = step
                data = json.dumps(payload).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def err(code, message="m", param=None):
    e = {"type": "api_error", "code": code, "message": message}
    if param:
        e["param"] = param
    return {"error": e}


CUSTOMER = {"id": "cus_1", "external_id": "u", "name": "", "email": "", "metadata": {},
            "default_wallet_id": "wal_1", "created_at": "2026-01-01T00:00:00.123456789Z", "livemode": False,
            "a_field_from_a_newer_server": 1}


class Retries(unittest.TestCase):
    def client(self, script, **kw):
        stub = Stub(script)
        self.addCleanup(stub.close)
        self.slept = []
        tg = tollgate.Tollgate("tg_test_secretkey", stub.url, sleep=self.slept.append, **kw)
        self.addCleanup(tg.close)
        return stub, tg

    def test_503_then_success_reuses_the_idempotency_key_and_honours_retry_after(self):
        stub, tg = self.client([(503, {"Retry-After": "2"}, err("unavailable")),
                                (429, {"Retry-After": "1"}, err("rate_limited")),
                                (201, {}, CUSTOMER)])
        c = tg.create_customer("u")
        self.assertEqual(c.id, "cus_1")
        self.assertEqual(c.created_at.microsecond, 123456)
        self.assertEqual(c.raw["a_field_from_a_newer_server"], 1)
        keys = [r[2]["Idempotency-Key"] for r in stub.requests]
        self.assertEqual(len(keys), 3)
        self.assertEqual(len(set(keys)), 1, f"retries sent keys {keys}, want one key reused")
        self.assertEqual(self.slept, [2.0, 1.0])

    def test_outcome_unknown_is_retried_with_the_same_body(self):
        stub, tg = self.client([(503, {"Retry-After": "0"}, err("outcome_unknown")), (201, {}, CUSTOMER)])
        tg.create_customer("u", idempotency_key="mine-1")
        self.assertEqual([r[2]["Idempotency-Key"] for r in stub.requests], ["mine-1", "mine-1"])
        self.assertEqual(stub.requests[0][3], stub.requests[1][3])

    def test_in_progress_conflict_is_retried(self):
        stub, tg = self.client([(409, {"Retry-After": "1"}, err("idempotency_key_in_progress")), (201, {}, CUSTOMER)])
        tg.create_customer("u")
        self.assertEqual(len(stub.requests), 2)

    def test_retries_are_bounded(self):
        stub, tg = self.client([(503, {}, err("outcome_unknown"))] * 5, max_retries=2)
        with self.assertRaises(OutcomeUnknown) as cm:
            tg.create_customer("u")
        self.assertEqual(len(stub.requests), 3)
        self.assertEqual(len(self.slept), 2)
        self.assertTrue(all(0 < s <= 8 for s in self.slept), self.slept)
        self.assertIsInstance(cm.exception, Unavailable)
        self.assertEqual(cm.exception.status, 503)

    def test_a_retry_after_beyond_the_limit_is_not_waited_for(self):
        stub, tg = self.client([(429, {"Retry-After": "3600"}, err("rate_limited"))], max_retry_after=30)
        with self.assertRaises(RateLimited) as cm:
            tg.get_customer("u")
        self.assertEqual(cm.exception.retry_after, 3600)
        self.assertEqual(self.slept, [])

    def test_other_errors_are_not_retried(self):
        stub, tg = self.client([(422, {}, err("invalid", "amount is required", "amount")),
                                (500, {}, err("internal"))])
        with self.assertRaises(Invalid) as cm:
            tg.gift("u", "USD", "1")
        self.assertEqual((cm.exception.status, cm.exception.code, cm.exception.field), (422, "invalid", "amount"))
        with self.assertRaises(tollgate.APIError):
            tg.get_customer("u")
        self.assertEqual(len(stub.requests), 2)
        self.assertEqual(self.slept, [])

    def test_a_lost_answer_is_retried_with_the_same_key(self):
        stub, tg = self.client([None, (201, {}, CUSTOMER)])
        tg.create_customer("u")
        keys = [r[2]["Idempotency-Key"] for r in stub.requests]
        self.assertEqual(len(keys), 2)
        self.assertEqual(keys[0], keys[1])

    def test_no_answer_to_a_write_is_outcome_unknown(self):
        stub, tg = self.client([None, None, None, None], max_retries=1)
        with self.assertRaises(OutcomeUnknown) as cm:
            tg.create_customer("u")
        self.assertEqual(cm.exception.code, "connection_error")
        self.assertEqual(len(self.slept), 1)
        with self.assertRaises(Unavailable) as cm:
            tg.get_customer("u")
        self.assertNotIsInstance(cm.exception, OutcomeUnknown)
        self.assertEqual(len(stub.requests), 4)

    def test_the_key_never_shows(self):
        stub, tg = self.client([(401, {}, err("unauthorized", "unknown API key"))])
        with self.assertRaises(tollgate.AuthenticationError) as cm:
            tg.get_customer("u")
        self.assertNotIn("secretkey", str(cm.exception) + repr(cm.exception) + repr(tg))
        self.assertEqual(stub.requests[0][2]["Authorization"], "Bearer tg_test_secretkey")


class AgainstTheServer(support.ServerTest):
    def test_typed_errors(self):
        with self.assertRaises(NotFound) as cm:
            self.tg.get_customer(support.unique("nobody"))
        self.assertEqual((cm.exception.status, cm.exception.code, cm.exception.field), (404, "not_found", "customer"))
        self.assertTrue(cm.exception.request_id)
        with self.assertRaises(Invalid) as cm:
            self.tg.authorize(self.customer.external_id, event_type=self.event_type, data={"model": "gpt-4o-mini"})
        self.assertEqual(cm.exception.field, "data.input_tokens")
        with self.assertRaises(tollgate.InsufficientFunds):
            self.tg.create_adjustment("charge", self.customer.external_id, "USD", "1000")

    def test_an_event_id_reused_with_another_payload_is_a_conflict(self):
        eid = support.unique("evt")
        data = tollgate.token_usage("gpt-4o-mini", 10, 10)
        self.tg.record_event(self.customer.external_id, self.event_type, id=eid, data=data)
        again = self.tg.record_event(self.customer.external_id, self.event_type, id=eid, data=data)
        self.assertTrue(again.replayed)
        with self.assertRaises(Conflict):
            self.tg.record_event(self.customer.external_id, self.event_type, id=eid,
                                 data={**data, "output_tokens": 11})

    def test_the_same_idempotency_key_replays(self):
        before = self.total()
        a = self.tg.gift(self.customer.external_id, "USD", "0.25", idempotency_key=support.unique("gift"))
        key = a.transaction_id
        b = self.tg.gift(self.customer.external_id, "USD", "0.25", transaction_id=key)
        self.assertTrue(b.replayed)
        self.assertEqual(self.total() - before, Decimal("0.25"))

    def test_pages(self):
        page = self.tg.list_customers(limit=1)
        self.assertEqual(len(page), 1)
        self.assertTrue(page.has_more)
        nxt = self.tg.list_customers(limit=1, starting_after=page.next_cursor)
        self.assertNotEqual(nxt.data[0].id, page.data[0].id)

    def test_generic_request(self):
        r = self.tg.request("GET", "/v1/vendors")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body["object"], "list")

    def test_rate_limit_is_waited_out(self):
        # TOLLGATE_LIMITED_API_KEY allows 1 authorization a second (bursts of
        # 2): the client must wait the Retry-After of each 429 and get them all.
        key = os.environ.get("TOLLGATE_LIMITED_API_KEY")
        if not key:
            self.skipTest("TOLLGATE_LIMITED_API_KEY is not set")
        waits = []

        def sleep(s):
            waits.append(s)
            time.sleep(s)  # the client's own wait, as a user would have it

        limited = tollgate.Tollgate(key, self.tg.base_url, sleep=sleep, max_retries=5)
        self.addCleanup(limited.close)
        auths = [limited.authorize(self.customer.external_id, amount="0.01", asset="USD") for _ in range(4)]
        self.assertTrue(all(a.approved for a in auths))
        self.assertEqual(len({a.id for a in auths}), 4)
        self.assertGreaterEqual(len(waits), 1, "no 429 was met: the key's limit is not set")
        self.assertTrue(all(w >= 1 for w in waits), f"waited {waits}, want the Retry-After of 1 s")
        for a in auths:
            self.tg.void_authorization(a.id)


if __name__ == "__main__":
    unittest.main()
