# SPDX-License-Identifier: Apache-2.0
"""Stand-ins for the official SDKs' answers, shaped like openai's and anthropic's pydantic objects.

Plain attribute objects (the readers never import either SDK), with the
field names and nesting of openai.types.chat.ChatCompletion / ChatCompletionChunk,
openai.types.responses.Response and its stream events, and
anthropic.types.Message and its raw stream events.
"""

from __future__ import annotations

from types import SimpleNamespace as NS
from typing import Any, Iterator, List


def _words(text: str) -> int:
    return len(text.split())


# ---- OpenAI chat completions ---------------------------------------------------

def openai_usage_obj(prompt: int, completion: int, cached: int = 0) -> NS:
    return NS(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion,
              prompt_tokens_details=NS(cached_tokens=cached, audio_tokens=0),
              completion_tokens_details=NS(reasoning_tokens=0, audio_tokens=0,
                                           accepted_prediction_tokens=0, rejected_prediction_tokens=0))


def chat_completion(text: str, *, model: str = "gpt-4o-mini", prompt: int = 1200, cached: int = 200) -> NS:
    return NS(id="chatcmpl-1", object="chat.completion", created=1_700_000_000, model=model,
              system_fingerprint="fp_1",
              choices=[NS(index=0, finish_reason="stop", logprobs=None,
                          message=NS(role="assistant", content=text, refusal=None, tool_calls=None))],
              usage=openai_usage_obj(prompt, _words(text), cached))


def chat_chunks(text: str, *, model: str = "gpt-4o-mini", prompt: int = 800, cached: int = 0,
                include_usage: bool = True) -> Iterator[NS]:
    """What chat.completions.create(stream=True, stream_options={"include_usage": True}) yields."""
    words = text.split()
    for i, w in enumerate(words):
        yield NS(id="chatcmpl-2", object="chat.completion.chunk", created=1_700_000_000, model=model,
                 choices=[NS(index=0, delta=NS(role="assistant" if i == 0 else None, content=w + " "),
                             finish_reason=None)], usage=None)
    yield NS(id="chatcmpl-2", object="chat.completion.chunk", created=1_700_000_000, model=model,
             choices=[NS(index=0, delta=NS(role=None, content=None), finish_reason="stop")], usage=None)
    if include_usage:
        yield NS(id="chatcmpl-2", object="chat.completion.chunk", created=1_700_000_000, model=model,
                 choices=[], usage=openai_usage_obj(prompt, len(words), cached))


# ---- OpenAI Responses API --------------------------------------------------------

def response(text: str, *, model: str = "gpt-4o-mini", input_tokens: int = 500, cached: int = 100) -> NS:
    out = _words(text)
    return NS(id="resp_1", object="response", model=model, status="completed",
              output=[NS(type="message", role="assistant", content=[NS(type="output_text", text=text)])],
              usage=NS(input_tokens=input_tokens, input_tokens_details=NS(cached_tokens=cached),
                       output_tokens=out, output_tokens_details=NS(reasoning_tokens=0),
                       total_tokens=input_tokens + out))


def response_events(text: str, **kw: Any) -> Iterator[NS]:
    final = response(text, **kw)
    yield NS(type="response.created", sequence_number=0,
             response=NS(id=final.id, model=final.model, status="in_progress", usage=None))
    for i, w in enumerate(text.split()):
        yield NS(type="response.output_text.delta", sequence_number=i + 1, delta=w + " ")
    yield NS(type="response.completed", sequence_number=99, response=final)


# ---- Anthropic messages ----------------------------------------------------------

def message(text: str, *, model: str = "claude-sonnet-4", input_tokens: int = 400, cache_read: int = 1000,
            cache_write: int = 200) -> NS:
    return NS(id="msg_1", type="message", role="assistant", model=model,
              content=[NS(type="text", text=text)], stop_reason="end_turn", stop_sequence=None,
              usage=NS(input_tokens=input_tokens, output_tokens=_words(text),
                       cache_creation_input_tokens=cache_write, cache_read_input_tokens=cache_read,
                       service_tier="standard"))


