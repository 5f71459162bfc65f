// The two TypeScript SDK lines, behind one small interface, so each check
// runs on both protocol eras:
//
//   - "2025-11-25": @modelcontextprotocol/sdk 1.x, the client inside Cursor,
//     Claude Code and the MCP Inspector; it speaks the initialize handshake
//     and sessions (up to 2025-11-25) and nothing newer;
//   - "2026-07-28": @modelcontextprotocol/client 2.x, the SDK's stable v2
//     line, with versionNegotiation "auto": it probes server/discover and
//     speaks the stateless revision when the server offers it.
//
// TOLLGATE_PROTOCOL picks the era (default 2025-11-25). connect() asserts the
// version the client negotiated, so a server that quietly fell back to the
// older era fails the check.
import assert from "node:assert/strict";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as StdioV1 } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as HTTPV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { Client as ClientV2, StreamableHTTPClientTransport as HTTPV2 } from "@modelcontextprotocol/client";
import { StdioClientTransport as StdioV2 } from "@modelcontextprotocol/client/stdio";

export const LEGACY = "2025-11-25";
export const MODERN = "2026-07-28";

/** The protocol version this run negotiates, from TOLLGATE_PROTOCOL. */
export const protocol = process.env.TOLLGATE_PROTOCOL || LEGACY;
if (protocol !== LEGACY && protocol !== MODERN) throw new Error(`TOLLGATE_PROTOCOL must be ${LEGACY} or ${MODERN}, not ${protocol}`);
const modern = protocol === MODERN;

/** The SDK package this run uses, for the output. */
export const sdkName = modern ? "@modelcontextprotocol/client" : "@modelcontextprotocol/sdk";

/** stdioTransport starts a server process: {command, args, env, stderr}. */
export const stdioTransport = (params) => (modern ? new StdioV2(params) : new StdioV1(params));

/** httpTransport reaches a streamable HTTP endpoint with extra headers. */
export const httpTransport = (url, headers = {}) => {
  const Transport = modern ? HTTPV2 : HTTPV1;
  return new Transport(new URL(url), { requestInit: { headers } });
};

/**
 * connect makes a client and connects it over transport, asserting the
 * negotiated protocol version. Options: onToolsChanged (called on each
 * notifications/tools/list_changed), elicit (answers elicitation/create:
 * declaring it declares the elicitation capability, form mode).
 */
export async function connect(transport, { name = "tollgate-tsclient", onToolsChanged, elicit } = {}) {
  const info = { name, version: "1.0.0" };
  const capabilities = elicit ? { elicitation: { form: {} } } : {};
  let client;
  let negotiated;
  if (modern) {
    client = new ClientV2(info, { capabilities, versionNegotiation: { mode: "auto" } });
  } else {
    client = new ClientV1(info, { capabilities });
    // 1.x keeps the negotiated version to itself; it hands it to the
    // transport, on every transport that can take it.
    const set = transport.setProtocolVersion?.bind(transport);
    transport.setProtocolVersion = (v) => {
      negotiated = v;
      set?.(v);
    };
  }
  if (onToolsChanged) {
    if (modern) client.setNotificationHandler("notifications/tools/list_changed", () => onToolsChanged());
    else client.setNotificationHandler(ToolListChangedNotificationSchema, () => onToolsChanged());
  }
  if (elicit) {
    if (modern) client.setRequestHandler("elicitation/create", (req) => elicit(req.params));
    else client.setRequestHandler(ElicitRequestSchema, (req) => elicit(req.params));
  }
  await client.connect(transport);
  if (modern) negotiated = client.getNegotiatedProtocolVersion();
  assert.equal(negotiated, protocol, `${sdkName} negotiated ${negotiated}, want ${protocol}`);
  return client;
}
