# SPDX-License-Identifier: Apache-2.0
"""``meter``: authorize → run the work → record what it used, or void the hold when it fails."""

from __future__ import annotations

import contextvars
import functools
import inspect
import uuid
from decimal import Decimal
from typing import (
    TYPE_CHECKING, Any, AsyncIterable, AsyncIterator, Callable, Dict, Iterable, Iterator, List,
    Mapping, Optional, TypeVar, Union,
)

from .errors import DeclinedError, TollgateError, Unavailable
from .models import Authorization, Event
from .usage import AnthropicStreamUsage, OpenAIStreamUsage, UsageMissing, anthropic_usage, openai_usage

if TYPE_CHECKING:  # pragma: no cover
    from .aio import AsyncTollgate
    from .client import Tollgate

__all__ = ["Meter", "AsyncMeter", "current_meter"]

F = TypeVar("F", bound=Callable[..., Any])

_current: contextvars.ContextVar[Optional["_MeterBase"]] = contextvars.ContextVar("tollgate_meter", default=None)


def current_meter() -> "_MeterBase":
    """The meter of the innermost metered block or function running in this context.

    A decorated function reports its usage with ``current_meter().record(…)``.
    """
    m = _current.get()
    if m is None:
        raise RuntimeError("current_meter() called outside a metered block or function")
    return m


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)


def _resolve(v: Any, args: tuple, kwargs: dict) -> Any:
    return v(*args, **kwargs) if callable(v) else v


