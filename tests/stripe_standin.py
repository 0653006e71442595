"""A local stand-in for the Stripe API calls Market makes, on loopback (see STACK_NOTES: no
stripe-mock in the registries). The real Stripe SDK talks to it over HTTP.

It keeps what Stripe keeps for these calls: Connect accounts, account links, transfers (with
idempotency keys: the same key returns the same object), PaymentIntents and refunds."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


def _nest(pairs):
    """Stripe's form encoding (metadata[key]=v, a[b][c]=v) back into dictionaries."""
    result = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return result


class StripeStandIn:
    def __init__(self):
        self.objects = {"acct": {}, "tr": {}, "pi": {}, "re": {}}
        self.idempotent = {}
        self.requests = []  # (method, path, key) of every call, for the tests to read
        self.fail_transfers = False
        self.fail_intents = False
        self.counter = 0
        self.lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                status, body = standin.handle("GET", urlsplit(self.path), {}, None, self.headers)
                self._reply(status, body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                params = _nest(parse_qsl(self.rfile.read(length).decode()))
                status, body = standin.handle("POST", urlsplit(self.path), params,
                                              self.headers.get("Idempotency-Key"), self.headers)
                self._reply(status, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()

    def _id(self, prefix):
        self.counter += 1
        return f"{prefix}_standin{self.counter:05d}"

    def handle(self, method, url, params, key, headers):
        if not (headers.get("Authorization") or "").startswith("Bearer sk_test_"):
            return 401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}
        with self.lock:
            self.requests.append((method, url.path, key))
            if key and (method, url.path, key) in self.idempotent:
                return 200, self.idempotent[(method, url.path, key)]
            status, body = self._route(method, url.path.rstrip("/"), params)
            if key and status == 200:
                self.idempotent[(method, url.path, key)] = body
            return status, body

    def _route(self, method, path, params):
        parts = path.split("/")[2:]  # drop "", "v1"
        if parts == ["accounts"] and method == "POST":
            account = {"id": self._id("acct"), "object": "account", "type": params.get("type", "express"),
                       "payouts_enabled": False, "details_submitted": False, "metadata": params.get("metadata", {})}
            self.objects["acct"][account["id"]] = account
            return 200, account
        if len(parts) == 2 and parts[0] == "accounts" and method == "GET":
            account = self.objects["acct"].get(parts[1])
            return (200, account) if account else self._missing(parts[1])
        if parts == ["account_links"] and method == "POST":
            if params.get("account") not in self.objects["acct"]:
                return self._missing(params.get("account"))
            return 200, {"object": "account_link", "url": f"{self.url}/onboarding/{params['account']}",
                         "expires_at": 2_000_000_000}
        if parts == ["transfers"] and method == "POST":
            if self.fail_transfers:
                return 402, {"error": {"type": "invalid_request_error", "code": "balance_insufficient",
                                       "message": "Insufficient funds in Stripe account."}}
            destination = self.objects["acct"].get(params.get("destination"))
            if destination is None or not destination["payouts_enabled"]:
                return 400, {
                    "error": {"type": "invalid_request_error", "message": "Destination cannot receive transfers."}
                }
            transfer = {"id": self._id("tr"), "object": "transfer", "amount": int(params["amount"]),
                        "currency": params["currency"], "destination": params["destination"],
                        "metadata": params.get("metadata", {}), "reversed": False}
            self.objects["tr"][transfer["id"]] = transfer
            return 200, transfer
        if parts == ["transfers"] and method == "GET":
            data = list(self.objects["tr"].values())
            return 200, {"object": "list", "data": data, "has_more": False, "url": "/v1/transfers"}
        if parts == ["payment_intents"] and method == "POST":
            if self.fail_intents:
                return 503, {"error": {"type": "api_error", "message": "Stripe is unavailable."}}
            intent = {"id": self._id("pi"), "object": "payment_intent", "amount": int(params["amount"]),
                      "currency": params["currency"], "status": "requires_payment_method",
                      "metadata": params.get("metadata", {})}
            intent["client_secret"] = f"{intent['id']}_secret_standin"
            self.objects["pi"][intent["id"]] = intent
            return 200, intent
        if parts == ["refunds"] and method == "POST":
            intent = self.objects["pi"].get(params.get("payment_intent"))
            if intent is None or intent["status"] != "succeeded":
                return 400, {
                    "error": {"type": "invalid_request_error", "message": "This PaymentIntent has no charge to refund."}
                }
            refund = {"id": self._id("re"), "object": "refund", "amount": int(params["amount"]),
                      "payment_intent": intent["id"], "status": "succeeded"}
            self.objects["re"][refund["id"]] = refund
            return 200, refund
        return 404, {
            "error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({method} {path})"}
        }

    def _missing(self, object_id):
        return 404, {"error": {"type": "invalid_request_error", "message": f"No such object: '{object_id}'"}}

    # What a person does on Stripe's side, outside Market:
    def finish_onboarding(self, account_id):
        self.objects["acct"][account_id].update(payouts_enabled=True, details_submitted=True)

    def customer_pays(self, intent_id):
        self.objects["pi"][intent_id]["status"] = "succeeded"
        return self.objects["pi"][intent_id]
