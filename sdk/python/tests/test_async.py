# SPDX-License-Identifier: Apache-2.0
"""The same story through AsyncTollgate: async with, the async decorator, async streams."""

from __future__ import annotations

import asyncio
import unittest

import fakes
import support
import tollgate
from support import expected_cost
from tollgate import DeclinedError

ESTIMATE = tollgate.token_usage("claude-sonnet-4", 1000, 500)


class Boom(Exception):
    pass


class AsyncMeter(support.ServerTest):
    def setUp(self):
        super().setUp()
        url, key = support.server()
        self.atg = tollgate.AsyncTollgate(key, url)
        self.addCleanup(self.atg.sync.close)

    def run_async(self, coro):
        return asyncio.run(coro)

    def test_async_client_methods(self):
        async def go():
            c = await self.atg.get_customer(self.customer.external_id)
            w = await self.atg.get_wallet(c.id)
            return c, w

        c, w = self.run_async(go())
        self.assertEqual(c.id, self.customer.id)
        self.assertEqual(w.id, self.customer.default_wallet_id)
        self.assertTrue(asyncio.iscoroutinefunction(tollgate.AsyncTollgate.record_event))

    def test_anthropic_message_stream_debits_exactly(self):
        before = self.total()

        async def go():
            async with self.atg.meter(self.customer.external_id, self.event_type, estimate=ESTIMATE) as m:
                async for _ in m.aanthropic_stream(fakes.AsyncList(
                        fakes.message_events("one two three four", input_tokens=250, cache_read=2000))):
                    pass
            return m

        m = self.run_async(go())
        want = expected_cost("claude-sonnet-4", input_tokens=250, output_tokens=4, cached_input_tokens=2000,
                             cache_write_tokens=50)
        self.assertEqual(m.event.total("USD"), want)
        self.assertEqual(before - self.total(), want)

    def test_concurrent_meters(self):
        before = self.total()

        async def one(i):
            async with self.atg.meter(self.customer.external_id, self.event_type, estimate=ESTIMATE) as m:
                await asyncio.sleep(0)  # yield to the other tasks mid-work
                m.anthropic(fakes.message("w " * (i + 1), input_tokens=100, cache_read=0, cache_write=0))
            return m.event

        async def go():
            return await asyncio.gather(*(one(i) for i in range(5)))

        events = self.run_async(go())
        self.assertEqual(len({e.id for e in events}), 5)
        want = sum(expected_cost("claude-sonnet-4", input_tokens=100, output_tokens=i + 1) for i in range(5))
        self.assertEqual(before - self.total(), want)

    def test_exception_voids_and_decline_raises_first(self):
        before = self.total()

        async def fails():
            async with self.atg.meter(self.customer.external_id, self.event_type, estimate=ESTIMATE) as m:
                self.meter_seen = m
                raise Boom()

        with self.assertRaises(Boom):
            self.run_async(fails())
        self.assertEqual(self.tg.get_authorization(self.meter_seen.authorization.id).status, "voided")
        self.assertEqual(self.total(), before)

        poor = self.tg.create_customer(support.unique("poor"))
        ran = []

        async def declined():
            async with self.atg.meter(poor.external_id, self.event_type, estimate=ESTIMATE):
                ran.append(True)

        with self.assertRaises(DeclinedError) as cm:
            self.run_async(declined())
        self.assertEqual(ran, [])
        self.assertEqual(cm.exception.decline_reason, "insufficient_funds")

    def test_async_decorator_and_retried_record(self):
        key = support.unique("areq")

        @self.atg.meter(customer=lambda user: user, event_type=self.event_type, estimate=ESTIMATE,
                        idempotency_key=key, usage=tollgate.anthropic_usage)
        async def answer(user):
            await asyncio.sleep(0)
            return fakes.message("sure", input_tokens=40, cache_read=0, cache_write=0)

        before = self.total()

        async def go():
            await answer(self.customer.external_id)
            await answer(self.customer.external_id)  # a retried request: the same key

        self.run_async(go())
        self.assertEqual(before - self.total(), expected_cost("claude-sonnet-4", input_tokens=40, output_tokens=1))
        self.assertTrue(self.tg.get_authorization(self.tg.get_event(key).authorization_id).status == "captured")

    def test_openai_async_stream(self):
        before = self.total()

        async def go():
            async with self.atg.meter(self.customer.external_id, self.event_type,
                                      estimate=tollgate.token_usage("gpt-4o-mini", 100, 100)) as m:
                return [c async for c in m.aopenai_stream(fakes.AsyncList(fakes.chat_chunks("a b", prompt=60)))], m

        chunks, m = self.run_async(go())
        self.assertEqual(len(chunks), 4)
        self.assertEqual(before - self.total(), expected_cost("gpt-4o-mini", input_tokens=60, output_tokens=2))


if __name__ == "__main__":
    unittest.main()
