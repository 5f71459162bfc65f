// SPDX-License-Identifier: Apache-2.0
//
// A chat endpoint billed per token. POST /chat {"customer", "message"} answers
// {"reply", "billed"} (the usage recorded), or 402 when the customer's wallet
// cannot cover the estimate, before the model is asked. Send an
// Idempotency-Key header to make a retried request bill once.
//
//   TOLLGATE_URL, TOLLGATE_API_KEY  the Tollgate server and a key
//   OPENAI_API_KEY (OPENAI_BASE_URL)  the model provider
//   PORT                            where to listen (default 3000; 0: any free port)
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import OpenAI from "openai";
import { DeclinedError, Tollgate, TollgateError, meteredOpenAI } from "@tollgate/sdk";

const tollgate = new Tollgate();
const openai = new OpenAI();
const model = process.env.CHAT_MODEL ?? "gpt-4o-mini";

async function chat({ customer, message }, requestId) {
  let billed;
  const answer = await tollgate.meter(
    {
      customer,
      eventType: "llm.tokens",
      idempotencyKey: requestId,
      // The most one answer may cost: the prompt's size and the answer's cap.
      estimate: { model, input_tokens: 4000, output_tokens: 1000 },
    },
    async (hold) => {
      const completion = await meteredOpenAI(openai, hold).chat.completions.create({
        model,
        messages: [{ role: "user", content: message }],
        max_completion_tokens: 1000,
      });
      billed = hold.data;
      return completion;
    },
  );
  return { reply: answer.choices[0].message.content, billed };
}

const server = createServer(async (req, res) => {
  const send = (status, body) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  if (req.method !== "POST" || req.url !== "/chat") return send(404, { error: "POST /chat" });
  let body;
  try {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    body = JSON.parse(raw);
  } catch {
    return send(400, { error: "send JSON: {\"customer\": \"…\", \"message\": \"…\"}" });
  }
  if (typeof body?.customer !== "string" || typeof body?.message !== "string") {
    return send(400, { error: "send JSON: {\"customer\": \"…\", \"message\": \"…\"}" });
  }
  try {
    send(200, await chat(body, req.headers["idempotency-key"] ?? randomUUID()));
  } catch (err) {
    if (err instanceof DeclinedError) {
      return send(402, { error: err.reason, required: err.required, available: err.available, shortfall: err.shortfall });
    }
    console.error(err instanceof TollgateError ? `tollgate: ${err.code}: ${err.message}` : err);
    send(502, { error: "the answer could not be made or billed; retry with the same Idempotency-Key" });
  }
});

server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${server.address().port}`);
});
process.on("SIGINT", () => server.close());
process.on("SIGTERM", () => server.close());
