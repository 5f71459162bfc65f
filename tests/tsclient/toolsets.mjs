// Drives tollgate's toolsets, dynamic discovery and read-only mode with the
// TypeScript SDK on the protocol era TOLLGATE_PROTOCOL names (sdks.mjs: 1.x,
// the client inside Cursor, Claude Code and the MCP Inspector, for
// 2025-11-25; 2.x for 2026-07-28). TestMCPTypeScriptToolsets in cmd/tollgate
// runs it on both:
//
//   - each toolset, chosen with `tollgate mcp --toolsets X` (stdio) and with
//     /mcp?toolsets=X (streamable HTTP), lists exactly its tools;
//   - with --dynamic-toolsets, enable_toolset sends
//     notifications/tools/list_changed and the next tools/list holds the set's
//     tools, over stdio and HTTP (on 2026-07-28 over HTTP, which has no
//     session, enable_toolset says to pick the sets in the URL instead);
//   - --read-only lists only tools annotated readOnlyHint and refuses a write
//     tool called by name;
//   - a read_only API key cannot write through MCP (HTTP and stdio, from a
//     server started without --read-only) or through REST.
//
// Environment: TOLLGATE_BIN (the binary) and TOLLGATE_DATABASE_URL (for
// stdio); TOLLGATE_URL (a `tollgate serve` without MCP flags) and
// TOLLGATE_DYNAMIC_URL (one with --dynamic-toolsets); TOLLGATE_API_KEY (scope
// full) and TOLLGATE_READ_ONLY_KEY (scope read_only); TOLLGATE_EXPECT, what
// each selection must list according to the binary's own tables (JSON:
// {toolsets: {set: [tools]}, readOnly: [tools], discovery: [tools]}). Prints
// one JSON line per check; exits non-zero on the first failure.
import assert from "node:assert/strict";
import { connect as connectAt, httpTransport, MODERN, protocol, stdioTransport } from "./sdks.mjs";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const bin = env("TOLLGATE_BIN");
const baseURL = env("TOLLGATE_URL");
const dynamicURL = env("TOLLGATE_DYNAMIC_URL");
const fullKey = env("TOLLGATE_API_KEY");
const readOnlyKey = env("TOLLGATE_READ_ONLY_KEY");
const expect = JSON.parse(env("TOLLGATE_EXPECT"));
const sorted = (names) => [...names].sort();

// stdio starts `tollgate mcp args…`; key "" is the local default account.
const stdio = (args, key = "") =>
  stdioTransport({
    command: bin,
    args: ["mcp", ...args],
    env: { ...process.env, TOLLGATE_DATABASE_URL: env("TOLLGATE_DATABASE_URL"), TOLLGATE_API_KEY: key },
    stderr: "ignore",
  });

const http = (url, key) => httpTransport(url, { Authorization: `Bearer ${key}` });

const connect = (transport, options = {}) => connectAt(transport, { name: "tollgate-tsclient-toolsets", ...options });

