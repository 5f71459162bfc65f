// Drives tollgate's MCP server with the TypeScript SDK over stdio and
// streamable HTTP, on the protocol era TOLLGATE_PROTOCOL names (sdks.mjs:
// 2025-11-25 with @modelcontextprotocol/sdk 1.x, the client inside Cursor,
// Claude Code and the MCP Inspector; 2026-07-28 with @modelcontextprotocol/client
// 2.x). For each transport: tools/list must parse (the SDK rejects the whole
// list on one bad schema), a call's structuredContent must validate against
// the tool's output schema (the SDK checks it with Ajv draft-07; we check
// 2020-12 too, as stricter clients do), and a tool error must carry no
// structured content; a gift, which waits for the user's yes, is asked
// about (declined: nothing moves; accepted: it moves once).
//
// Environment: TOLLGATE_BIN (the binary), TOLLGATE_DATABASE_URL (for stdio),
// TOLLGATE_MCP_URL and TOLLGATE_API_KEY (for HTTP). Prints one JSON line per
// transport; exits non-zero on the first failure.
import assert from "node:assert/strict";
import { connect, httpTransport, protocol, sdkName, stdioTransport } from "./sdks.mjs";
import Ajv from "ajv";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const validators = [new Ajv({ strict: false, allErrors: true }), new Ajv2020({ strict: false, allErrors: true })];
validators.forEach((ajv) => addFormats(ajv));

