# SPDX-License-Identifier: Apache-2.0
"""The REST API's resources as dataclasses.

Amounts are :class:`decimal.Decimal` (Tollgate sends exact decimal strings;
a float would lose sub-cent fees), times are timezone-aware
:class:`datetime.datetime` in UTC. Fields Tollgate adds later are tolerated:
every model keeps the whole answer in ``raw``, so a newer server never breaks
an older SDK.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
import typing
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Dict, Generic, List, Optional, Type, TypeVar

__all__ = [
    "Model", "Page", "Asset", "Customer", "Subscription", "Lot", "Balance", "Wallet",
    "Authorization", "Fee", "Cost", "Settlement", "Event", "BatchResult", "Price",
    "ProductVersion", "Product", "Simulation", "Adjustment", "TopUp", "Transaction",
    "WebhookEndpoint", "WebhookDelivery", "PortalSession",
]

M = TypeVar("M", bound="Model")

_FRACTION = re.compile(r"\.(\d+)")


def parse_time(s: Any) -> Optional[_dt.datetime]:
    """Parse an RFC 3339 time as Tollgate writes it (``Z``, up to 9 fractional digits)."""
    if not isinstance(s, str) or not s:
        return None
    t = s.replace("Z", "+00:00").replace("z", "+00:00")
    t = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], t, count=1)
    return _dt.datetime.fromisoformat(t)


class Model:
    """Base of every resource: built from a JSON object by :meth:`from_dict`."""

    _hints: ClassVar[Dict[str, Any]]

    @classmethod
    def from_dict(cls: Type[M], d: Any) -> M:
        """Build the model from a decoded JSON object, ignoring unknown keys."""
        if not isinstance(d, dict):
            raise TypeError(f"{cls.__name__}.from_dict wants a JSON object, got {type(d).__name__}")
        hints = cls.__dict__.get("_hints")
        if hints is None:
            hints = typing.get_type_hints(cls)
            cls._hints = hints  # type: ignore[misc]
        kwargs: Dict[str, Any] = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name == "raw":
                continue
            if f.name in d:
                kwargs[f.name] = _convert(hints[f.name], d[f.name])
        obj = cls(**kwargs)
        obj.raw = d  # type: ignore[attr-defined]
        return obj


def _convert(tp: Any, v: Any) -> Any:
    if v is None:
        return None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union:
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], v) if len(inner) == 1 else v
    if origin in (list, List):
        return [_convert(args[0], x) for x in v] if isinstance(v, list) else v
    if origin in (dict, Dict):
        if isinstance(v, dict) and len(args) == 2:
            return {k: _convert(args[1], x) for k, x in v.items()}
        return v
    if tp is Decimal:
        return Decimal(str(v))
    if tp is _dt.datetime:
        return parse_time(v)
    if isinstance(tp, type) and issubclass(tp, Model):
        return tp.from_dict(v) if isinstance(v, dict) else v
    return v


T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    """One page of a list: ``data``, and ``next_cursor`` to pass as ``starting_after``."""

    data: List[T]
    has_more: bool = False
    next_cursor: Optional[str] = None

    def __iter__(self) -> typing.Iterator[T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


@dataclass
class Asset(Model):
    code: str = ""
    kind: str = ""
    name: str = ""
    symbol: str = ""
    precision: int = 0
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Subscription(Model):
    id: str = ""
    customer_id: str = ""
    product_id: str = ""
    product_code: str = ""
    version: int = 0
    status: str = ""
    plan: bool = False
    wallet_id: str = ""
    started_at: Optional[_dt.datetime] = None
    ended_at: Optional[_dt.datetime] = None
    current_period_start: Optional[_dt.datetime] = None
    current_period_end: Optional[_dt.datetime] = None
    next_renewal_at: Optional[_dt.datetime] = None
    cancel_at_period_end: bool = False
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Customer(Model):
    id: str = ""
    external_id: str = ""
    name: str = ""
    email: str = ""
    metadata: Dict[str, str] = field(default_factory=dict)
    default_wallet_id: str = ""
    test_clock: Optional[str] = None
    created_at: Optional[_dt.datetime] = None
    livemode: bool = False
    # Only GET /v1/customers/{id} answers them.
    subscriptions: Optional[List[Subscription]] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Lot(Model):
    id: str = ""
    purpose: str = ""
    amount: Optional[Decimal] = None
    remaining: Optional[Decimal] = None
    priority: int = 0
    expires_at: Optional[_dt.datetime] = None
    created_at: Optional[_dt.datetime] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Balance(Model):
    """A wallet's balance in one asset: ``available`` is ``total`` minus ``held``."""

    asset: str = ""
    total: Decimal = Decimal(0)
    held: Decimal = Decimal(0)
    available: Decimal = Decimal(0)
    debt: Decimal = Decimal(0)
    credit_limit: Decimal = Decimal(0)
    lots: List[Lot] = field(default_factory=list)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Wallet(Model):
    id: str = ""
    customer_id: str = ""
    customer_external_id: str = ""
    name: str = ""
    is_default: bool = False
    balances: List[Balance] = field(default_factory=list)
    created_at: Optional[_dt.datetime] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    def balance(self, asset: str) -> Balance:
        """The balance in ``asset``; a zero balance when the wallet has none yet."""
        for b in self.balances:
            if b.asset == asset:
                return b
        return Balance(asset=asset)