// listTools returns every tool, following nextCursor.
async function listTools(client) {
  const tools = [];
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

const names = async (client) => sorted((await listTools(client)).map((t) => t.name));

const text = (res) => res.content.map((c) => c.text ?? "").join("");

// refused calls a tool that must be refused and returns the error text.
async function refused(client, tool, args) {
  const res = await client.callTool({ name: tool, arguments: args });
  assert.equal(res.isError, true, `${tool} succeeded, want a refusal: ${JSON.stringify(res.structuredContent)}`);
  assert.equal(res.structuredContent, undefined, `${tool}'s refusal carries structuredContent`);
  return text(res);
}

async function ok(client, tool, args) {
  const res = await client.callTool({ name: tool, arguments: args });
  assert.ok(!res.isError, `${tool}(${JSON.stringify(args)}) failed: ${text(res)}`);
  return res.structuredContent;
}

// The expected lists partition the tools: every tool but whoami in exactly
// one set, the sets together make "all", and the default selection fits
// Cursor's 40-tool cap. This holds the table to itself before the server is
// held to the table.
{
  const sets = Object.keys(expect.toolsets).filter((s) => s !== "all" && s !== "default");
  const owner = new Map();
  for (const set of sets) {
    assert.ok(expect.toolsets[set].includes("whoami"), `set ${set} lacks whoami (the account set is always added)`);
    for (const tool of expect.toolsets[set]) {
      if (tool === "whoami") continue;
      assert.ok(!owner.has(tool), `${tool} is in both ${owner.get(tool)} and ${set}`);
      owner.set(tool, set);
    }
  }
  assert.deepEqual(sorted(["whoami", ...owner.keys()]), sorted(expect.toolsets.all), "the sets together make all");
  assert.ok(expect.toolsets.default.length <= 40, `the default selection has ${expect.toolsets.default.length} tools, more than 40`);
}

// (a) Each toolset lists exactly its tools, over both transports; default is
// what a client gets when it picks nothing.
for (const [set, want] of Object.entries(expect.toolsets)) {
  for (const [transport, make] of [
    ["stdio", () => stdio(set === "default" ? [] : ["--toolsets", set])],
    ["http", () => http(set === "default" ? `${baseURL}/mcp` : `${baseURL}/mcp?toolsets=${set}`, fullKey)],
  ]) {
    const client = await connect(make());
    assert.deepEqual(await names(client), sorted(want), `tools/list of toolset ${set} over ${transport}`);
    await client.close();
  }
}
console.log(JSON.stringify({ check: "toolsets", protocol, sets: Object.keys(expect.toolsets).length, transports: ["stdio", "http"] }));

// (b) Dynamic discovery: the client registers for
// notifications/tools/list_changed; enable_toolset must send it, and the next
// tools/list must hold the set's tools. Waits are bounded, never slept.
//
// Over streamable HTTP, mcp-go v1.2.1 loses a notification now and then
// (mark3labs/mcp-go#969: the request's forwarder takes it off the session's
// channel, then loses the race for the response and drops it); the server
// sends it twice so that one arrives (mcp/toolsets.go, notifyToolsChanged),
// and this check requires it on both transports.
async function dynamic(transportName, transport) {
  let changes = 0;
  const waiters = [];
  const client = await connect(transport, {
    onToolsChanged: () => {
      changes++;
      waiters.splice(0).forEach((wake) => wake());
    },
  });
  // changed resolves once more than seen notifications have arrived.
  const changed = (seen, what) =>
    changes > seen
      ? Promise.resolve()
      : new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${transportName}: no notifications/tools/list_changed within 10s of ${what}`)), 10_000);
          waiters.push(() => {
            clearTimeout(timer);
            changes > seen ? resolve() : reject(new Error("woken without a notification"));
          });
        });

  let want = sorted([...expect.toolsets.account, ...expect.discovery]);
  assert.deepEqual(await names(client), want, `${transportName}: tools/list with --dynamic-toolsets before any enable_toolset`);
  const hidden = "list_customers";
  assert.ok(expect.toolsets.customers.includes(hidden), `${hidden} is not in the customers set`);
  assert.match(await refused(client, hidden, {}), /enable_toolset/, `${transportName}: ${hidden} before its set is enabled`);
  if (transportName === "http" && protocol === MODERN) {
    // No session to enable a set in: the answer says to pick it in the URL.
    assert.match(await refused(client, "enable_toolset", { toolset: "customers" }), /no session.*toolsets query parameter/, "enable_toolset on 2026-07-28 over HTTP");
    await client.close();
    const picked = await connect(http(`${dynamicURL}/mcp?toolsets=customers`, fullKey));
    await ok(picked, hidden, {});
    await picked.close();
    return "no session";
  }

  for (const set of ["customers", "reports"]) {
    const seen = changes;
    const res = await ok(client, "enable_toolset", { toolset: set });
    assert.deepEqual(sorted(res.tools), sorted(expect.toolsets[set].filter((t) => t !== "whoami")), `${transportName}: enable_toolset(${set}).tools`);
    await changed(seen, `enable_toolset ${set}`);
    want = sorted(new Set([...want, ...expect.toolsets[set]]));
    assert.deepEqual(await names(client), want, `${transportName}: tools/list after enable_toolset ${set}`);
  }
  await ok(client, hidden, {});
  await client.close();
  return changes;
}
const stdioChanges = await dynamic("stdio", stdio(["--dynamic-toolsets"]));
const httpChanges = await dynamic("http", http(`${dynamicURL}/mcp`, fullKey));
console.log(JSON.stringify({ check: "dynamic", protocol, notifications: { stdio: stdioChanges, http: httpChanges } }));

// readOnly checks a read-only connection: it lists exactly the read-only tools
// (each annotated readOnlyHint), refuses create_customer saying why, writes
// nothing, and still reads.
async function readOnly(what, client, why) {
  const tools = await listTools(client);
  assert.deepEqual(sorted(tools.map((t) => t.name)), sorted(expect.readOnly), `${what}: read-only tools/list`);
  for (const t of tools) {
    assert.equal(t.annotations?.readOnlyHint, true, `${what}: ${t.name} is listed without readOnlyHint`);
  }
  const externalID = `ts-ro-${what.replace(/\W+/g, "-")}-${Date.now()}`;
  const msg = await refused(client, "create_customer", { external_id: externalID });
  assert.match(msg, /create_customer changes data/, `${what}: the refusal says the tool writes`);
  assert.ok(msg.includes(why), `${what}: the refusal ${JSON.stringify(msg)} does not say why (${why})`);
  await ok(client, "list_customers", {});
  return externalID;
}

// absent checks, with a full-scope connection, that refused writes wrote nothing.
async function absent(externalIDs) {
  const client = await connect(stdio(["--toolsets", "all"]));
  for (const id of externalIDs) {
    assert.match(await refused(client, "get_customer", { customer: id }), /not found/, `customer ${id} exists after a refused create_customer`);
  }
  await client.close();
}

// (c) --read-only.
{
  const client = await connect(stdio(["--read-only", "--toolsets", "all"]));
  const id = await readOnly("stdio --read-only", client, "--read-only");
  await client.close();
  await absent([id]);
  console.log(JSON.stringify({ check: "read-only flag", tools: expect.readOnly.length }));
}

// (d) A read_only key, on servers started without --read-only.
{
  const ids = [];
  let client = await connect(http(`${baseURL}/mcp?toolsets=all`, readOnlyKey));
  ids.push(await readOnly("http read_only key", client, "scope read_only"));
  await client.close();

  client = await connect(stdio(["--toolsets", "all"], readOnlyKey));
  ids.push(await readOnly("stdio read_only key", client, "scope read_only"));
  await client.close();

  // Selecting the write tool's set does not help: the key still decides.
  client = await connect(http(`${baseURL}/mcp?toolsets=customers`, readOnlyKey));
  assert.deepEqual(await names(client), sorted(expect.toolsets.customers.filter((t) => expect.readOnly.includes(t))), "read_only key, ?toolsets=customers");
  assert.match(await refused(client, "create_customer", { external_id: `ts-ro-customers-${Date.now()}` }), /scope read_only/);
  await client.close();
  await absent(ids);

  // REST: the same POST is created with the full key and refused with the
  // read_only one; the read_only key still reads.
  const post = (key, body) =>
    fetch(`${baseURL}/v1/customers`, { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const externalID = `ts-ro-rest-${Date.now()}`;
  const denied = await post(readOnlyKey, { external_id: externalID });
  const body = await denied.json();
  assert.equal(denied.status, 403, `POST /v1/customers with a read_only key: ${denied.status} ${JSON.stringify(body)}`);
  assert.equal(body.error?.type, "permission_error", "REST refusal type");
  assert.equal(body.error?.code, "read_only_key", "REST refusal code");
  const read = await fetch(`${baseURL}/v1/customers/${externalID}`, { headers: { Authorization: `Bearer ${readOnlyKey}` } });
  assert.equal(read.status, 404, `GET /v1/customers/${externalID} after the refused POST: ${read.status}, want 404 (nothing written)`);
  const created = await post(fullKey, { external_id: externalID });
  assert.equal(created.status, 201, `the same POST with a full key: ${created.status} ${await created.text()}`);
  const again = await fetch(`${baseURL}/v1/customers/${externalID}`, { headers: { Authorization: `Bearer ${readOnlyKey}` } });
  assert.equal(again.status, 200, `GET /v1/customers/${externalID} with the read_only key: ${again.status}, want 200`);
  console.log(JSON.stringify({ check: "read-only key", mcp: ["http", "stdio"], rest: denied.status }));
}
