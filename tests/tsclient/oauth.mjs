// Signs in to tollgate's /mcp with the TypeScript SDK's OAuth client
// provider, as a hosted or native client does (TestOAuthTypeScriptSDK in
// cmd/tollgate drives the person's side in Chromium): discovery from the
// 401, dynamic client registration, then a client known by its metadata
// document; PKCE, the redirect's state and iss, the token on /mcp, and a
// refresh the SDK makes when the access token is refused.
//
// Environment: TOLLGATE_MCP_URL (http://host/mcp), TOLLGATE_CIMD_URL (the
// https URL of a metadata document whose redirect_uris hold
// http://127.0.0.1/callback). Prints {"authorize": url} when the person must
// approve, then {"result": …}; exits non-zero on the first failure.
import assert from "node:assert/strict";
import http from "node:http";
import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const mcpURL = new URL(env("TOLLGATE_MCP_URL"));
const issuer = mcpURL.origin;
setTimeout(() => {
  console.error("oauth.mjs: no result within 150 s");
  process.exit(2);
}, 150_000).unref();

// A native client's loopback listener: the browser comes back to it.
function listen() {
  let resolve;
  const next = new Promise((r) => (resolve = r));
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, "http://127.0.0.1");
    if (u.pathname !== "/callback") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/html" }).end('<!doctype html><title>Connected</title><p id="connected">You can close this window.</p>');
    resolve(u.searchParams);
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r({ url: `http://127.0.0.1:${server.address().port}/callback`, next, server })));
}

// An OAuthClientProvider that keeps everything in memory.
class Provider {
  constructor(redirect, name, metadataURL) {
    this.redirect = redirect;
    this.name = name;
    if (metadataURL) this.clientMetadataUrl = metadataURL;
    this.saved = [];
  }
  get redirectUrl() {
    return this.redirect;
  }
  get clientMetadata() {
    return { client_name: this.name, redirect_uris: [this.redirect], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" };
  }
  state() {
    this.lastState = randomUUID();
    return this.lastState;
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(c) {
    this.client = c;
  }
  tokens() {
    return this.current;
  }
  saveTokens(t) {
    this.current = t;
    this.saved.push(t);
  }
  redirectToAuthorization(url) {
    this.authorizationURL = url;
    console.log(JSON.stringify({ authorize: url.href }));
  }
  saveCodeVerifier(v) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

const transport = (provider) => new StreamableHTTPClientTransport(mcpURL, { authProvider: provider });

async function whoami(client) {
  const r = await client.callTool({ name: "whoami", arguments: {} });
  assert.ok(!r.isError, `whoami: ${JSON.stringify(r.content)}`);
  return r.structuredContent;
}

// signIn connects with a fresh provider: refused, the person approves in the
// browser, the code comes back to the listener, then connected.
async function signIn(name, metadataURL) {
  const cb = await listen();
  const provider = new Provider(cb.url, name, metadataURL);
  const first = transport(provider);
  await assert.rejects(new Client({ name, version: "1.0.0" }).connect(first), UnauthorizedError, "connect before signing in");
  const u = provider.authorizationURL;
  assert.equal(u.searchParams.get("code_challenge_method"), "S256");
  assert.equal(u.searchParams.get("resource"), mcpURL.href);
  const back = await cb.next;
  cb.server.close();
  assert.equal(back.get("state"), provider.lastState, "state of the redirect");
  assert.equal(back.get("iss"), issuer, "iss of the redirect (RFC 9207)");
  await first.finishAuth(back.get("code"));
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(transport(provider));
  return { client, provider };
}

const result = {};

// Dynamic client registration.
{
  const { client, provider } = await signIn("TypeScript SDK client");
  assert.match(provider.client.client_id, /^tgc_/);
  const who = await whoami(client);
  const { tools } = await client.listTools();
  // The SDK refreshes when the access token is refused: a new pair.
  const before = provider.current;
  provider.current = { ...before, access_token: "tg_oat_refused" };
  const refreshed = new Client({ name: "refresh", version: "1.0.0" });
  await refreshed.connect(transport(provider));
  const after = provider.current;
  assert.notEqual(after.refresh_token, before.refresh_token, "the refresh token rotates");
  assert.notEqual(after.access_token, "tg_oat_refused");
  await whoami(refreshed);
  result.registered = { client_id: provider.client.client_id, who, tools: tools.length, scope: after.scope, expires_in: after.expires_in };
  await client.close();
  await refreshed.close();
}

// A client known by its metadata document.
{
  const url = env("TOLLGATE_CIMD_URL");
  const { client, provider } = await signIn("TypeScript SDK (metadata document)", url);
  assert.equal(provider.client.client_id, url);
  result.metadataDocument = { client_id: provider.client.client_id, who: await whoami(client) };
  await client.close();
}

console.log(JSON.stringify({ result }));
process.exit(0);