@dataclass
class Authorization(Model):
    """A hold made before the work, or a decline (``approved`` false, ``decline_reason``)."""

    id: str = ""
    idempotency_key: str = ""
    customer_id: str = ""
    wallet_id: str = ""
    event_type: Optional[str] = None
    approved: bool = False
    status: str = ""
    decline_reason: Optional[str] = None
    asset: str = ""
    amount: Optional[Decimal] = None
    required: Optional[Decimal] = None
    available: Optional[Decimal] = None
    shortfall: Optional[Decimal] = None
    captured_amount: Optional[Decimal] = None
    event_id: Optional[str] = None
    expires_at: Optional[_dt.datetime] = None
    settled_at: Optional[_dt.datetime] = None
    created_at: Optional[_dt.datetime] = None
    replayed: bool = False
    livemode: bool = False
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Fee(Model):
    """What one price charged for one event; ``breakdown`` explains it in a line."""

    id: str = ""
    product_id: str = ""
    product_code: str = ""
    version: int = 0
    price_id: str = ""
    price_name: str = ""
    asset: str = ""
    amount: Decimal = Decimal(0)
    quantity: Optional[Decimal] = None
    breakdown: str = ""
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Cost(Model):
    """A vendor cost reported with an event (for margins and cost_plus prices)."""

    vendor: str = ""
    amount: Decimal = Decimal(0)
    currency: str = ""
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Settlement(Model):
    """What recording an event did to its authorization (captured, released, exceeded)."""

    authorization_id: str = ""
    status: str = ""
    held: Decimal = Decimal(0)
    captured: Decimal = Decimal(0)
    released: Decimal = Decimal(0)
    exceeded: Decimal = Decimal(0)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Event(Model):
    """A recorded usage event with the fees it charged."""

    id: str = ""
    customer_id: str = ""
    wallet_id: str = ""
    event_type: str = ""
    occurred_at: Optional[_dt.datetime] = None
    data: Dict[str, Any] = field(default_factory=dict)
    costs: Optional[List[Cost]] = None
    authorization_id: Optional[str] = None
    fees: List[Fee] = field(default_factory=list)
    settlement: Optional[Settlement] = None
    created_at: Optional[_dt.datetime] = None
    replayed: bool = False
    livemode: bool = False
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    def total(self, asset: str) -> Decimal:
        """The sum of the event's fees in ``asset``."""
        return sum((f.amount for f in self.fees if f.asset == asset), Decimal(0))


