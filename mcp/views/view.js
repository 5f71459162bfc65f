// The view side of MCP Apps (SEP-1865, extension io.modelcontextprotocol/ui),
// written by hand so that a view loads nothing: JSON-RPC 2.0 over postMessage
// with the host. The view asks ui/initialize, takes the host's theme, says
// ui/notifications/initialized, then draws each ui/notifications/tool-result
// with the draw function its page gives to view.start.
"use strict";

const view = (() => {
  const pending = new Map();
  let nextId = 1;
  let host = {}; // the host's capabilities, from ui/initialize
  let draw = () => [];

  const post = (message) => window.parent.postMessage({ jsonrpc: "2.0", ...message }, "*");
  const notify = (method, params) => post({ method, params });
  function request(method, params) {
    const id = nextId++;
    post({ id, method, params });
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  }

  // The host's theme and style variables win; without them the page follows
  // prefers-color-scheme (color-scheme: light dark in the style sheet).
  function applyContext(context) {
    const root = document.documentElement;
    if (context?.theme === "light" || context?.theme === "dark") {
      root.style.colorScheme = context.theme;
    }
    for (const [name, value] of Object.entries(context?.styles?.variables ?? {})) {
      if (name.startsWith("--") && typeof value === "string") root.style.setProperty(name, value);
    }
  }

  function show(result) {
    const main = document.querySelector("main");
    if (result?.isError || !result?.structuredContent) {
      const text = (result?.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join("\n");
      main.replaceChildren(el("p", { class: result?.isError ? "error" : "muted" }, text || "The tool returned nothing to draw."));
      return;
    }
    try {
      main.replaceChildren(...draw(result.structuredContent));
    } catch (err) { // a result this view does not know: say so rather than hang
      main.replaceChildren(el("p", { class: "error" }, "This view cannot draw the result; the tool's text answer has it all."));
      if (host.logging) notify("notifications/message", { level: "error", logger: "tollgate-view", data: String(err) });
    }
  }

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    const m = event.data;
    if (m?.jsonrpc !== "2.0") return;
    if (m.method === undefined) { // the answer to one of our requests
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error.message));
      else p.resolve(m.result);
      return;
    }
    switch (m.method) {
      case "ui/notifications/tool-result":
        show(m.params);
        break;
      case "ui/notifications/tool-cancelled":
        document.querySelector("main").replaceChildren(el("p", { class: "muted" }, "The tool call was cancelled."));
        break;
      case "ui/notifications/host-context-changed":
        applyContext(m.params);
        break;
      case "ping":
      case "ui/resource-teardown":
        post({ id: m.id, result: {} });
        break;
      default: // tool-input and others: the result carries all a view draws
        if (m.id !== undefined) post({ id: m.id, error: { code: -32601, message: `this view does not handle ${m.method}` } });
    }
  });

  // Hosts size the frame to the content (ui/notifications/size-changed).
  function watchSize() {
    let last = "";
    new ResizeObserver(() => {
      const size = { width: Math.ceil(document.documentElement.scrollWidth), height: Math.ceil(document.body.getBoundingClientRect().height) };
      const key = `${size.width}x${size.height}`;
      if (key !== last) {
        last = key;
        notify("ui/notifications/size-changed", size);
      }
    }).observe(document.body);
  }

  // Whatever the content security policy blocks is a bug in the view: tell
  // the host's log, when it keeps one.
  document.addEventListener("securitypolicyviolation", (e) => {
    if (host.logging) notify("notifications/message", { level: "error", logger: "tollgate-view", data: `blocked by the content security policy: ${e.effectiveDirective} ${e.blockedURI}` });
  });

  async function start(name, drawResult) {
    draw = drawResult;
    const init = await request("ui/initialize", {
      protocolVersion: "2026-01-26",
      appInfo: { name: `tollgate-${name}`, version: "1" },
      appCapabilities: { availableDisplayModes: ["inline"] },
    });
    host = init?.hostCapabilities ?? {};
    applyContext(init?.hostContext);
    notify("ui/notifications/initialized", {});
    watchSize();
  }

  return {
    start,
    // callTool asks the host to call one of this server's tools, when it can.
    callTool: (name, args) => (host.serverTools ? request("tools/call", { name, arguments: args }) : Promise.reject(new Error("the host cannot call tools"))),
  };
})();

// el builds an element from text and nodes: data is never parsed as HTML.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v);
  }
  node.append(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

// money shows an amount exactly as the tool wrote it, a decimal string,
// with its asset: never parsed, rounded or reformatted.
function money(amount, asset) {
  return el("span", { class: String(amount).startsWith("-") ? "money negative" : "money" }, `${amount} ${asset}`);
}

// isZero says whether a decimal string is zero, without parsing it.
const isZero = (amount) => /^-?0*(\.0*)?$/.test(String(amount));

// share is a bar's length, 0 to 1: geometry, so a float is fine here.
function share(part, whole) {
  const p = Math.abs(parseFloat(part)), w = Math.abs(parseFloat(whole));
  return w > 0 && Number.isFinite(p) ? Math.min(1, p / w) : 0;
}

// day is the UTC date of an RFC 3339 time; when adds the time of day.
const day = (t) => (t ? t.slice(0, 10) : "—");
const when = (t) => (t ? `${t.slice(0, 10)} ${t.slice(11, 16)} UTC` : "—");

function facts(pairs) {
  return el("dl", { class: "facts" }, pairs.filter(Boolean).map(([k, v]) => el("div", {}, el("dt", {}, k), el("dd", {}, v))));
}
