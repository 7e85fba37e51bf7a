"""A real Odoo server on a free port (``python3 -m odoo``), its log in a file,
and JSON-RPC sessions of its users."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar

from .db import addons_path, die


class Server:
    """``options``: more command-line options (default ``--workers=0``)."""

    def __init__(self, db, root, *options):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.db, self.base = db, f"http://127.0.0.1:{port}"
        self.log_path = os.path.join(tempfile.gettempdir(), f"{db}.server.log")
        self.log = open(self.log_path + ".out", "w")  # closed in stop(); the log: --logfile
        open(self.log_path, "w").close()
        command = [sys.executable, "-m", "odoo", "--addons-path", addons_path(root), "-d", db]
        command += [f"--db-filter=^{db}$", *(options or ["--workers=0"]), "--max-cron-threads=0"]
        command += [f"--http-port={port}", "--log-level=info", f"--logfile={self.log_path}"]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        for _second in range(120):
            try:
                urllib.request.urlopen(self.base + "/web/login", timeout=5).read()
                return
            except OSError:
                time.sleep(1)
        self.stop()
        die(f"The Odoo server did not start; see {self.log_path}")

    def post(self, opener, path, params):
        """A JSON-RPC call; its result, or RuntimeError with the server's message."""
        body = json.dumps({"jsonrpc": "2.0", "params": params}).encode()
        request = urllib.request.Request(self.base + path, body, {"Content-Type": "application/json"})
        response = json.loads(opener.open(request, timeout=600).read())
        if "error" in response:
            raise RuntimeError(response["error"].get("data", {}).get("message") or response["error"])
        return response["result"]

    def session(self, login, password=None):
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        params = {"db": self.db, "login": login, "password": password or login}
        try:
            self.post(opener, "/web/session/authenticate", params)
        except RuntimeError as exc:
            die(f"Login of {login} failed: {exc}")
        return opener

    def rpc(self, opener, model, method, *args, **kwargs):
        params = {"model": model, "method": method, "args": args, "kwargs": kwargs}
        return self.post(opener, f"/web/dataset/call_kw/{model}/{method}", params)

    def lines(self):
        with open(self.log_path) as log:
            return log.readlines()

    def stop(self):
        self.process.terminate()
        self.process.wait(60)
        self.log.close()
