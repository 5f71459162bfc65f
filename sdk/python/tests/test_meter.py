# SPDX-License-Identifier: Apache-2.0
"""The metering story against the real server, with stand-ins for the OpenAI and Anthropic answers.

Each test checks the wallet, not only what the SDK says: the debit must be
exactly the reported tokens at the prices set up (support.RATES), computed
here by hand.
"""

from __future__ import annotations

import unittest
from decimal import Decimal

import fakes
import support
import tollgate
from support import expected_cost
from tollgate import DeclinedError, NotFound, UsageMissing

ESTIMATE = tollgate.token_usage("gpt-4o-mini", 2000, 1000)


class Boom(Exception):
    pass


class Meter(support.ServerTest):
    def meter(self, **kw):
        kw.setdefault("estimate", ESTIMATE)
        return self.tg.meter(self.customer.external_id, self.event_type, **kw)

    def test_openai_chat_completion_debits_exactly_the_tokens(self):
        before = self.total()
        with self.meter() as m:
            self.assertEqual(m.authorization.status, "active")
            self.assertEqual(self.tg.get_wallet(self.customer.external_id).balance("USD").held, m.authorization.amount)
            answer = m.openai(fakes.chat_completion("the answer is forty two", prompt=1200, cached=200))
        self.assertEqual(answer.choices[0].message.content, "the answer is forty two")
        want = expected_cost("gpt-4o-mini", input_tokens=1000, cached_input_tokens=200, output_tokens=5)
        self.assertEqual(m.event.total("USD"), want)
        self.assertEqual(before - self.total(), want)
        self.assertEqual(m.event.id, m.key)
        self.assertEqual(m.event.settlement.status, "captured")
        self.assertEqual(self.tg.get_authorization(m.authorization.id).status, "captured")
        self.assertEqual(self.tg.get_wallet(self.customer.external_id).balance("USD").held, 0)

    def test_openai_stream_and_responses_api(self):
        before = self.total()
        with self.meter() as m:
            text = "".join(c.choices[0].delta.content or "" for c in
                           m.openai_stream(fakes.chat_chunks("one two three", prompt=800, cached=0)) if c.choices)
        self.assertEqual(text.split(), ["one", "two", "three"])
        with self.meter() as r:
            for _ in r.openai_stream(fakes.response_events("a b c d", input_tokens=500, cached=100)):
                pass
        want = (expected_cost("gpt-4o-mini", input_tokens=800, output_tokens=3)
                + expected_cost("gpt-4o-mini", input_tokens=400, cached_input_tokens=100, output_tokens=4))
        self.assertEqual(before - self.total(), want)

    def test_anthropic_message_and_stream_with_cache_tokens(self):
        before = self.total()
        with self.meter(estimate=tollgate.token_usage("claude-sonnet-4", 1000, 500)) as m:
            m.anthropic(fakes.message("hello there", input_tokens=400, cache_read=1000, cache_write=200))
        with self.meter(estimate=tollgate.token_usage("claude-sonnet-4", 1000, 500)) as s:
            for _ in s.anthropic_stream(fakes.message_events("a b c d e f", input_tokens=300, cache_write=50)):
                pass
        self.assertEqual(s.event.data["output_tokens"], 6, "the deltas' cumulative count replaces, never adds")
        want = (expected_cost("claude-sonnet-4", input_tokens=400, output_tokens=2, cached_input_tokens=1000,
                              cache_write_tokens=200)
                + expected_cost("claude-sonnet-4", input_tokens=300, output_tokens=6, cache_write_tokens=50))
        self.assertEqual(before - self.total(), want)

    def test_an_exception_voids_the_hold_and_charges_nothing(self):
        before = self.total()
        with self.assertRaises(Boom):
            with self.meter() as m:
                self.assertLess(self.available(), before)  # the hold is there while the work runs
                raise Boom("the model call failed")
        self.assertEqual(self.tg.get_authorization(m.authorization.id).status, "voided")
        self.assertEqual(self.total(), before)
        self.assertEqual(self.available(), before)
        with self.assertRaises(NotFound):
            self.tg.get_event(m.event_id)

    def test_a_stream_without_usage_voids_instead_of_guessing(self):
        before = self.total()
        with self.assertRaises(UsageMissing):
            with self.meter() as m:
                for _ in m.openai_stream(fakes.chat_chunks("x y", include_usage=False)):
                    pass
        self.assertEqual(self.tg.get_authorization(m.authorization.id).status, "voided")
        self.assertEqual(self.total(), before)

    def test_a_stream_left_unread_voids_instead_of_guessing(self):
        before = self.total()
        with self.assertRaisesRegex(UsageMissing, "read it to the end"):
            with self.meter() as m:
                for chunk in m.openai_stream(fakes.chat_chunks("x y z")):
                    break  # e.g. the user went away
        self.assertEqual(self.tg.get_authorization(m.authorization.id).status, "voided")
        self.assertEqual(self.total(), before)

    def test_a_decline_raises_before_the_work(self):
        poor = self.tg.create_customer(support.unique("poor"))
        self.tg.gift(poor.external_id, "USD", "0.0001")
        ran = []
        with self.assertRaises(DeclinedError) as cm:
            with self.tg.meter(poor.external_id, self.event_type, estimate=ESTIMATE):
                ran.append(True)
        self.assertEqual(ran, [])
        e = cm.exception
        self.assertEqual(e.decline_reason, "insufficient_funds")
        self.assertEqual(e.required, expected_cost("gpt-4o-mini", input_tokens=2000, output_tokens=1000))
        self.assertEqual(e.shortfall, e.required - Decimal("0.0001"))
        self.assertEqual(e.authorization.status, "declined")
        self.assertEqual(self.total(poor.external_id), Decimal("0.0001"))

    def test_a_retried_record_is_charged_once(self):
        before = self.total()
        with self.meter() as m:
            m.openai(fakes.chat_completion("a b c"))
        again = m.send()  # e.g. after an OutcomeUnknown: the same event id
        self.assertTrue(again.replayed)
        self.assertEqual(again.id, m.event.id)
        self.assertEqual(before - self.total(), m.event.total("USD"))

    def test_a_retried_request_with_the_same_key_is_charged_once(self):
        before = self.total()
        key = support.unique("req")
        events = []
        for _ in range(2):  # the whole request handler runs twice (a client retry)
            with self.meter(idempotency_key=key) as m:
                m.openai(fakes.chat_completion("a b c"))
            events.append(m.event)
        self.assertEqual(events[0].id, key)
        self.assertEqual(events[1].id, key)
        self.assertTrue(events[1].replayed)
        self.assertEqual(before - self.total(), events[0].total("USD"))

    def test_usage_of_several_calls_adds_up(self):
        before = self.total()
        with self.meter() as m:
            m.openai(fakes.chat_completion("a b", prompt=100, cached=0))
            m.openai(fakes.chat_completion("c d e", prompt=50, cached=0))
        self.assertEqual(m.event.data["input_tokens"], 150)
        self.assertEqual(m.event.data["output_tokens"], 5)
        self.assertEqual(before - self.total(), expected_cost("gpt-4o-mini", input_tokens=150, output_tokens=5))

    def test_decorator(self):
        calls = []

        @self.tg.meter(customer=lambda user, prompt: user, event_type=self.event_type, estimate=ESTIMATE,
                       idempotency_key=lambda user, prompt: f"dec-{prompt}", usage=tollgate.openai_usage)
        def answer(user, prompt):
            calls.append(prompt)
            return fakes.chat_completion("fine thanks", prompt=30, cached=0)

        before = self.total()
        p = support.unique("hello")
        self.assertEqual(answer(self.customer.external_id, p).choices[0].message.content, "fine thanks")
        answer(self.customer.external_id, p)  # the same key: charged once
        self.assertEqual(calls, [p, p])
        self.assertEqual(before - self.total(), expected_cost("gpt-4o-mini", input_tokens=30, output_tokens=2))
        self.assertEqual(self.tg.get_event(f"dec-{p}").data["output_tokens"], 2)

    def test_decorator_reporting_through_current_meter(self):
        @self.tg.meter(customer=self.customer.external_id, event_type=self.event_type, estimate=ESTIMATE)
        def work():
            tollgate.current_meter().record(tollgate.token_usage("unlisted-model", 10, 10))

        before = self.total()
        work()
        self.assertEqual(before - self.total(), expected_cost("unlisted-model", input_tokens=10, output_tokens=10))

    def test_a_record_the_server_refuses_voids_the_hold(self):
        before = self.total()
        with self.assertRaises(tollgate.Invalid) as cm:
            with self.meter() as m:
                m.record(model="gpt-4o-mini")  # no token counts: the prices cannot read them
        self.assertTrue(cm.exception.field.startswith("data."))
        self.assertEqual(self.tg.get_authorization(m.authorization.id).status, "voided")
        self.assertEqual(self.total(), before)


if __name__ == "__main__":
    unittest.main()