@dataclass
class BatchResult(Model):
    """One event of a batch: ``event`` when recorded, ``error`` (the error body) when not."""

    index: int = 0
    id: str = ""
    status: str = ""
    event: Optional[Event] = None
    error: Optional[Dict[str, Any]] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Price(Model):
    id: str = ""
    model: str = ""
    asset: str = ""
    name: str = ""
    unit_amount: Optional[Decimal] = None
    field: Optional[str] = None
    block_size: Optional[Decimal] = None
    block_amount: Optional[Decimal] = None
    dimensions: Optional[List[str]] = None
    rates: Optional[List[Dict[str, Any]]] = None
    raw: Dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)


@dataclass
class ProductVersion(Model):
    id: str = ""
    product_id: str = ""
    version: int = 0
    prices: List[Price] = field(default_factory=list)
    entitlements: List[Dict[str, Any]] = field(default_factory=list)
    published_at: Optional[_dt.datetime] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Product(Model):
    id: str = ""
    code: str = ""
    name: str = ""
    description: str = ""
    event_type: str = ""
    default_version: int = 0
    archived_at: Optional[_dt.datetime] = None
    created_at: Optional[_dt.datetime] = None
    versions: Optional[List[ProductVersion]] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Simulation(Model):
    product_id: str = ""
    product_code: str = ""
    version: int = 0
    fees: List[Fee] = field(default_factory=list)
    totals: Dict[str, Decimal] = field(default_factory=dict)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Adjustment(Model):
    """A gift, top-up, charge, refund or correction, with the balance after it."""

    id: str = ""
    transaction_id: str = ""
    kind: str = ""
    customer_id: str = ""
    wallet_id: str = ""
    asset: str = ""
    amount: Decimal = Decimal(0)
    reason: str = ""
    lot_id: Optional[str] = None
    ledger_transaction_id: str = ""
    replayed: bool = False
    balance: Optional[Balance] = None
    created_at: Optional[_dt.datetime] = None
    livemode: bool = False
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class TopUp(Model):
    """Money in through a payment provider; ``checkout_url`` is where the customer pays."""

    id: str = ""
    customer_id: str = ""
    wallet_id: str = ""
    status: str = ""
    amount: Optional[Decimal] = None
    currency: str = ""
    credit: Optional[Decimal] = None
    asset: str = ""
    checkout_url: str = ""
    action_url: str = ""
    provider: str = ""
    auto: bool = False
    failure_code: str = ""
    failure_message: str = ""
    created_at: Optional[_dt.datetime] = None
    updated_at: Optional[_dt.datetime] = None
    replayed: bool = False
    livemode: bool = False
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Transaction(Model):
    """A ledger transaction: its net ``amounts`` per asset and its entries."""

    id: str = ""
    kind: str = ""
    reference: str = ""
    description: str = ""
    amounts: Dict[str, Decimal] = field(default_factory=dict)
    entries: List[Dict[str, Any]] = field(default_factory=list)
    created_at: Optional[_dt.datetime] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class WebhookEndpoint(Model):
    """An endpoint Tollgate signs events to; ``secret`` (``whsec_…``) is answered once, at creation."""

    id: str = ""
    url: str = ""
    description: str = ""
    event_types: List[str] = field(default_factory=list)
    enabled: bool = False
    disabled_reason: str = ""
    secret: Optional[str] = field(default=None, repr=False)
    secret_last4: str = ""
    livemode: bool = False
    created_at: Optional[_dt.datetime] = None
    updated_at: Optional[_dt.datetime] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class WebhookDelivery(Model):
    id: str = ""
    endpoint_id: str = ""
    event_id: str = ""
    event_type: str = ""
    status: str = ""
    next_attempt_at: Optional[_dt.datetime] = None
    attempts: List[Dict[str, Any]] = field(default_factory=list)
    created_at: Optional[_dt.datetime] = None
    updated_at: Optional[_dt.datetime] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class PortalSession(Model):
    """A short-lived link to the customer portal."""

    url: str = ""
    expires_at: Optional[_dt.datetime] = None
    livemode: bool = False
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)
