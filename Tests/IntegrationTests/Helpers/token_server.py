#!/usr/bin/env python3
"""A Docker token service for Debian's docker-registry (distribution 2.8), for tests.

    token_server.py PORT KEY.pem CERT.pem ISSUER SERVICE USER PASSWORD LIFETIME LOG

Answers `GET /token?service=S&scope=repository:NAME:ACTIONS&scope=…[&account=U]` with
`{"token", "access_token", "expires_in", "issued_at"}`: a JWT (RS256, signed with
`openssl dgst`, the certificate in the `x5c` header so the registry can check it against
its `rootcertbundle`) granting every requested scope — when the request carries Basic
credentials USER:PASSWORD. Without credentials it grants nothing (the registry then
answers 401); with wrong ones it answers 401 itself. Each request is appended to LOG as
one JSON line: {"scopes": [...], "account": ..., "authorized": true|false}.
"""

import base64
import datetime
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PORT, KEY, CERT, ISSUER, SERVICE, USER, PASSWORD, LIFETIME, LOG = sys.argv[1:10]
LIFETIME = int(LIFETIME)
LOCK = threading.Lock()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def certificate_der():
    pem = open(CERT).read()
    body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return base64.b64decode("".join(body.split()))


X5C = base64.b64encode(certificate_der()).decode()


def sign(message):
    result = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY], input=message,
                            capture_output=True, check=True)
    return result.stdout


def make_token(account, scopes):
    now = int(time.time())
    access = []
    for scope in scopes:
        parts = scope.split(":")
        if len(parts) >= 3 and parts[0] == "repository":
            access.append({"type": "repository", "name": ":".join(parts[1:-1]),
                           "actions": parts[-1].split(",")})
    header = {"typ": "JWT", "alg": "RS256", "x5c": [X5C]}
    claims = {"iss": ISSUER, "sub": account or "", "aud": SERVICE, "exp": now + LIFETIME,
              "nbf": now - 5, "iat": now, "jti": os.urandom(8).hex(), "access": access}
    signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
    return signing_input.decode() + "." + b64url(sign(signing_input))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, document):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        scopes = query.get("scope", [])
        authorization = self.headers.get("Authorization", "")
        authorized = False
        if authorization.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
            except Exception:
                user, password = "", ""
            if user != USER or password != PASSWORD:
                with LOCK, open(LOG, "a") as log:
                    log.write(json.dumps({"scopes": scopes, "account": query.get("account", [None])[0],
                                          "authorized": False, "rejected": True}) + "\n")
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]})
            authorized = True
        with LOCK, open(LOG, "a") as log:
            log.write(json.dumps({"scopes": scopes, "account": query.get("account", [None])[0],
                                  "authorized": authorized}) + "\n")
        token = make_token(USER if authorized else "", scopes if authorized else [])
        issued = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        # Both spellings, as Docker Hub sends them.
        self.reply(200, {"token": token, "access_token": token, "expires_in": LIFETIME, "issued_at": issued})


server = ThreadingHTTPServer(("127.0.0.1", int(PORT)), Handler)
server.daemon_threads = True
print("ready", flush=True)
server.serve_forever()
