"""The web client's JSON-RPC calls, for the development scripts that drive
a running Odoo as a logged-in user (jobs and replica checks, screenshots).
Not part of the add-on."""

import json

import requests


class WebClientError(RuntimeError):
    """An error Odoo answered a call with (its JSON, cut to 2,000 characters)."""


class WebClient:
    """A session on ``url`` logged in to ``db``, calling models as the web
    client does (``/web/dataset/call_kw``)."""

    def __init__(self, url, db, login="admin", password="admin", timeout=600):
        self.url = url
        self.timeout = timeout
        self.session = requests.Session()
        self.uid = self._post(
            "/web/session/authenticate",
            {"db": db, "login": login, "password": password},
        )["uid"]

    def _post(self, path, params):
        response = self.session.post(
            f"{self.url}{path}",
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
            timeout=self.timeout,
        )
        data = response.json()
        if data.get("error"):
            raise WebClientError(f"{path}: {json.dumps(data['error'])[:2000]}")
        return data.get("result")

    def call(self, model, method, *args, **kwargs):
        return self._post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def get(self, path):
        response = self.session.get(f"{self.url}{path}", timeout=self.timeout)
        response.raise_for_status()
        return response
