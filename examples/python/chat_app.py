# SPDX-License-Identifier: Apache-2.0
"""A tiny chat endpoint billed per token with Tollgate: standard library only.

    TOLLGATE_API_KEY=tg_test_… python3 examples/python/chat_app.py     # PORT=3000 by default

    curl -s localhost:3000/signup -d '{"user": "ada"}'
    curl -s localhost:3000/chat -H 'Request-Id: r1' -d '{"user": "ada", "message": "Hello there"}'
    curl -s localhost:3000/balance?user=ada

Every /chat is metered: Tollgate authorizes the user for an estimate before the
model runs (402 with the shortfall when they cannot pay), then records the
tokens the model reported, priced per model by the product created at start.
The Request-Id header is the idempotency key: a retried request is charged once.
The model is a stand-in shaped like the OpenAI SDK's answers; to use OpenAI,
replace ``StandInLLM()`` with ``openai.OpenAI()``.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace as NS

try:
    import tollgate
except ImportError:  # running from a checkout without `pip install ./sdk/python`
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "sdk" / "python" / "src"))
    import tollgate

MODEL = "gpt-4o-mini"
EVENT_TYPE = "chat.message"
# USD per million tokens.
MODEL_RATES = {MODEL: {"input": "0.15", "cached_input": "0.075", "output": "0.60"}}
WELCOME_CREDIT = "0.01"
# The hold before each answer: the most a reply is expected to use.
ESTIMATE = tollgate.token_usage(MODEL, 4000, 1000)


class StandInLLM:
    """Answers like openai.OpenAI().chat.completions.create, with usage counted in words."""

    def __init__(self) -> None:
        self.chat = NS(completions=NS(create=self._create))

    @staticmethod
    def _create(model: str, messages: list, **_: object) -> NS:
        prompt = sum(len(str(m["content"]).split()) for m in messages) + 8  # + the chat template
        text = "You said: " + str(messages[-1]["content"])
        usage = NS(prompt_tokens=prompt, completion_tokens=len(text.split()), total_tokens=0,
                   prompt_tokens_details=NS(cached_tokens=0))
        return NS(id="chatcmpl-" + uuid.uuid4().hex[:8], object="chat.completion", model=model,
                  choices=[NS(index=0, finish_reason="stop", message=NS(role="assistant", content=text))],
                  usage=usage)


def set_up(tg: tollgate.Tollgate) -> None:
    """The product, once: the same code and definition again answers the existing one."""
    tg.create_product("chat-example", EVENT_TYPE, tollgate.token_prices(MODEL_RATES), name="Chat (example)")


class App:
    def __init__(self, tg: tollgate.Tollgate, llm: object) -> None:
        self.tg, self.llm = tg, llm

    def signup(self, body: dict) -> tuple[int, dict]:
        user = str(body["user"])
        self.tg.create_customer(user)
        self.tg.gift(user, "USD", WELCOME_CREDIT, reason="welcome credit", transaction_id=f"welcome-{user}")
        return 201, {"user": user, "available": str(self._available(user))}

    def chat(self, body: dict, request_id: str) -> tuple[int, dict]:
        user, message = str(body["user"]), str(body["message"])
        try:
            with self.tg.meter(user, EVENT_TYPE, estimate=ESTIMATE, idempotency_key=request_id) as m:
                answer = m.openai(self.llm.chat.completions.create(
                    model=MODEL, messages=[{"role": "user", "content": message}]))
        except tollgate.DeclinedError as e:
            return 402, {"error": e.decline_reason, "required": str(e.required), "available": str(e.available),
                         "shortfall": str(e.shortfall), "asset": e.asset}
        assert m.event is not None
        return 200, {"reply": answer.choices[0].message.content, "request_id": request_id,
                     "usage": {k: m.event.data[k] for k in tollgate.TOKEN_FIELDS},
                     "charged": str(m.event.total("USD")), "available": str(self._available(user))}

    def balance(self, user: str) -> tuple[int, dict]:
        return 200, {"user": user, "available": str(self._available(user))}

    def _available(self, user: str):
        return self.tg.get_wallet(user).balance("USD").available


def handler(app: App) -> type:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, route) -> None:
            try:
                status, payload = route()
            except tollgate.NotFound as e:
                status, payload = 404, {"error": e.message}
            except (KeyError, ValueError) as e:
                status, payload = 400, {"error": f"bad request: {e}"}
            except tollgate.TollgateError as e:
                # A safe message and the request id for Tollgate's log; never the key.
                status, payload = 502, {"error": "billing unavailable", "code": e.code, "request_id": e.request_id}
            self._reply(status, payload)

        def do_POST(self) -> None:
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n)

            def body() -> dict:
                return json.loads(raw or b"{}")

            path = urllib.parse.urlsplit(self.path).path
            if path == "/signup":
                self._serve(lambda: app.signup(body()))
            elif path == "/chat":
                rid = self.headers.get("Request-Id") or f"chat_{uuid.uuid4().hex}"
                self._serve(lambda: app.chat(body(), rid))
            else:
                self._reply(404, {"error": "no such route"})

        def do_GET(self) -> None:
            u = urllib.parse.urlsplit(self.path)
            if u.path == "/balance":
                user = (urllib.parse.parse_qs(u.query).get("user") or [""])[0]
                self._serve(lambda: app.balance(user))
            else:
                self._reply(404, {"error": "no such route"})

        def log_message(self, fmt: str, *args: object) -> None:
            pass

    return Handler


def main() -> None:
    tg = tollgate.Tollgate()
    set_up(tg)
    server = ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "3000"))),
                                 handler(App(tg, StandInLLM())))
    host, port = server.server_address[:2]
    print(f"chat app listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        tg.close()


if __name__ == "__main__":
    main()
