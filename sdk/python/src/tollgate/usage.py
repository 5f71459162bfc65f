# SPDX-License-Identifier: Apache-2.0
"""Read token usage from OpenAI and Anthropic answers without importing their SDKs.

The readers are duck-typed: they read attributes (the official SDKs' pydantic
objects) or dict keys (raw JSON, ``.model_dump()``), so they work with any
version of ``openai`` or ``anthropic`` and with neither installed.

Every reader returns the same event data, the shape a product's prices read::

    {"model": "gpt-4o-mini",
     "input_tokens": 900,          # input billed at the full rate (cache reads excluded)
     "output_tokens": 250,         # output, reasoning included
     "cached_input_tokens": 100,   # input read from the provider's prompt cache
     "cache_write_tokens": 0,      # input written to the cache (Anthropic)
     "total_tokens": 1250}         # the four counts above, summed

Every count is always present (0 when the answer has none) because a
``per_volume`` or dimensional price whose field is missing from an event is an
error, not zero. The four counts do not overlap, so one price per count adds
up to the bill: OpenAI's ``prompt_tokens`` include the cached ones, which are
subtracted into ``cached_input_tokens``; Anthropic's ``input_tokens`` already
exclude cache reads and writes.
"""

from __future__ import annotations

from typing import Any, AsyncIterable, AsyncIterator, Dict, Iterable, Iterator, List, Mapping, Optional

__all__ = [
    "TOKEN_FIELDS", "token_prices", "UsageMissing", "openai_usage", "anthropic_usage",
    "OpenAIStreamUsage", "AnthropicStreamUsage", "token_usage",
]

#: The counts every reader returns, in the order prices usually list them.
TOKEN_FIELDS = ("input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens")


# The price names token_prices gives each count, and the keys of its rates.
_PRICE_KEYS = (("input", "input_tokens"), ("cached_input", "cached_input_tokens"),
               ("cache_write", "cache_write_tokens"), ("output", "output_tokens"))


def token_prices(models: Mapping[str, Mapping[str, Any]], *, asset: str = "USD",
                 per: int = 1_000_000) -> List[Dict[str, Any]]:
    """The prices of a product billed by the token, for the data the readers return.

    ``models`` maps a model name (or ``"*"`` for any other model) to its
    rates per ``per`` tokens: ``input``, ``output``, and optionally
    ``cached_input`` and ``cache_write`` (0 when absent)::

        token_prices({"gpt-4o-mini": {"input": "0.15", "cached_input": "0.075", "output": "0.60"},
                      "*": {"input": "3", "output": "15"}})

    gives four dimensional prices, one per count (``input_tokens``,
    ``cached_input_tokens``, ``cache_write_tokens``, ``output_tokens``), each
    choosing its rate by the event's ``model``: pass them to
    ``create_product(code, event_type, prices)``. An event whose model has no
    rate and no ``"*"`` fallback is refused, not priced at 0.
    """
    prices = []
    for key, fld in _PRICE_KEYS:
        rates = [{"values": {"model": m}, "amount": str(r.get(key, "0"))} for m, r in models.items()]
        prices.append({"name": key.replace("_", " ") + " tokens", "model": "dimensional", "asset": asset,
                       "field": fld, "block_size": str(per), "dimensions": ["model"], "rates": rates})
    return prices


class UsageMissing(ValueError):
    """An answer, or a whole stream, that reported no token usage."""


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _int(v: Any) -> int:
    if v is None or isinstance(v, bool):
        return 0
    try:
        return max(0, int(v))
    except (TypeError, ValueError):
        return 0


def token_usage(model: Optional[str], input_tokens: int = 0, output_tokens: int = 0,
                cached_input_tokens: int = 0, cache_write_tokens: int = 0) -> Dict[str, Any]:
    """Build the event data every reader returns, from counts you read yourself."""
    d: Dict[str, Any] = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cached_input_tokens": cached_input_tokens,
        "cache_write_tokens": cache_write_tokens,
        "total_tokens": input_tokens + output_tokens + cached_input_tokens + cache_write_tokens,
    }
    if model:
        d = {"model": str(model), **d}
    return d


def _openai_from_usage(u: Any, model: Optional[str]) -> Optional[Dict[str, Any]]:
    if u is None:
        return None
    if _get(u, "prompt_tokens") is not None or _get(u, "completion_tokens") is not None:
        # Chat completions (and their final streamed chunk).
        prompt = _int(_get(u, "prompt_tokens"))
        cached = min(prompt, _int(_get(_get(u, "prompt_tokens_details"), "cached_tokens")))
        return token_usage(model, prompt - cached, _int(_get(u, "completion_tokens")), cached)
    if _get(u, "input_tokens") is not None or _get(u, "output_tokens") is not None:
        # The Responses API.
        inp = _int(_get(u, "input_tokens"))
        cached = min(inp, _int(_get(_get(u, "input_tokens_details"), "cached_tokens")))
        return token_usage(model, inp - cached, _int(_get(u, "output_tokens")), cached)
    return None


def _openai_or_none(obj: Any, model: Optional[str] = None) -> Optional[Dict[str, Any]]:
    # A Responses API stream event (response.completed) wraps the response.
    inner = _get(obj, "response")
    if inner is not None and _get(obj, "usage") is None:
        obj = inner
    m = model or _get(obj, "model")
    found = _openai_from_usage(_get(obj, "usage"), m)
    if found is None:
        found = _openai_from_usage(obj, m)  # a bare usage object
    return found


