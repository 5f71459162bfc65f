# SPDX-License-Identifier: Apache-2.0
"""Verify the webhooks Tollgate sends, per the Standard Webhooks specification.

Each delivery carries ``webhook-id`` (the event id: drop duplicates by it),
``webhook-timestamp`` (Unix seconds) and ``webhook-signature``: one or more
space-separated ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` keyed with
the base64-decoded part of the endpoint's secret after ``whsec_`` (two while a
rotated secret still signs). Verify the raw body, before parsing it::

    wh = Webhook(os.environ["TOLLGATE_WEBHOOK_SECRET"])
    event = wh.verify(body_bytes, request_headers)   # raises WebhookVerificationError
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any, Dict, Mapping, Optional, Union

from .errors import WebhookVerificationError

__all__ = ["Webhook", "verify", "DEFAULT_TOLERANCE"]

#: How far a timestamp may be from now, either way, in seconds.
DEFAULT_TOLERANCE = 5 * 60

_PREFIX = "whsec_"


def _header(headers: Any, name: str) -> Optional[str]:
    # http.server's and most frameworks' headers are case-insensitive; a plain
    # dict is not, so look both ways.
    get = getattr(headers, "get", None)
    if get is None:
        return None
    v = get(name)
    if v is None and isinstance(headers, Mapping):
        for k, val in headers.items():
            if isinstance(k, str) and k.lower() == name:
                return val
    return v


class Webhook:
    """A verifier for one endpoint's secret (``whsec_…``, as the endpoint's creation answered it)."""

    def __init__(self, secret: str, *, tolerance: int = DEFAULT_TOLERANCE) -> None:
        s = secret[len(_PREFIX):] if secret.startswith(_PREFIX) else secret
        try:
            self._key = base64.b64decode(s, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the webhook secret is not whsec_ followed by base64") from None
        if not self._key:
            raise ValueError("the webhook secret is empty")
        self.tolerance = tolerance

    def __repr__(self) -> str:
        return "Webhook(secret=whsec_…)"

    def sign(self, msg_id: str, timestamp: Union[int, str], body: Union[bytes, str]) -> str:
        """The ``webhook-signature`` value Tollgate sends for this message (``v1,…``)."""
        payload = body.encode() if isinstance(body, str) else body
        mac = hmac.new(self._key, f"{msg_id}.{timestamp}.".encode() + payload, hashlib.sha256).digest()
        return "v1," + base64.b64encode(mac).decode()

    def verify(self, body: Union[bytes, str], headers: Any, *, now: Optional[float] = None) -> Dict[str, Any]:
        """Check the signature and timestamp of a delivery and return its parsed event.

        ``body`` is the raw request body, exactly as received; ``headers`` any
        mapping with ``get`` (case-insensitive ones, or a plain dict). Raises
        :class:`~tollgate.errors.WebhookVerificationError` when a header is
        missing, the timestamp is more than ``tolerance`` seconds away from
        now, or no signature matches.
        """
        msg_id = _header(headers, "webhook-id")
        ts = _header(headers, "webhook-timestamp")
        sigs = _header(headers, "webhook-signature")
        if not msg_id or not ts or not sigs:
            raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature header")
        try:
            stamp = int(ts)
        except ValueError:
            raise WebhookVerificationError("webhook-timestamp is not Unix seconds") from None
        current = time.time() if now is None else now
        if abs(current - stamp) > self.tolerance:
            raise WebhookVerificationError("webhook-timestamp is outside the tolerance: a replay, or a clock far off")
        expected = self.sign(msg_id, ts, body).encode()
        matched = False
        for candidate in sigs.split():
            # compare_digest over every candidate, without stopping early.
            if candidate.startswith("v1,") and hmac.compare_digest(candidate.encode(), expected):
                matched = True
        if not matched:
            raise WebhookVerificationError("no webhook-signature matches the body")
        try:
            event = json.loads(body)
        except ValueError:
            raise WebhookVerificationError("the signed body is not JSON") from None
        if not isinstance(event, dict):
            raise WebhookVerificationError("the signed body is not a JSON object")
        return event


def verify(secret: str, body: Union[bytes, str], headers: Any, *,
           tolerance: int = DEFAULT_TOLERANCE, now: Optional[float] = None) -> Dict[str, Any]:
    """``Webhook(secret, tolerance=tolerance).verify(body, headers)``."""
    return Webhook(secret, tolerance=tolerance).verify(body, headers, now=now)