def message_events(text: str, *, model: str = "claude-sonnet-4", input_tokens: int = 300, cache_read: int = 0,
                   cache_write: int = 50) -> List[NS]:
    """What messages.create(stream=True) yields: the output count in message_delta is cumulative."""
    words = text.split()
    events = [NS(type="message_start", message=NS(
        id="msg_2", type="message", role="assistant", model=model, content=[], stop_reason=None,
        usage=NS(input_tokens=input_tokens, output_tokens=1, cache_creation_input_tokens=cache_write,
                 cache_read_input_tokens=cache_read)))]
    events.append(NS(type="content_block_start", index=0, content_block=NS(type="text", text="")))
    for w in words:
        events.append(NS(type="content_block_delta", index=0, delta=NS(type="text_delta", text=w + " ")))
    events.append(NS(type="content_block_stop", index=0))
    half = len(words) // 2
    events.append(NS(type="message_delta", delta=NS(stop_reason=None), usage=NS(output_tokens=half)))
    events.append(NS(type="message_delta", delta=NS(stop_reason="end_turn"), usage=NS(output_tokens=len(words))))
    events.append(NS(type="message_stop"))
    return events


def to_dict(o: Any) -> Any:
    """The same answer as plain JSON (what .model_dump() or the raw HTTP body gives)."""
    if isinstance(o, NS):
        return {k: to_dict(v) for k, v in vars(o).items()}
    if isinstance(o, list):
        return [to_dict(x) for x in o]
    return o


class AsyncList:
    """An async iterator over items, like the async SDKs' streams."""

    def __init__(self, items: Any) -> None:
        self._it = iter(list(items))

    def __aiter__(self) -> "AsyncList":
        return self

    async def __anext__(self) -> Any:
        try:
            return next(self._it)
        except StopIteration:
            raise StopAsyncIteration from None


# ---- the SDK clients, for running the docs' examples as written ------------------

class _Completions:
    def __init__(self, calls: list) -> None:
        self.calls = calls

    def create(self, *, model: str, messages: list, stream: bool = False, **kw: Any) -> Any:
        self.calls.append({"model": model, "messages": messages, "stream": stream, **kw})
        text = "echo: " + str(messages[-1]["content"])
        if stream:
            include = bool((kw.get("stream_options") or {}).get("include_usage"))
            return chat_chunks(text, model=model, prompt=20 * len(messages), include_usage=include)
        return chat_completion(text, model=model, prompt=20 * len(messages), cached=0)


class _Messages:
    def __init__(self, calls: list) -> None:
        self.calls = calls

    def create(self, *, model: str, messages: list, max_tokens: int, stream: bool = False, **kw: Any) -> Any:
        self.calls.append({"model": model, "messages": messages, "stream": stream, **kw})
        text = "echo: " + str(messages[-1]["content"])
        if stream:
            return iter(message_events(text, model=model, input_tokens=20 * len(messages), cache_write=0))
        return message(text, model=model, input_tokens=20 * len(messages), cache_read=0, cache_write=0)


class OpenAI:
    """Stands in for openai.OpenAI: chat.completions.create answers an echo with usage."""

    calls: list = []

    def __init__(self, **kw: Any) -> None:
        self.chat = NS(completions=_Completions(OpenAI.calls))


class Anthropic:
    """Stands in for anthropic.Anthropic: messages.create answers an echo with usage."""

    calls: list = []

    def __init__(self, **kw: Any) -> None:
        self.messages = _Messages(Anthropic.calls)


class AsyncOpenAI:
    """Stands in for openai.AsyncOpenAI."""

    def __init__(self, **kw: Any) -> None:
        sync = _Completions(OpenAI.calls)

        async def create(**kw2: Any) -> Any:
            r = sync.create(**kw2)
            return AsyncList(r) if kw2.get("stream") else r

        self.chat = NS(completions=NS(create=create))


def install_sdk_standins() -> None:
    """Make ``from openai import OpenAI`` and ``from anthropic import Anthropic`` give the stand-ins."""
    import sys
    import types

    for name, attrs in (("openai", {"OpenAI": OpenAI, "AsyncOpenAI": AsyncOpenAI}), ("anthropic", {"Anthropic": Anthropic})):
        mod = types.ModuleType(name)
        mod.__dict__.update(attrs)
        mod.__dict__["__tollgate_standin__"] = True
        existing = sys.modules.get(name)
        if existing is not None and not getattr(existing, "__tollgate_standin__", False):
            raise RuntimeError(f"the real {name} package is imported; the docs tests use stand-ins")
        sys.modules[name] = mod
