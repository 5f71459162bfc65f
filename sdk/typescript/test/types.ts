// SPDX-License-Identifier: Apache-2.0
// Compiled by `tsc -p tsconfig.json` (never run): the declarations type what
// a TypeScript caller writes, and refuse what the API would refuse.
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { DeclinedError, Tollgate, meteredAnthropic, meteredOpenAI, type Authorization } from "../src/index.js";

export async function typed(tg: Tollgate, openai: OpenAI, anthropic: Anthropic): Promise<string> {
  const customer = await tg.createCustomer({ external_id: "user_123", email: "ada@example.com" });
  const id: string = customer.id;
  const wallet = await tg.getWallet(id, "default");
  const available: string | undefined = wallet.balances[0]?.available;
  const events = await tg.listEvents({ customer: id, limit: 10 });
  const first: string | undefined = events.data[0]?.id;
  const auth: Authorization = await tg.createAuthorization({ customer: id, event_type: "llm.tokens" });
  await tg.voidAuthorization(auth.id);

  // @ts-expect-error: external_id is the field; the API refuses unknown ones.
  await tg.createCustomer({ externalId: "user_123" });
  // @ts-expect-error: a wallet is addressed by customer and wallet.
  await tg.getWallet(id);

  const text = await tg.meter({ customer: id, eventType: "llm.tokens" }, async (hold) => {
    const c = await meteredOpenAI(openai, hold).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    const m = await meteredAnthropic(anthropic, hold).messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 10,
      messages: [{ role: "user", content: "hi" }],
    });
    return (c.choices[0]?.message.content ?? "") + m.id;
  });
  try {
    await tg.meter({ customer: id, eventType: "llm.tokens" }, () => 1);
  } catch (err) {
    if (err instanceof DeclinedError) return err.shortfall;
  }
  return `${available}${first}${text}`;
}
