// A test MCP Apps host for TestMCPAppsViews (cmd/tollgate), built on
// @modelcontextprotocol/ext-apps' AppBridge as a web chat client would be:
// it connects to tollgate serve over MCP (declaring the extension), calls a
// tool, reads the ui:// view the tool names, and renders it in a sandbox
// proxy frame on another origin, which loads the view in an inner sandboxed
// frame under the CSP the view declared. `npm run build` (esbuild) bundles
// this file for the browser; the test serves the bundle, nothing is fetched.
import { AppBridge, PostMessageTransport, RESOURCE_MIME_TYPE, getToolUiResourceUri } from "@modelcontextprotocol/ext-apps/app-bridge";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

const hostInfo = { name: "tollgate-test-host", version: "1" };
let client;
let tools = new Map();
// Everything the views log to the host (notifications/message), for the test.
const viewLog = [];
window.viewLog = viewLog;

// connect opens the MCP session through the test server's /mcp proxy, which
// adds the API key: the page never holds it.
async function connect(toolsets) {
  client = new Client(hostInfo, { capabilities: { extensions: { "io.modelcontextprotocol/ui": { mimeTypes: [RESOURCE_MIME_TYPE] } } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(`/mcp?toolsets=${toolsets}`, location.href)));
  tools = new Map((await client.listTools()).tools.map((t) => [t.name, t]));
  return { extensions: client.getServerCapabilities()?.extensions ?? {}, protocolVersion: client.getNegotiatedProtocolVersion?.() ?? "" };
}

// messageFrom resolves with the first message of method from frame.
function messageFrom(frame, method) {
  return new Promise((resolve) => {
    addEventListener("message", function listen(e) {
      if (e.source === frame.contentWindow && e.data?.method === method) {
        removeEventListener("message", listen);
        resolve(e.data.params);
      }
    });
  });
}

// show calls tool with args and renders its view in the chat, replacing the
// last one. It resolves with the tool's result once the view has been sent
// it.
async function show({ tool, args = {}, theme, variables, sandboxOrigin }) {
  const def = tools.get(tool);
  if (!def) throw new Error(`tools/list has no ${tool}`);
  const uri = getToolUiResourceUri(def);
  if (!uri) throw new Error(`${tool} names no view in _meta.ui.resourceUri`);
  const [resource] = (await client.readResource({ uri })).contents;
  if (resource.mimeType !== RESOURCE_MIME_TYPE) throw new Error(`${uri} is ${resource.mimeType}, want ${RESOURCE_MIME_TYPE}`);
  const csp = resource._meta?.ui?.csp ?? {};

  document.body.className = theme ?? "";
  const figure = document.createElement("figure");
  const caption = document.createElement("figcaption");
  caption.textContent = `${tool}(${JSON.stringify(args)})`;
  const frame = document.createElement("iframe");
  frame.setAttribute("sandbox", "allow-scripts allow-same-origin");
  frame.title = tool;
  const sandbox = new URL("/sandbox.html", sandboxOrigin);
  sandbox.searchParams.set("host", location.origin);
  sandbox.searchParams.set("csp", JSON.stringify(csp));
  frame.src = sandbox.href;
  figure.append(caption, frame);
  document.querySelector("#chat").replaceChildren(figure);
  await messageFrom(frame, "ui/notifications/sandbox-proxy-ready");

  const hostContext = { displayMode: "inline", availableDisplayModes: ["inline"], platform: "web", locale: "en-US" };
  if (theme) hostContext.theme = theme;
  if (variables) hostContext.styles = { variables };
  const bridge = new AppBridge(client, hostInfo, { serverTools: {}, serverResources: {}, logging: {} }, { hostContext });
  bridge.onloggingmessage = (m) => viewLog.push({ tool, ...m });
  bridge.onsizechange = ({ height }) => {
    if (height) frame.style.height = `${height}px`;
  };
  const initialized = new Promise((resolve) => (bridge.oninitialized = resolve));
  await bridge.connect(new PostMessageTransport(frame.contentWindow, frame.contentWindow));
  await bridge.sendSandboxResourceReady({ html: resource.text, csp });
  await initialized;
  await bridge.sendToolInput({ arguments: args });
  const result = await client.callTool({ name: tool, arguments: args });
  await bridge.sendToolResult(result);
  return { result, uri, csp };
}

window.host = { connect, show };
document.documentElement.dataset.ready = "true";