def openai_usage(response: Any, *, model: Optional[str] = None) -> Dict[str, Any]:
    """Token usage of an OpenAI chat completion, Responses API response, or usage chunk.

    Reads ``usage.prompt_tokens / completion_tokens /
    prompt_tokens_details.cached_tokens`` (chat completions) or
    ``usage.input_tokens / output_tokens / input_tokens_details.cached_tokens``
    (responses). ``model`` defaults to the answer's ``model``. Raises
    :class:`UsageMissing` when the answer has no usage.
    """
    found = _openai_or_none(response, model)
    if found is None:
        raise UsageMissing("the OpenAI answer has no usage; for a stream, pass stream_options={\"include_usage\": True} "
                           "(chat completions) and read it with OpenAIStreamUsage")
    return found


def anthropic_usage(message: Any, *, model: Optional[str] = None) -> Dict[str, Any]:
    """Token usage of an Anthropic message (``messages.create``, or a stream's final message).

    Reads ``usage.input_tokens / output_tokens / cache_creation_input_tokens /
    cache_read_input_tokens``. Raises :class:`UsageMissing` when there is none.
    """
    u = _get(message, "usage")
    if u is None:
        raise UsageMissing("the Anthropic answer has no usage")
    return token_usage(model or _get(message, "model"), _int(_get(u, "input_tokens")),
                       _int(_get(u, "output_tokens")), _int(_get(u, "cache_read_input_tokens")),
                       _int(_get(u, "cache_creation_input_tokens")))


class OpenAIStreamUsage:
    """Collects usage from an OpenAI stream as you iterate it.

    Chat completions send usage in a last chunk (with empty ``choices``) only
    when asked: ``stream_options={"include_usage": True}``. The Responses API
    sends it in its ``response.completed`` event. Feed every chunk to
    :meth:`add`, or wrap the stream with :meth:`wrap` / :meth:`awrap`; then
    :attr:`usage` is the event data.
    """

    def __init__(self, model: Optional[str] = None) -> None:
        self._model = model
        self._seen_model: Optional[str] = None
        self._usage: Optional[Dict[str, Any]] = None

    def add(self, chunk: Any) -> None:
        m = _get(chunk, "model") or _get(_get(chunk, "response"), "model")
        if m:
            self._seen_model = str(m)
        if _get(chunk, "usage") is None and _get(_get(chunk, "response"), "usage") is None:
            return
        u = _openai_or_none(chunk, self._model or self._seen_model)
        if u is not None:
            self._usage = u

    @property
    def usage(self) -> Dict[str, Any]:
        """The stream's usage; raises :class:`UsageMissing` when no chunk carried it."""
        if self._usage is None:
            raise UsageMissing("the OpenAI stream ended without usage: pass "
                               "stream_options={\"include_usage\": True} to chat.completions.create")
        return self._usage

    def wrap(self, stream: Iterable[Any]) -> Iterator[Any]:
        for chunk in stream:
            self.add(chunk)
            yield chunk

    async def awrap(self, stream: AsyncIterable[Any]) -> AsyncIterator[Any]:
        async for chunk in stream:
            self.add(chunk)
            yield chunk


class AnthropicStreamUsage:
    """Collects usage from an Anthropic message stream as you iterate it.

    ``message_start`` carries the input counts (cache reads and writes
    included) and a first output count; each ``message_delta`` carries the
    output count so far, which replaces the previous one (it is cumulative,
    not an increment). Any count a delta carries replaces the start's.
    """

    def __init__(self, model: Optional[str] = None) -> None:
        self._model = model
        self._counts: Optional[Dict[str, int]] = None
        self._seen_model: Optional[str] = None

    _KEYS = {
        "input_tokens": "input_tokens",
        "output_tokens": "output_tokens",
        "cache_read_input_tokens": "cached_input_tokens",
        "cache_creation_input_tokens": "cache_write_tokens",
    }

    def add(self, event: Any) -> None:
        kind = _get(event, "type")
        if kind == "message_start":
            msg = _get(event, "message")
            if _get(msg, "model"):
                self._seen_model = str(_get(msg, "model"))
            u = _get(msg, "usage")
            self._counts = {ours: _int(_get(u, theirs)) for theirs, ours in self._KEYS.items()}
        elif kind == "message_delta":
            u = _get(event, "usage")
            if u is None:
                return
            if self._counts is None:
                self._counts = {ours: 0 for ours in self._KEYS.values()}
            for theirs, ours in self._KEYS.items():
                v = _get(u, theirs)
                if v is not None:
                    self._counts[ours] = _int(v)

    @property
    def usage(self) -> Dict[str, Any]:
        """The stream's usage; raises :class:`UsageMissing` when no usage event came."""
        if self._counts is None:
            raise UsageMissing("the Anthropic stream ended without a message_start or message_delta usage")
        c = self._counts
        return token_usage(self._model or self._seen_model, c["input_tokens"], c["output_tokens"],
                           c["cached_input_tokens"], c["cache_write_tokens"])

    def wrap(self, stream: Iterable[Any]) -> Iterator[Any]:
        for event in stream:
            self.add(event)
            yield event

    async def awrap(self, stream: AsyncIterable[Any]) -> AsyncIterator[Any]:
        async for event in stream:
            self.add(event)
            yield event