class _MeterBase:
    """What the sync and async meters share: options, reported usage, and the calls they make."""

    def __init__(
        self,
        client: Any,
        customer: Union[str, Callable[..., str]],
        event_type: str,
        *,
        estimate: Union[None, Mapping[str, Any], Callable[..., Mapping[str, Any]]] = None,
        amount: Union[None, str, int, Decimal] = None,
        asset: Optional[str] = None,
        wallet: Optional[str] = None,
        ttl_seconds: Optional[int] = None,
        idempotency_key: Union[None, str, Callable[..., str]] = None,
        usage: Optional[Callable[[Any], Mapping[str, Any]]] = None,
    ) -> None:
        self._client = client
        self._options = dict(customer=customer, event_type=event_type, estimate=estimate, amount=amount,
                             asset=asset, wallet=wallet, ttl_seconds=ttl_seconds,
                             idempotency_key=idempotency_key, usage=usage)
        self.customer = customer
        self.event_type = event_type
        self.estimate = estimate
        self.amount = amount
        self.asset = asset
        self.wallet = wallet
        self.ttl_seconds = ttl_seconds
        self.usage_reader = usage
        self.key: str = idempotency_key if isinstance(idempotency_key, str) else ""
        #: The hold, once authorized.
        self.authorization: Optional[Authorization] = None
        #: The recorded event, once recorded.
        self.event: Optional[Event] = None
        #: The usage reported so far: the event's data.
        self.data: Dict[str, Any] = {}
        self.costs: List[Dict[str, Any]] = []
        self._entered = False
        self._token: Optional[contextvars.Token] = None
        # Stream wrappers started and not yet read to their end.
        self._open_streams = 0

    def _bind(self, args: tuple, kwargs: dict) -> Any:
        """A fresh meter for one call of a decorated function, its callables applied to the call's arguments."""
        o = dict(self._options)
        for name in ("customer", "estimate", "idempotency_key"):
            o[name] = _resolve(o[name], args, kwargs)
        return type(self)(self._client, o.pop("customer"), o.pop("event_type"), **o)

    @property
    def event_id(self) -> str:
        """The usage event's id: the meter's idempotency key, so a retried record is charged once."""
        return self.key

    # ---- what the body reports ---------------------------------------------------

    def record(self, data: Optional[Mapping[str, Any]] = None, **fields: Any) -> None:
        """Report usage for the event recorded when the block ends.

        Called more than once (several model calls in one block), numbers
        add up and other values (``model``) are replaced.
        """
        for k, v in {**(data or {}), **fields}.items():
            old = self.data.get(k)
            if _is_number(v) and _is_number(old):
                self.data[k] = old + v
            else:
                self.data[k] = v

    def cost(self, vendor: str, amount: Union[str, Decimal], currency: str) -> None:
        """Attach what the vendor charged for the work (for margins and cost_plus prices)."""
        self.costs.append({"vendor": vendor, "amount": str(amount), "currency": currency})

    def openai(self, response: Any) -> Any:
        """Record an OpenAI answer's usage (chat completion or Responses API) and return the answer."""
        self.record(openai_usage(response))
        return response

    def anthropic(self, message: Any) -> Any:
        """Record an Anthropic message's usage and return the message."""
        self.record(anthropic_usage(message))
        return message

    def openai_stream(self, stream: Iterable[Any]) -> Iterator[Any]:
        """Yield an OpenAI stream's chunks, recording its usage when it ends.

        Ask for the usage chunk: ``stream_options={"include_usage": True}``. A
        stream that ends without usage raises :class:`~tollgate.usage.UsageMissing`
        in the block, so the hold is voided instead of the usage guessed.
        """
        acc = OpenAIStreamUsage()
        self._open_streams += 1
        yield from acc.wrap(stream)
        self._open_streams -= 1
        self.record(acc.usage)

    def anthropic_stream(self, stream: Iterable[Any]) -> Iterator[Any]:
        """Yield an Anthropic stream's events, recording its usage when it ends."""
        acc = AnthropicStreamUsage()
        self._open_streams += 1
        yield from acc.wrap(stream)
        self._open_streams -= 1
        self.record(acc.usage)

    async def aopenai_stream(self, stream: AsyncIterable[Any]) -> AsyncIterator[Any]:
        """:meth:`openai_stream` for an async stream."""
        acc = OpenAIStreamUsage()
        self._open_streams += 1
        async for chunk in acc.awrap(stream):
            yield chunk
        self._open_streams -= 1
        self.record(acc.usage)

    async def aanthropic_stream(self, stream: AsyncIterable[Any]) -> AsyncIterator[Any]:
        """:meth:`anthropic_stream` for an async stream."""
        acc = AnthropicStreamUsage()
        self._open_streams += 1
        async for event in acc.awrap(stream):
            yield event
        self._open_streams -= 1
        self.record(acc.usage)

    # ---- the calls -----------------------------------------------------------------

    def _start(self) -> Dict[str, Any]:
        if self._entered:
            raise RuntimeError("a meter runs once; call tollgate.meter(…) again for the next piece of work")
        if callable(self.customer) or callable(self.estimate) or callable(self._options["idempotency_key"]):
            raise TypeError("callable customer, estimate or idempotency_key are for the decorator form only")
        self._entered = True
        if not self.key:
            self.key = f"mtr_{uuid.uuid4().hex}"
        self._token = _current.set(self)
        params: Dict[str, Any] = dict(customer=self.customer, wallet=self.wallet, ttl_seconds=self.ttl_seconds,
                                      idempotency_key=self.key)
        if self.amount is not None:
            params.update(amount=self.amount, asset=self.asset)
        else:
            params.update(event_type=self.event_type, data=self.estimate)
        return params

    def _check(self, auth: Authorization) -> None:
        self.authorization = auth
        if not auth.approved:
            self._finish()
            raise DeclinedError(auth)

    def _event_params(self) -> Dict[str, Any]:
        assert self.authorization is not None
        if self._open_streams:
            # The tokens of an unread stream's rest are unknown (the provider
            # bills them all the same): void rather than charge a guess.
            raise UsageMissing("a metered stream was not read to its end inside the block, so its usage is "
                               "unknown; read it to the end before the block ends")
        return dict(customer=self.customer, event_type=self.event_type, id=self.event_id, data=self.data,
                    authorization_id=self.authorization.id, wallet=self.wallet,
                    costs=self.costs or None)

    def _finish(self) -> None:
        if self._token is not None:
            _current.reset(self._token)
            self._token = None

    @staticmethod
    def _keeps_hold(err: BaseException) -> bool:
        """After a failed record: keep the hold when the event may yet be (or have been) recorded."""
        if isinstance(err, UsageMissing):
            return False
        return isinstance(err, Unavailable) or not isinstance(err, TollgateError)


