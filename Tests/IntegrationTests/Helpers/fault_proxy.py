#!/usr/bin/env python3
"""A fault-injecting HTTP proxy for the registry client's tests.

    fault_proxy.py LISTEN_PORT UPSTREAM_HOST:PORT

Forwards every request to the upstream registry (keeping the Host header, so the
registry's absolute Location URLs point back at the proxy) and answers with the
upstream's response, unless a fault rule matches. Rules are set by the test:

    POST /__faults   [{"method": "GET", "path": "/blobs/sha256:", "action": "reset",
                       "count": 1, "status": 500, "headers": {"Retry-After": "1"}}, ...]
    GET  /__stats    {"fired": {"<rule index>": n, ...}, "requests": ["GET /v2/...", ...]}

A rule matches a request whose method equals `method` (or any, when absent) and whose
path contains `path`; it fires `count` times (-1: always). Actions:

    status    answer `status` with `headers` and a registry error body, upstream untouched
              (`errors`: the body's entries, default one with code INJECTED)
    fake_ok   answer a HEAD 200 (with the Docker-Content-Digest of the path's digest)
              without asking the upstream: a stale cache, or a blob collected right after
    reset     forward, then send the headers and half the body and reset the connection
    truncate  forward, then send the headers and half the body and close cleanly
    corrupt   forward, then send the body with bytes changed (same length)
    reset_request   read half of the request body, then reset the connection (uploads)
    corrupt_request change bytes of the request body before forwarding it (uploads)
    redirect  answer 307 to the same path under /__redirected on host `host` (e.g.
              "localhost:PORT", another name for this proxy), as registries redirect blob
              downloads to storage; such requests are forwarded with the rule's
              `upstream_auth` header, and whether they carried an Authorization header
              is counted in the stats ("redirected_with_auth", "redirected_without_auth")

One more rule stands for a registry restarting, whatever the method and path:

    {"action": "outage", "after": K, "seconds": N, "mode": "reset"}

lets K requests through, then for N seconds (-1: until the rules change) answers every
request by resetting its connection ("mode": "reset", as a dying process's sockets do) or
closing it without a word ("mode": "close"); it counts the requests it cut as fired.
Control requests (/__faults, /__stats) are never cut.
"""

import http.client
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
RULES = []
FIRED = {}
REQUESTS = []
REDIRECTED = {"redirected_with_auth": 0, "redirected_without_auth": 0}
UPSTREAM_AUTH = None
UPSTREAM = None

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate"}


def take_rule(method, path):
    """The first live rule matching, counted as fired; None when none matches."""
    with LOCK:
        for index, rule in enumerate(RULES):
            if rule.get("action") == "outage":
                continue
            if rule.get("method") not in (None, method):
                continue
            if rule.get("path", "") not in path:
                continue
            count = rule.get("count", 1)
            if count == 0:
                continue
            if count > 0:
                rule["count"] = count - 1
            FIRED[str(index)] = FIRED.get(str(index), 0) + 1
            return rule
    return None


def outage():
    """The outage rule cutting this request, counted as fired; None when none does."""
    with LOCK:
        for index, rule in enumerate(RULES):
            if rule.get("action") != "outage":
                continue
            rule["seen"] = rule.get("seen", 0) + 1
            if "started" not in rule:
                if rule["seen"] <= rule.get("after", 0):
                    continue
                rule["started"] = time.monotonic()
            seconds = rule.get("seconds", 5)
            if seconds >= 0 and time.monotonic() - rule["started"] >= seconds:
                continue
            FIRED[str(index)] = FIRED.get(str(index), 0) + 1
            return rule
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reset_connection(self):
        """Closes with RST (SO_LINGER 0): the peer sees 'connection reset'."""
        try:
            self.wfile.flush()
        except OSError:
            pass
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def control(self):
        global RULES, FIRED, REQUESTS, REDIRECTED
        if self.command == "POST" and self.path == "/__faults":
            length = int(self.headers.get("Content-Length", "0"))
            rules = json.loads(self.rfile.read(length) or b"[]")
            with LOCK:
                RULES = rules
                FIRED = {}
                REQUESTS = []
                REDIRECTED = {"redirected_with_auth": 0, "redirected_without_auth": 0}
            body = b"{}"
        else:
            with LOCK:
                body = json.dumps({"fired": FIRED, "requests": REQUESTS, **REDIRECTED}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        global UPSTREAM_AUTH
        redirected = self.path.startswith("/__redirected/")
        if redirected:
            with LOCK:
                key = "redirected_with_auth" if self.headers.get("Authorization") else "redirected_without_auth"
                REDIRECTED[key] += 1
            self.path = self.path[len("/__redirected"):]
            del self.headers["Authorization"]
            if UPSTREAM_AUTH:
                self.headers["Authorization"] = UPSTREAM_AUTH
        elif self.path.startswith("/__"):
            return self.control()
        with LOCK:
            REQUESTS.append(f"{self.command} {self.path}")
        cut = outage()
        if cut:
            if cut.get("mode", "reset") == "close":
                self.connection.close()
                self.close_connection = True
                return
            return self.reset_connection()
        rule = None if redirected else take_rule(self.command, self.path)
        action = rule["action"] if rule else None
        if action == "redirect":
            UPSTREAM_AUTH = rule.get("upstream_auth")
            self.send_response(307)
            self.send_header("Location", f"http://{rule['host']}/__redirected{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        length = int(self.headers.get("Content-Length", "0") or "0")

        if action == "reset_request":
            self.rfile.read(length // 2)
            return self.reset_connection()
        body = self.rfile.read(length) if length else b""
        if action == "fake_ok" and self.command == "HEAD":
            self.send_response(200)
            digest = self.path.rsplit("/", 1)[-1]
            if digest.startswith("sha256:"):
                self.send_header("Docker-Content-Digest", digest)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if action == "status":
            status = rule.get("status", 500)
            errors = rule.get("errors", [{"code": "INJECTED", "message": f"injected {status}"}])
            payload = json.dumps({"errors": errors}).encode()
            self.send_response(status)
            for name, value in rule.get("headers", {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            return
        if action == "corrupt_request" and body:
            body = bytes([body[0] ^ 0xFF]) + body[1:]

        upstream = http.client.HTTPConnection(UPSTREAM, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream.request(self.command, self.path, body=body if (length or self.command in ("PUT", "POST", "PATCH")) else None,
                         headers=headers)
        response = upstream.getresponse()
        data = response.read() if self.command != "HEAD" else b""
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() in HOP_BY_HOP or name.lower() == "content-length":
                continue
            self.send_header(name, value)
        if self.command == "HEAD":
            self.send_header("Content-Length", response.getheader("Content-Length", "0"))
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        upstream.close()
        if self.command == "HEAD":
            return
        if action in ("reset", "truncate") and len(data) > 1:
            self.wfile.write(data[: len(data) // 2])
            if action == "reset":
                return self.reset_connection()
            self.wfile.flush()
            self.close_connection = True
            return
        if action == "corrupt" and data:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        self.wfile.write(data)

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any


def main():
    global UPSTREAM
    port = int(sys.argv[1])
    UPSTREAM = sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
