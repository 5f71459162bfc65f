# SPDX-License-Identifier: Apache-2.0
"""The synchronous client: one HTTP transport with retries, and a method per common route."""

from __future__ import annotations

import datetime as _dt
import email.utils
import http.client
import json
import os
import random
import socket
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Type, TypeVar, Union

from . import errors
from .models import (
    Adjustment, Asset, Authorization, BatchResult, Customer, Event, Model, Page, PortalSession,
    Product, ProductVersion, Simulation, Subscription, TopUp, Transaction, Wallet, WebhookDelivery,
    WebhookEndpoint,
)

if TYPE_CHECKING:  # pragma: no cover
    from .meter import Meter

__all__ = ["Tollgate", "Response", "DEFAULT_BASE_URL"]

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
USER_AGENT = "tollgate-python/0.1.0"

M = TypeVar("M", bound=Model)
Amount = Union[str, int, Decimal]


@dataclass
class Response:
    """A decoded answer: status, headers (lower-case names) and the JSON body."""

    status: int
    headers: Dict[str, str]
    body: Any

    @property
    def request_id(self) -> Optional[str]:
        return self.headers.get("request-id")

    @property
    def replayed(self) -> bool:
        """True when Tollgate answered a stored response for a reused Idempotency-Key."""
        return self.headers.get("idempotent-replayed") == "true"


def _encode(o: Any) -> Any:
    if isinstance(o, Decimal):
        return str(o)
    if isinstance(o, _dt.datetime):
        if o.tzinfo is None:
            raise ValueError("datetimes sent to Tollgate must be timezone-aware")
        return o.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")
    raise TypeError(f"{type(o).__name__} is not JSON serializable")


def _compact(d: Mapping[str, Any]) -> Dict[str, Any]:
    """Drop the None values: an omitted field takes Tollgate's default."""
    return {k: v for k, v in d.items() if v is not None}


def _seg(s: str) -> str:
    return urllib.parse.quote(str(s), safe="")


def _retry_after(headers: Mapping[str, str]) -> Optional[float]:
    v = headers.get("retry-after")
    if not v:
        return None
    try:
        return max(0.0, float(v))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(v)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - _dt.datetime.now(_dt.timezone.utc)).total_seconds())


# Errors that mean no answer came: the request may not have been sent, or may
# have been served and its answer lost.
_NETWORK_ERRORS = (ConnectionError, socket.timeout, TimeoutError, http.client.HTTPException, OSError)


