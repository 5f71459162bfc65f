# SPDX-License-Identifier: Apache-2.0
"""Standard Webhooks verification: signatures computed here, and a real signed delivery from the server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import queue
import threading
import time
import unittest

import support
import tollgate
from tollgate import Webhook, WebhookVerificationError

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def signed(body: bytes, msg_id: str = "evt_1", ts: int | None = None, secret_key: bytes = b"0123456789abcdef0123456789abcdef"):
    ts = int(time.time()) if ts is None else ts
    # The spec's construction, written out independently of the SDK's sign().
    mac = hmac.new(secret_key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts),
            "webhook-signature": "v1," + base64.b64encode(mac).decode()}


BODY = json.dumps({"id": "evt_1", "type": "webhook.test", "created_at": "2026-01-01T00:00:00Z",
                   "livemode": False, "data": {"message": "hi"}}).encode()


class Verify(unittest.TestCase):
    def test_accepts_a_valid_signature(self):
        event = Webhook(SECRET).verify(BODY, signed(BODY))
        self.assertEqual(event["type"], "webhook.test")

    def test_accepts_str_body_and_any_header_case(self):
        h = {k.title(): v for k, v in signed(BODY).items()}
        self.assertEqual(tollgate.webhooks.verify(SECRET, BODY.decode(), h)["id"], "evt_1")

    def test_accepts_any_of_several_signatures(self):
        # During a secret rotation both secrets sign.
        h = signed(BODY)
        h["webhook-signature"] = "v1,bm90IHRoaXMgb25l " + h["webhook-signature"]
        Webhook(SECRET).verify(BODY, h)

    def test_rejects_a_tampered_body(self):
        with self.assertRaises(WebhookVerificationError):
            Webhook(SECRET).verify(BODY.replace(b"hi", b"ho"), signed(BODY))

    def test_rejects_another_id(self):
        h = signed(BODY)
        h["webhook-id"] = "evt_2"
        with self.assertRaises(WebhookVerificationError):
            Webhook(SECRET).verify(BODY, h)

    def test_rejects_another_secret(self):
        with self.assertRaises(WebhookVerificationError):
            Webhook(SECRET).verify(BODY, signed(BODY, secret_key=b"another key"))

    def test_rejects_old_and_future_timestamps(self):
        now = time.time()
        for skew in (-301, 301):
            with self.subTest(skew=skew), self.assertRaisesRegex(WebhookVerificationError, "tolerance"):
                Webhook(SECRET).verify(BODY, signed(BODY, ts=int(now) + skew), now=now)
        Webhook(SECRET).verify(BODY, signed(BODY, ts=int(now) - 299), now=now)

    def test_rejects_missing_headers(self):
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            h = signed(BODY)
            del h[name]
            with self.subTest(name=name), self.assertRaises(WebhookVerificationError):
                Webhook(SECRET).verify(BODY, h)

    def test_rejects_a_signature_without_v1(self):
        h = signed(BODY)
        h["webhook-signature"] = h["webhook-signature"].replace("v1,", "v2,")
        with self.assertRaises(WebhookVerificationError):
            Webhook(SECRET).verify(BODY, h)

    def test_repr_hides_the_secret(self):
        self.assertNotIn(SECRET[6:], repr(Webhook(SECRET)))


class Receiver:
    """A tiny http.server that queues every request it receives."""

    def __init__(self) -> None:
        got: "queue.Queue[tuple[dict, bytes]]" = queue.Queue()
        self.got = got

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                got.put((self.headers, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_address[1]}/tollgate/webhooks"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class RealDelivery(unittest.TestCase):
    def test_a_real_delivery_verifies_and_a_tampered_copy_does_not(self):
        url, key = support.server()
        tg = tollgate.Tollgate(key, url)
        self.addCleanup(tg.close)
        recv = Receiver()
        self.addCleanup(recv.close)
        # Subscribed to an event no test causes; webhook.test is sent to any endpoint.
        endpoint = tg.create_webhook_endpoint(recv.url, description="python sdk test",
                                              event_types=["subscription.canceled"])
        self.assertTrue(endpoint.secret and endpoint.secret.startswith("whsec_"))
        tg.send_test_webhook(endpoint.id)
        # Wait on the delivery itself, with a deadline.
        headers, body = recv.got.get(timeout=30)
        self.assertEqual(json.loads(body)["type"], "webhook.test", body)
        event = Webhook(endpoint.secret).verify(body, headers)
        self.assertEqual(event["type"], "webhook.test")
        self.assertEqual(event["data"]["endpoint_id"], endpoint.id)
        self.assertEqual(event["id"], headers["webhook-id"])
        with self.assertRaises(WebhookVerificationError):
            Webhook(endpoint.secret).verify(body.replace(b"webhook.test", b"webhook.tost"), headers)
        with self.assertRaises(WebhookVerificationError):
            Webhook(SECRET).verify(body, headers)


if __name__ == "__main__":
    unittest.main()
