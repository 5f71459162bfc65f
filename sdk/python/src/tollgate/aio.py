# SPDX-License-Identifier: Apache-2.0
"""The asyncio client.

:class:`AsyncTollgate` has every method of :class:`~tollgate.client.Tollgate`
as a coroutine. Each call runs the synchronous client in a worker thread with
:func:`asyncio.to_thread`: the standard library has no asyncio HTTP client, and
this keeps one implementation of the transport, the retries and the
idempotency keys. The event loop never blocks (a retry's wait sleeps in the
worker); concurrent calls are bounded by the loop's default executor
(``min(32, cpus + 4)`` threads), each thread keeping its own connection.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from typing import Any, Callable

from .client import Tollgate
from .meter import AsyncMeter

__all__ = ["AsyncTollgate"]

# Methods of Tollgate that are not calls to the API.
_LOCAL = {"meter", "close"}


class AsyncTollgate:
    """Tollgate's client for asyncio: the same arguments and methods as :class:`Tollgate`, awaited.

    ``await tg.authorize(…)``, ``await tg.record_event(…)``, and
    ``async with tg.meter(…) as m`` (an :class:`~tollgate.meter.AsyncMeter`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sync = Tollgate(*args, **kwargs)

    def __repr__(self) -> str:
        return f"AsyncTollgate(base_url={self.sync.base_url!r})"

    @property
    def base_url(self) -> str:
        return self.sync.base_url

    def meter(self, customer: Any, event_type: str, **options: Any) -> AsyncMeter:
        """:meth:`Tollgate.meter` for ``async with`` blocks and ``async def`` functions."""
        return AsyncMeter(self, customer, event_type, **options)

    async def close(self) -> None:
        self.sync.close()

    async def __aenter__(self) -> "AsyncTollgate":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


def _async(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def call(self: AsyncTollgate, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(getattr(self.sync, name), *args, **kwargs)

    return call


# One async twin per API method of Tollgate, derived from the class itself so
# that a method added there is here too.
for _name, _fn in inspect.getmembers(Tollgate, inspect.isfunction):
    if not _name.startswith("_") and _name not in _LOCAL:
        setattr(AsyncTollgate, _name, _async(_name, _fn))
del _name, _fn