async function check(name, transport) {
  const client = await connect(transport, { name: "tollgate-tsclient-check" });
  assert.match(client.getInstructions() ?? "", /whoami/, "server instructions");

  const { tools } = await client.listTools();
  const byName = new Map(tools.map((t) => [t.name, t]));
  for (const want of ["whoami", "create_asset", "create_customer", "get_wallet", "create_adjustment", "create_product_price", "simulate_usage", "authorize_usage", "record_usage", "get_event"]) {
    assert.ok(byName.has(want), `tools/list lacks ${want}`);
  }
  for (const t of tools) {
    assert.equal(t.inputSchema.type, "object", `${t.name} input schema type`);
    assert.equal(t.outputSchema?.type, "object", `${t.name} output schema type`);
    assert.equal(t.annotations?.openWorldHint, false, `${t.name} openWorldHint`);
    // Every schema must compile in both dialects, as clients compile them.
    for (const ajv of validators) {
      for (const [dir, schema] of [["input", t.inputSchema], ["output", t.outputSchema]]) {
        try {
          ajv.compile(schema);
        } catch (e) {
          throw new Error(`${ajv.constructor.name}: ${t.name} ${dir} schema does not compile: ${e.message}`);
        }
      }
    }
  }
  const callValid = async (tool, args) => {
    const res = await client.callTool({ name: tool, arguments: args });
    assert.ok(!res.isError, `${tool} failed: ${JSON.stringify(res.content)}`);
    for (const ajv of validators) {
      const validate = ajv.compile(byName.get(tool).outputSchema);
      assert.ok(validate(res.structuredContent), `${ajv.constructor.name}: ${tool}: ${ajv.errorsText(validate.errors)}`);
    }
    return res.structuredContent;
  };

  const externalID = `ts-${name}-${Date.now()}`;
  // callTool validates structuredContent against the output schema itself.
  const res = await client.callTool({ name: "create_customer", arguments: { external_id: externalID, name: "TS check" } });
  assert.ok(!res.isError, `create_customer failed: ${JSON.stringify(res.content)}`);
  assert.equal(res.structuredContent?.customer?.external_id, externalID);
  assert.deepEqual(JSON.parse(res.content[0].text), res.structuredContent, "text content equals structuredContent");
  for (const ajv of validators) {
    const validate = ajv.compile(byName.get("create_customer").outputSchema);
    assert.ok(validate(res.structuredContent), `${ajv.constructor.name}: ${ajv.errorsText(validate.errors)}`);
  }

  const wallet = await client.callTool({ name: "get_wallet", arguments: { customer: externalID } });
  assert.ok(!wallet.isError, `get_wallet failed: ${JSON.stringify(wallet.content)}`);

  // The catalog and usage tools' results, a decline included, validate too.
  const code = `ts-${name}-${Date.now()}`;
  await callValid("create_product_price", {
    code,
    event_type: `${code}.used`,
    prices: [{ model: "tiered", asset: "USD", tier_mode: "graduated", tiers: [{ up_to: 10, unit_amount: "0.10" }, { unit_amount: "0.05" }] }],
  });
  const sim = await callValid("simulate_usage", { product: code });
  assert.equal(sim.totals.USD, "0.10", "simulate_usage total");
  const decline = await callValid("authorize_usage", { idempotency_key: `${code}-auth`, customer: externalID, amount: "1.00", asset: "USD" });
  assert.equal(decline.approved, false, "an unfunded customer is declined");
  const rec = await callValid("record_usage", { id: `${code}-evt`, customer: externalID, event_type: `${code}.used` });
  assert.equal(rec.results[0].status, "recorded");
  await callValid("get_event", { id: `${code}-evt` });
  await callValid("list_events", { customer: externalID });

  const err = await client.callTool({ name: "get_customer", arguments: { customer: "nobody" } });
  assert.equal(err.isError, true, "get_customer(nobody) is an error");
  assert.equal(err.structuredContent, undefined, "an error carries no structuredContent");
  assert.match(err.content[0].text, /create_customer/, "the error names the fix");

  // A gift waits for the user's yes: a client that declares elicitation asks
  // them (a multi round-trip result on 2026-07-28, elicitation/create before).
  const gift = (id) => ({ transaction_id: `${externalID}-${id}`, kind: "gift", customer: externalID, asset: "USD", amount: "1.50" });
  const asked = [];
  const available = async () => {
    const b = (await callValid("get_wallet", { customer: externalID })).wallet.balances.find((b) => b.asset === "USD");
    return Number(b?.available ?? "0");
  };
  const before = await available();
  for (const answer of ["decline", "accept"]) {
    const person = await connect(transport.fresh(), {
      name: "tollgate-tsclient-person",
      elicit: (params) => {
        asked.push(params.message);
        return answer === "accept" ? { action: "accept", content: { confirm: true } } : { action: "decline" };
      },
    });
    const res = await person.callTool({ name: "create_adjustment", arguments: gift("gift-1") });
    if (answer === "decline") {
      assert.equal(res.isError, true, `a declined gift: ${JSON.stringify(res)}`);
      assert.match(res.content[0].text, /declined.*Nothing moved/, "a declined gift says so");
    } else {
      assert.ok(!res.isError, `an accepted gift failed: ${JSON.stringify(res.content)}`);
      assert.equal(res.structuredContent.adjustment.amount, "1.50");
    }
    await person.close();
  }
  assert.equal(asked.length, 2, "the user was asked once per call");
  assert.match(asked[0], new RegExp(`1\\.50 USD.*${externalID}`), "the question names the amount and the customer");
  // Cents as integers: no float meets an amount.
  assert.equal(Math.round((await available()) * 100) - Math.round(before * 100), 150, "the declined gift moved nothing, the accepted one moved 1.50 once");

  console.log(JSON.stringify({ transport: name, sdk: sdkName, protocolVersion: protocol, tools: tools.length, confirmations: asked.length }));
  await client.close();
}

// Each transport also makes a fresh one of its kind, for a second client.
const withFresh = (make) => Object.assign(make(), { fresh: make });
const bin = env("TOLLGATE_BIN");
await check(
  "stdio",
  withFresh(() =>
    stdioTransport({
      command: bin,
      args: ["mcp"],
      env: { ...process.env, TOLLGATE_DATABASE_URL: env("TOLLGATE_DATABASE_URL"), TOLLGATE_API_KEY: "" },
      stderr: "inherit",
    }),
  ),
);
await check(
  "http",
  withFresh(() => httpTransport(env("TOLLGATE_MCP_URL"), { Authorization: `Bearer ${env("TOLLGATE_API_KEY")}` })),
);
