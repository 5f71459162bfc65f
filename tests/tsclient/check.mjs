// Drives tollgate's MCP server with @modelcontextprotocol/sdk, the client
// inside Cursor, Claude Code and the MCP Inspector, over stdio and streamable
// HTTP. For each transport: tools/list must parse (the SDK rejects the whole
// list on one bad schema), a call's structuredContent must validate against
// the tool's output schema (the SDK checks it with Ajv draft-07; we check
// 2020-12 too, as stricter clients do), and a tool error must carry no
// structured content.
//
// Environment: TOLLGATE_BIN (the binary), TOLLGATE_DATABASE_URL (for stdio),
// TOLLGATE_MCP_URL and TOLLGATE_API_KEY (for HTTP). Prints one JSON line per
// transport; exits non-zero on the first failure.
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
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
  const client = new Client({ name: "tollgate-tsclient-check", version: "1.0.0" });
  await client.connect(transport);
  assert.match(client.getInstructions() ?? "", /whoami/, "server instructions");

  const { tools } = await client.listTools();
  const byName = new Map(tools.map((t) => [t.name, t]));
  for (const want of ["whoami", "create_asset", "create_customer", "get_wallet", "create_adjustment"]) {
    assert.ok(byName.has(want), `tools/list lacks ${want}`);
  }
  for (const t of tools) {
    assert.equal(t.inputSchema.type, "object", `${t.name} input schema type`);
    assert.equal(t.outputSchema?.type, "object", `${t.name} output schema type`);
    assert.equal(t.annotations?.openWorldHint, false, `${t.name} openWorldHint`);
  }

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

  const err = await client.callTool({ name: "get_customer", arguments: { customer: "nobody" } });
  assert.equal(err.isError, true, "get_customer(nobody) is an error");
  assert.equal(err.structuredContent, undefined, "an error carries no structuredContent");
  assert.match(err.content[0].text, /create_customer/, "the error names the fix");

  console.log(JSON.stringify({ transport: name, protocolVersion: transport.protocolVersion ?? null, tools: tools.length }));
  await client.close();
}

const bin = env("TOLLGATE_BIN");
await check(
  "stdio",
  new StdioClientTransport({
    command: bin,
    args: ["mcp"],
    env: { ...process.env, TOLLGATE_DATABASE_URL: env("TOLLGATE_DATABASE_URL"), TOLLGATE_API_KEY: "" },
    stderr: "inherit",
  }),
);
await check(
  "http",
  new StreamableHTTPClientTransport(new URL(env("TOLLGATE_MCP_URL")), {
    requestInit: { headers: { Authorization: `Bearer ${env("TOLLGATE_API_KEY")}` } },
  }),
);