class Meter(_MeterBase):
    """One piece of costly work, metered: a ``with`` block or a decorator.

    On entry the customer is authorized for ``estimate`` (the event data you
    expect, priced by the product of ``event_type``) or for ``amount`` of
    ``asset``; a decline raises :class:`~tollgate.errors.DeclinedError`
    before the work. The body reports usage (:meth:`record`, :meth:`openai`,
    :meth:`anthropic`, the stream wrappers). On a normal exit the usage is
    recorded as one event with the authorization: priced, debited, the hold
    settled. When the body raises, the hold is voided and the exception goes
    on.

    ``idempotency_key`` (default: a new ``mtr_…``) is the authorization's key
    and the event's id, so running the same work again with the same key
    (a retried request) holds once and is charged once. Use your request id.
    After a decline, use a new key: the same one answers the same decline.

    As a decorator, ``customer``, ``estimate`` and ``idempotency_key`` may be
    callables taking the function's arguments, and ``usage`` reads the
    usage from its return value (e.g. ``tollgate.openai_usage``); without
    it, the function reports through :func:`current_meter`.
    """

    _client: "Tollgate"

    def __enter__(self) -> "Meter":
        params = self._start()
        try:
            auth = self._client.authorize(**params)
        except BaseException:
            self._finish()
            raise
        self._check(auth)
        return self

    def __exit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> None:
        try:
            if exc is not None:
                self._void(exc)
                return
            self.send()
        finally:
            self._finish()

    def _void(self, cause: BaseException) -> None:
        assert self.authorization is not None
        try:
            self._client.void_authorization(self.authorization.id)
        except Exception as e:  # the body's error is the one to raise
            if hasattr(cause, "add_note"):
                cause.add_note(f"tollgate: voiding authorization {self.authorization.id} failed too: {e}")

    def send(self) -> Event:
        """Record the usage now (the block's exit does it). Idempotent by :attr:`event_id`.

        Call it again after an :class:`~tollgate.errors.Unavailable`
        (or ``OutcomeUnknown``) to finish recording: it is charged once.
        """
        try:
            self.event = self._client.record_event(**self._event_params())
        except BaseException as e:
            if not self._keeps_hold(e):
                self._void(e)
            raise
        return self.event

    def __call__(self, fn: F) -> F:
        if inspect.iscoroutinefunction(fn):
            raise TypeError(f"{fn.__name__} is async: meter it with AsyncTollgate(...).meter")

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._bind(args, kwargs) as m:
                result = fn(*args, **kwargs)
                if m.usage_reader is not None:
                    m.record(m.usage_reader(result))
                return result

        return wrapper  # type: ignore[return-value]


class AsyncMeter(_MeterBase):
    """:class:`Meter` for asyncio: ``async with`` or a decorator of ``async def`` functions."""

    _client: "AsyncTollgate"

    async def __aenter__(self) -> "AsyncMeter":
        params = self._start()
        try:
            auth = await self._client.authorize(**params)
        except BaseException:
            self._finish()
            raise
        self._check(auth)
        return self

    async def __aexit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> None:
        try:
            if exc is not None:
                await self._void(exc)
                return
            await self.send()
        finally:
            self._finish()

    async def _void(self, cause: BaseException) -> None:
        assert self.authorization is not None
        try:
            await self._client.void_authorization(self.authorization.id)
        except Exception as e:
            if hasattr(cause, "add_note"):
                cause.add_note(f"tollgate: voiding authorization {self.authorization.id} failed too: {e}")

    async def send(self) -> Event:
        """Record the usage now; see :meth:`Meter.send`."""
        try:
            self.event = await self._client.record_event(**self._event_params())
        except BaseException as e:
            if not self._keeps_hold(e):
                await self._void(e)
            raise
        return self.event

    def __call__(self, fn: F) -> F:
        if not inspect.iscoroutinefunction(fn):
            raise TypeError(f"{fn.__name__} is not async: meter it with Tollgate(...).meter")

        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            async with self._bind(args, kwargs) as m:
                result = await fn(*args, **kwargs)
                if m.usage_reader is not None:
                    m.record(m.usage_reader(result))
                return result

        return wrapper  # type: ignore[return-value]