class Tollgate:
    """A client for Tollgate's REST API.

    ``api_key`` defaults to ``$TOLLGATE_API_KEY`` and ``base_url`` to
    ``$TOLLGATE_URL`` (else ``http://127.0.0.1:8080``).

    Every POST carries an ``Idempotency-Key`` (yours, or a new uuid4) that is
    reused by every retry of that call, so a retry never applies a write
    twice. Answers 429 and 503, an ``idempotency_key_in_progress`` 409, and
    lost connections are retried up to ``max_retries`` times, waiting the
    ``Retry-After`` the server sent (a longer one than ``max_retry_after``
    is not waited for: the error is raised) or an exponential backoff with
    jitter from ``backoff`` seconds up to ``max_backoff``.

    One HTTP/1.1 connection is kept alive per thread. The client is safe to
    share between threads.
    """

    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        *,
        timeout: float = 30.0,
        max_retries: int = 3,
        backoff: float = 0.25,
        max_backoff: float = 8.0,
        max_retry_after: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("TOLLGATE_API_KEY", "")
        if not key:
            raise ValueError("no API key: pass api_key or set TOLLGATE_API_KEY (tollgate keys create)")
        self._key = key
        url = (base_url or os.environ.get("TOLLGATE_URL") or DEFAULT_BASE_URL).rstrip("/")
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url {url!r} is not an http(s) URL")
        self.base_url = url
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self._local = threading.local()
        self._lock = threading.Lock()
        self._conns: set = set()

    def __repr__(self) -> str:
        # Never the key: a repr ends up in logs and tracebacks.
        return f"Tollgate(base_url={self.base_url!r})"

    # ---- transport -----------------------------------------------------------

    def _conn(self) -> http.client.HTTPConnection:
        c = getattr(self._local, "conn", None)
        if c is None:
            cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
            c = cls(self._host, self._port, timeout=self.timeout)
            self._local.conn = c
            with self._lock:
                self._conns.add(c)
        return c

    def _drop_conn(self) -> None:
        c = getattr(self._local, "conn", None)
        self._local.conn = None
        if c is not None:
            with self._lock:
                self._conns.discard(c)
            c.close()

    def close(self) -> None:
        """Close every thread's connection; a later call opens a new one."""
        self._local = threading.local()
        with self._lock:
            conns, self._conns = self._conns, set()
        for c in conns:
            c.close()

    def __enter__(self) -> "Tollgate":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _send(self, method: str, target: str, payload: Optional[bytes], headers: Dict[str, str]) -> Response:
        conn = self._conn()
        try:
            conn.request(method, target, body=payload, headers=headers)
            r = conn.getresponse()
            raw = r.read()
        except BaseException:
            self._drop_conn()
            raise
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        if hdrs.get("connection", "").lower() == "close":
            self._drop_conn()
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = {"error": {"type": "api_error", "code": "bad_response",
                                  "message": f"Tollgate answered HTTP {r.status} with a body that is not JSON"}}
        return Response(r.status, hdrs, body)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Optional[Mapping[str, Any]] = None,
        query: Optional[Mapping[str, Any]] = None,
        idempotency_key: Optional[str] = None,
    ) -> Response:
        """Call any route: ``request("GET", "/v1/vendors")``.

        POSTs get an ``Idempotency-Key`` (``idempotency_key``, or a new uuid4)
        kept across retries. Raises a :class:`~tollgate.errors.TollgateError`
        subclass for any non-2xx answer left after the retries.
        """
        method = method.upper()
        target = self._prefix + (path if path.startswith("/") else "/" + path)
        if query:
            q = {k: ("true" if v is True else "false" if v is False else str(v))
                 for k, v in query.items() if v is not None}
            if q:
                target += "?" + urllib.parse.urlencode(q)
        headers = {
            "Authorization": f"Bearer {self._key}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        payload: Optional[bytes] = None
        if body is not None:
            payload = json.dumps(body, default=_encode, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
            if payload is None:
                payload = b""
        attempt = 0
        while True:
            try:
                resp = self._send(method, target, payload, headers)
            except _NETWORK_ERRORS as e:
                if attempt < self.max_retries:
                    self._sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                # No answer to a write: it may have been applied. Retrying with
                # the same Idempotency-Key applies it at most once.
                cls = errors.OutcomeUnknown if method == "POST" else errors.Unavailable
                raise cls(f"no answer from Tollgate at {self.base_url}: {type(e).__name__}",
                          code="connection_error") from None
            if resp.status < 300:
                return resp
            wait = self._retry_wait(resp, attempt)
            if wait is None:
                raise errors.from_response(resp.status, resp.body, resp.request_id, _retry_after(resp.headers))
            self._sleep(wait)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        d = min(self.max_backoff, self.backoff * (2 ** attempt))
        return d * (0.5 + random.random() / 2)

    def _retry_wait(self, resp: Response, attempt: int) -> Optional[float]:
        """How long to wait before retrying, or None when the answer is final."""
        if attempt >= self.max_retries:
            return None
        code = ""
        if isinstance(resp.body, dict) and isinstance(resp.body.get("error"), dict):
            code = str(resp.body["error"].get("code") or "")
        retryable = resp.status in (429, 503) or (resp.status == 409 and code == "idempotency_key_in_progress")
        if not retryable:
            return None
        ra = _retry_after(resp.headers)
        if ra is None:
            return self._backoff(attempt)
        if ra > self.max_retry_after:
            return None
        return ra

    def _do(self, model: Type[M], method: str, path: str, **kw: Any) -> M:
        return model.from_dict(self.request(method, path, **kw).body)

    def _page(self, model: Type[M], path: str, query: Mapping[str, Any]) -> Page[M]:
        b = self.request("GET", path, query=query).body or {}
        return Page([model.from_dict(x) for x in b.get("data") or []],
                    bool(b.get("has_more")), b.get("next_cursor"))

    def _list(self, model: Type[M], path: str, query: Optional[Mapping[str, Any]] = None) -> List[M]:
        b = self.request("GET", path, query=query).body or {}
        return [model.from_dict(x) for x in b.get("data") or []]

    # ---- the runtime loop ------------------------------------------------------

    def authorize(
        self,
        customer: str,
        *,
        event_type: Optional[str] = None,
        data: Optional[Mapping[str, Any]] = None,
        amount: Optional[Amount] = None,
        asset: Optional[str] = None,
        wallet: Optional[str] = None,
        ttl_seconds: Optional[int] = None,
        idempotency_key: Optional[str] = None,
    ) -> Authorization:
        """POST /v1/authorizations: hold the estimated cost before the work.

        Estimate with ``event_type`` and the expected ``data`` (priced by the
        product's prices), or hold ``amount`` of ``asset``. A decline is not
        an error here: check ``approved`` (``meter`` raises
        :class:`~tollgate.errors.DeclinedError` for you). ``idempotency_key``
        is the authorization's own key, kept forever: the same key answers
        the first authorization again.
        """
        body = _compact({"customer": customer, "event_type": event_type, "data": data,
                         "amount": None if amount is None else str(amount), "asset": asset,
                         "wallet": wallet, "ttl_seconds": ttl_seconds,
                         "idempotency_key": idempotency_key or str(uuid.uuid4())})
        # The key travels in the body (any text of 1-200 characters); the
        # header gets its own uuid4, which the retries of this call reuse.
        return self._do(Authorization, "POST", "/v1/authorizations", body=body)

    def get_authorization(self, id: str) -> Authorization:
        """GET /v1/authorizations/{id}."""
        return self._do(Authorization, "GET", f"/v1/authorizations/{_seg(id)}")

    def void_authorization(self, id: str, *, idempotency_key: Optional[str] = None) -> Authorization:
        """POST /v1/authorizations/{id}/void: release the hold (a no-op when already voided or expired)."""
        return self._do(Authorization, "POST", f"/v1/authorizations/{_seg(id)}/void",
                        idempotency_key=idempotency_key)

    def record_event(
        self,
        customer: str,
        event_type: str,
        *,
        id: Optional[str] = None,
        data: Optional[Mapping[str, Any]] = None,
        authorization_id: Optional[str] = None,
        wallet: Optional[str] = None,
        occurred_at: Optional[Union[str, _dt.datetime]] = None,
        costs: Optional[Iterable[Mapping[str, Any]]] = None,
        idempotency_key: Optional[str] = None,
    ) -> Event:
        """POST /v1/events: price the usage, debit the wallet and settle the authorization at once.

        ``id`` is the event's unique id (default: a new ``evt_…``): recording
        the same id again charges nothing and answers the first event
        (``replayed``). Pass your own, derived from the request, so a retry
        of the whole request is charged once.
        """
        body = _compact({"id": id or f"evt_{uuid.uuid4().hex}", "customer": customer,
                         "event_type": event_type, "data": dict(data) if data is not None else None,
                         "authorization_id": authorization_id, "wallet": wallet,
                         "occurred_at": occurred_at, "costs": list(costs) if costs is not None else None})
        return self._do(Event, "POST", "/v1/events", body=body, idempotency_key=idempotency_key)

    def record_events(self, events: Iterable[Mapping[str, Any]], *, idempotency_key: Optional[str] = None) -> List[BatchResult]:
        """POST /v1/events/batch: up to 1,000 events (each a RecordEventRequest), each recorded on its own."""
        b = self.request("POST", "/v1/events/batch", body={"events": list(events)},
                         idempotency_key=idempotency_key).body or {}
        return [BatchResult.from_dict(x) for x in b.get("data") or []]

    def get_event(self, id: str) -> Event:
        """GET /v1/events/{id}."""
        return self._do(Event, "GET", f"/v1/events/{_seg(id)}")

    def list_events(self, *, customer: Optional[str] = None, event_type: Optional[str] = None,
                    limit: Optional[int] = None, starting_after: Optional[str] = None) -> Page[Event]:
        """GET /v1/events, newest first."""
        return self._page(Event, "/v1/events", {"customer": customer, "event_type": event_type,
                                                "limit": limit, "starting_after": starting_after})

    # ---- customers and wallets -------------------------------------------------

    def create_customer(self, external_id: str, *, name: Optional[str] = None, email: Optional[str] = None,
                        metadata: Optional[Mapping[str, str]] = None, test_clock: Optional[str] = None,
                        idempotency_key: Optional[str] = None) -> Customer:
        """POST /v1/customers: 201, or 200 with the existing customer for a known ``external_id``."""
        body = _compact({"external_id": external_id, "name": name, "email": email,
                         "metadata": metadata, "test_clock": test_clock})
        return self._do(Customer, "POST", "/v1/customers", body=body, idempotency_key=idempotency_key)

    def get_customer(self, id: str) -> Customer:
        """GET /v1/customers/{id}: by ``cus_…`` id or your ``external_id``, with subscriptions."""
        return self._do(Customer, "GET", f"/v1/customers/{_seg(id)}")

    def update_customer(self, id: str, *, name: Optional[str] = None, email: Optional[str] = None,
                        metadata: Optional[Mapping[str, str]] = None,
                        idempotency_key: Optional[str] = None) -> Customer:
        """POST /v1/customers/{id}."""
        return self._do(Customer, "POST", f"/v1/customers/{_seg(id)}",
                        body=_compact({"name": name, "email": email, "metadata": metadata}),
                        idempotency_key=idempotency_key)

    def list_customers(self, *, email: Optional[str] = None, limit: Optional[int] = None,
                       starting_after: Optional[str] = None) -> Page[Customer]:
        """GET /v1/customers, newest first."""
        return self._page(Customer, "/v1/customers", {"email": email, "limit": limit,
                                                      "starting_after": starting_after})

    def get_wallet(self, customer: str, wallet: str = "default") -> Wallet:
        """GET /v1/customers/{id}/wallets/{wallet}: balances per asset, with their lots."""
        return self._do(Wallet, "GET", f"/v1/customers/{_seg(customer)}/wallets/{_seg(wallet)}")

    def list_wallets(self, customer: str) -> List[Wallet]:
        """GET /v1/customers/{id}/wallets."""
        return self._list(Wallet, f"/v1/customers/{_seg(customer)}/wallets")

    def create_wallet(self, customer: str, name: str, *, idempotency_key: Optional[str] = None) -> Wallet:
        """POST /v1/customers/{id}/wallets: a further, named wallet."""
        return self._do(Wallet, "POST", f"/v1/customers/{_seg(customer)}/wallets",
                        body={"name": name}, idempotency_key=idempotency_key)

    def list_transactions(self, customer: str, wallet: str = "default", *, kind: Optional[str] = None,
                          limit: Optional[int] = None, starting_after: Optional[str] = None) -> Page[Transaction]:
        """GET /v1/customers/{id}/wallets/{wallet}/transactions: the wallet's ledger, newest first."""
        return self._page(Transaction, f"/v1/customers/{_seg(customer)}/wallets/{_seg(wallet)}/transactions",
                          {"kind": kind, "limit": limit, "starting_after": starting_after})

    def create_adjustment(self, kind: str, customer: str, asset: str, amount: Amount, *,
                          reason: Optional[str] = None, wallet: Optional[str] = None,
                          transaction_id: Optional[str] = None, expires_at: Optional[Union[str, _dt.datetime]] = None,
                          paid_amount: Optional[Amount] = None, paid_currency: Optional[str] = None,
                          idempotency_key: Optional[str] = None, **extra: Any) -> Adjustment:
        """POST /v1/adjustments: ``kind`` is gift, top_up, charge, refund or correction.

        ``transaction_id`` (default: the Idempotency-Key) makes it apply once,
        forever: pass one derived from what caused it (``"topup-" + payment_id``).
        """
        body = _compact({"kind": kind, "customer": customer, "asset": asset, "amount": str(amount),
                         "reason": reason, "wallet": wallet, "transaction_id": transaction_id,
                         "expires_at": expires_at,
                         "paid_amount": None if paid_amount is None else str(paid_amount),
                         "paid_currency": paid_currency, **extra})
        return self._do(Adjustment, "POST", "/v1/adjustments", body=body, idempotency_key=idempotency_key)

    def gift(self, customer: str, asset: str, amount: Amount, *, reason: Optional[str] = None,
             transaction_id: Optional[str] = None, idempotency_key: Optional[str] = None, **extra: Any) -> Adjustment:
        """A free credit: ``create_adjustment("gift", …)``."""
        return self.create_adjustment("gift", customer, asset, amount, reason=reason,
                                      transaction_id=transaction_id, idempotency_key=idempotency_key, **extra)

    # ---- catalog ---------------------------------------------------------------

    def create_product(self, code: str, event_type: str, prices: Iterable[Mapping[str, Any]], *,
                       name: Optional[str] = None, description: Optional[str] = None,
                       entitlements: Optional[Iterable[Mapping[str, Any]]] = None,
                       idempotency_key: Optional[str] = None) -> Product:
        """POST /v1/products: a product and its version 1; the same code and definition again answers it."""
        body = _compact({"code": code, "event_type": event_type, "prices": list(prices), "name": name,
                         "description": description,
                         "entitlements": list(entitlements) if entitlements is not None else None})
        return self._do(Product, "POST", "/v1/products", body=body, idempotency_key=idempotency_key)

    def get_product(self, id: str) -> Product:
        """GET /v1/products/{id}: by ``prod_…`` id or code, with its versions."""
        return self._do(Product, "GET", f"/v1/products/{_seg(id)}")

    def list_products(self, *, include_archived: Optional[bool] = None, limit: Optional[int] = None,
                      starting_after: Optional[str] = None) -> Page[Product]:
        """GET /v1/products."""
        return self._page(Product, "/v1/products", {"include_archived": include_archived, "limit": limit,
                                                    "starting_after": starting_after})

    def create_product_version(self, product: str, prices: Iterable[Mapping[str, Any]], *,
                               entitlements: Optional[Iterable[Mapping[str, Any]]] = None,
                               keep_default: Optional[bool] = None,
                               idempotency_key: Optional[str] = None) -> ProductVersion:
        """POST /v1/products/{id}/versions: new prices; existing subscriptions keep theirs."""
        body = _compact({"prices": list(prices),
                         "entitlements": list(entitlements) if entitlements is not None else None,
                         "keep_default": keep_default})
        return self._do(ProductVersion, "POST", f"/v1/products/{_seg(product)}/versions", body=body,
                        idempotency_key=idempotency_key)

    def simulate(self, product: str, *, data: Optional[Mapping[str, Any]] = None, version: Optional[int] = None,
                 customer: Optional[str] = None, idempotency_key: Optional[str] = None) -> Simulation:
        """POST /v1/products/{id}/simulate: price usage without touching a wallet."""
        return self._do(Simulation, "POST", f"/v1/products/{_seg(product)}/simulate",
                        body=_compact({"data": data, "version": version, "customer": customer}),
                        idempotency_key=idempotency_key)

    def archive_product(self, product: str, *, idempotency_key: Optional[str] = None) -> Product:
        """POST /v1/products/{id}/archive."""
        return self._do(Product, "POST", f"/v1/products/{_seg(product)}/archive", idempotency_key=idempotency_key)

    def list_assets(self) -> List[Asset]:
        """GET /v1/assets."""
        return self._list(Asset, "/v1/assets")

    def get_asset(self, code: str) -> Asset:
        """GET /v1/assets/{code}."""
        return self._do(Asset, "GET", f"/v1/assets/{_seg(code)}")

    def create_asset(self, code: str, *, name: Optional[str] = None, symbol: Optional[str] = None,
                     precision: Optional[int] = None, idempotency_key: Optional[str] = None) -> Asset:
        """POST /v1/assets: a custom unit such as ``credits``."""
        return self._do(Asset, "POST", "/v1/assets",
                        body=_compact({"code": code, "name": name, "symbol": symbol, "precision": precision}),
                        idempotency_key=idempotency_key)

    # ---- subscriptions, top-ups, portal -----------------------------------------

    def subscribe(self, customer: str, product: str, *, version: Optional[int] = None,
                  wallet: Optional[str] = None, trial_days: Optional[int] = None,
                  idempotency_key: Optional[str] = None) -> Subscription:
        """POST /v1/customers/{id}/subscriptions."""
        return self._do(Subscription, "POST", f"/v1/customers/{_seg(customer)}/subscriptions",
                        body=_compact({"product": product, "version": version, "wallet": wallet,
                                       "trial_days": trial_days}),
                        idempotency_key=idempotency_key)

    def list_subscriptions(self, customer: str) -> List[Subscription]:
        """GET /v1/customers/{id}/subscriptions."""
        return self._list(Subscription, f"/v1/customers/{_seg(customer)}/subscriptions")

    def cancel_subscription(self, id: str, *, at_period_end: Optional[bool] = None,
                            idempotency_key: Optional[str] = None) -> Subscription:
        """POST /v1/subscriptions/{id}/cancel."""
        return self._do(Subscription, "POST", f"/v1/subscriptions/{_seg(id)}/cancel",
                        body=_compact({"at_period_end": at_period_end}), idempotency_key=idempotency_key)

    def create_top_up(self, customer: str, asset: str, amount: Amount, *, success_url: str, cancel_url: str,
                      currency: Optional[str] = None, wallet: Optional[str] = None,
                      idempotency_key: Optional[str] = None) -> TopUp:
        """POST /v1/top_ups: a checkout the customer pays at ``checkout_url``."""
        return self._do(TopUp, "POST", "/v1/top_ups",
                        body=_compact({"customer": customer, "asset": asset, "amount": str(amount),
                                       "success_url": success_url, "cancel_url": cancel_url,
                                       "currency": currency, "wallet": wallet}),
                        idempotency_key=idempotency_key)

    def get_top_up(self, id: str) -> TopUp:
        """GET /v1/top_ups/{id}."""
        return self._do(TopUp, "GET", f"/v1/top_ups/{_seg(id)}")

    def list_top_ups(self, customer: str, *, limit: Optional[int] = None) -> List[TopUp]:
        """GET /v1/customers/{id}/top_ups."""
        return self._list(TopUp, f"/v1/customers/{_seg(customer)}/top_ups", {"limit": limit})

    def create_portal_session(self, customer: str, return_url: str, *,
                              idempotency_key: Optional[str] = None) -> PortalSession:
        """POST /v1/portal_sessions: a short-lived link to the customer's portal."""
        return self._do(PortalSession, "POST", "/v1/portal_sessions",
                        body={"customer": customer, "return_url": return_url}, idempotency_key=idempotency_key)

    # ---- webhook endpoints -----------------------------------------------------

    def create_webhook_endpoint(self, url: str, *, description: Optional[str] = None,
                                event_types: Optional[Iterable[str]] = None,
                                idempotency_key: Optional[str] = None) -> WebhookEndpoint:
        """POST /v1/webhook_endpoints: the answer's ``secret`` (``whsec_…``) is shown once; store it."""
        return self._do(WebhookEndpoint, "POST", "/v1/webhook_endpoints",
                        body=_compact({"url": url, "description": description,
                                       "event_types": list(event_types) if event_types is not None else None}),
                        idempotency_key=idempotency_key)

    def list_webhook_endpoints(self) -> List[WebhookEndpoint]:
        """GET /v1/webhook_endpoints."""
        return self._list(WebhookEndpoint, "/v1/webhook_endpoints")

    def get_webhook_endpoint(self, id: str) -> WebhookEndpoint:
        """GET /v1/webhook_endpoints/{id}."""
        return self._do(WebhookEndpoint, "GET", f"/v1/webhook_endpoints/{_seg(id)}")

    def send_test_webhook(self, endpoint: str, *, idempotency_key: Optional[str] = None) -> Dict[str, Any]:
        """POST /v1/webhook_endpoints/{id}/test: queue a signed ``webhook.test`` event."""
        return self.request("POST", f"/v1/webhook_endpoints/{_seg(endpoint)}/test",
                            idempotency_key=idempotency_key).body

    def list_webhook_deliveries(self, endpoint: str, *, status: Optional[str] = None,
                                limit: Optional[int] = None) -> Page[WebhookDelivery]:
        """GET /v1/webhook_endpoints/{id}/deliveries."""
        return self._page(WebhookDelivery, f"/v1/webhook_endpoints/{_seg(endpoint)}/deliveries",
                          {"status": status, "limit": limit})

    # ---- metering --------------------------------------------------------------

    def meter(self, customer: Any, event_type: str, **options: Any) -> "Meter":
        """Wrap one costly piece of work in authorize → run → record (or void).

        See :class:`tollgate.meter.Meter` for the options; use it as a
        ``with`` block or as a decorator.
        """
        from .meter import Meter
        return Meter(self, customer, event_type, **options)

