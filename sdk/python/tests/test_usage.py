# SPDX-License-Identifier: Apache-2.0
"""The usage readers on stand-ins shaped like the official SDKs' answers (no server)."""

from __future__ import annotations

import asyncio
import unittest

import support  # noqa: F401  (puts the package on sys.path)
import fakes
import tollgate
from tollgate import AnthropicStreamUsage, OpenAIStreamUsage, UsageMissing, anthropic_usage, openai_usage


class OpenAIUsage(unittest.TestCase):
    def test_chat_completion(self):
        got = openai_usage(fakes.chat_completion("one two three", prompt=1200, cached=200))
        want = {"model": "gpt-4o-mini", "input_tokens": 1000, "output_tokens": 3, "cached_input_tokens": 200,
                "cache_write_tokens": 0, "total_tokens": 1203}
        self.assertEqual(got, want)

    def test_chat_completion_as_dict(self):
        # The raw JSON (or .model_dump()) reads the same.
        c = fakes.chat_completion("one two three", prompt=1200, cached=200)
        self.assertEqual(openai_usage(fakes.to_dict(c)), openai_usage(c))

    def test_no_details_is_no_cache(self):
        c = fakes.chat_completion("a b")
        c.usage.prompt_tokens_details = None
        self.assertEqual(openai_usage(c)["cached_input_tokens"], 0)
        self.assertEqual(openai_usage(c)["input_tokens"], 1200)

    def test_responses_api(self):
        got = openai_usage(fakes.response("a b c d", input_tokens=500, cached=100))
        self.assertEqual(got, {"model": "gpt-4o-mini", "input_tokens": 400, "output_tokens": 4,
                               "cached_input_tokens": 100, "cache_write_tokens": 0, "total_tokens": 504})

    def test_model_override(self):
        self.assertEqual(openai_usage(fakes.chat_completion("a"), model="my-deployment")["model"], "my-deployment")

    def test_missing_usage_raises(self):
        c = fakes.chat_completion("a")
        c.usage = None
        with self.assertRaises(UsageMissing):
            openai_usage(c)

    def test_chat_stream_takes_the_usage_chunk(self):
        acc = OpenAIStreamUsage()
        text = "".join(ch.choices[0].delta.content or "" for ch in acc.wrap(fakes.chat_chunks("x y z w", prompt=800, cached=300))
                       if ch.choices)
        self.assertEqual(text.split(), ["x", "y", "z", "w"])
        self.assertEqual(acc.usage, {"model": "gpt-4o-mini", "input_tokens": 500, "output_tokens": 4,
                                     "cached_input_tokens": 300, "cache_write_tokens": 0, "total_tokens": 804})

    def test_chat_stream_without_usage_chunk_raises(self):
        acc = OpenAIStreamUsage()
        list(acc.wrap(fakes.chat_chunks("x y", include_usage=False)))
        with self.assertRaisesRegex(UsageMissing, "include_usage"):
            acc.usage

    def test_responses_stream(self):
        acc = OpenAIStreamUsage()
        list(acc.wrap(fakes.response_events("a b c", input_tokens=50, cached=0)))
        self.assertEqual(acc.usage["input_tokens"], 50)
        self.assertEqual(acc.usage["output_tokens"], 3)

    def test_async_stream(self):
        acc = OpenAIStreamUsage()

        async def drain():
            return [c async for c in acc.awrap(fakes.AsyncList(fakes.chat_chunks("p q", prompt=10)))]

        asyncio.run(drain())
        self.assertEqual(acc.usage["output_tokens"], 2)
        self.assertEqual(acc.usage["input_tokens"], 10)


class AnthropicUsage(unittest.TestCase):
    def test_message(self):
        got = anthropic_usage(fakes.message("a b c", input_tokens=400, cache_read=1000, cache_write=200))
        self.assertEqual(got, {"model": "claude-sonnet-4", "input_tokens": 400, "output_tokens": 3,
                               "cached_input_tokens": 1000, "cache_write_tokens": 200, "total_tokens": 1603})

    def test_message_as_dict(self):
        m = fakes.message("a b c")
        self.assertEqual(anthropic_usage(fakes.to_dict(m)), anthropic_usage(m))

    def test_null_cache_counts(self):
        m = fakes.message("a")
        m.usage.cache_creation_input_tokens = None
        m.usage.cache_read_input_tokens = None
        self.assertEqual(anthropic_usage(m)["cache_write_tokens"], 0)

    def test_stream_delta_replaces_output(self):
        # message_start says output 1; the deltas say 2 then 5 (cumulative): 5, not 8.
        acc = AnthropicStreamUsage()
        list(acc.wrap(fakes.message_events("a b c d e", input_tokens=300, cache_write=50)))
        self.assertEqual(acc.usage, {"model": "claude-sonnet-4", "input_tokens": 300, "output_tokens": 5,
                                     "cached_input_tokens": 0, "cache_write_tokens": 50, "total_tokens": 355})

    def test_stream_as_dicts(self):
        acc = AnthropicStreamUsage()
        list(acc.wrap([fakes.to_dict(e) for e in fakes.message_events("a b", input_tokens=7)]))
        self.assertEqual((acc.usage["input_tokens"], acc.usage["output_tokens"]), (7, 2))

    def test_empty_stream_raises(self):
        acc = AnthropicStreamUsage()
        with self.assertRaises(UsageMissing):
            acc.usage


class TokenPrices(unittest.TestCase):
    def test_one_dimensional_price_per_count(self):
        prices = tollgate.token_prices({"m": {"input": "1", "output": "2"}})
        self.assertEqual([p["field"] for p in prices],
                         ["input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens"])
        self.assertEqual([p["rates"][0]["amount"] for p in prices], ["1", "0", "0", "2"])
        self.assertTrue(all(p["dimensions"] == ["model"] and p["block_size"] == "1000000" for p in prices))


if __name__ == "__main__":
    unittest.main()
