"""JSON over HTTP with urllib (no extra dependency): timeouts, and errors that say which server and why."""

from __future__ import annotations

import ipaddress
import json
import socket
import urllib.error
import urllib.parse
import urllib.request

from otklik.translate import TranslationError


def check_url(url: str | None, engine: str, example: str) -> str:
    """The base URL the user gave, without a trailing slash; engines have no default server (privacy)."""
    if not url:
        raise TranslationError(f"{engine} needs url= (e.g. {example}); otklik sends nothing anywhere unless you "
                               f"configure a server")
    parts = urllib.parse.urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TranslationError(f"{engine}: url must be an http:// or https:// address, not {url!r}")
    return str(url).rstrip("/")


def is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _safe(url: str) -> str:
    """The URL without query string or user info, for error messages (keys never appear in them)."""
    p = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((p.scheme, p.hostname + (f":{p.port}" if p.port else ""), p.path, "", ""))


def post_json(url: str, payload: dict, headers: dict | None = None, timeout: float = 60.0, what: str = "server"):
    """POST `payload` as JSON, return the decoded JSON answer. A server on this machine is reached directly,
    never through a proxy from the environment."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
        "User-Agent": "otklik", **(headers or {})})
    opener = (urllib.request.build_opener(urllib.request.ProxyHandler({})) if is_loopback(url)
              else urllib.request.build_opener())
    try:
        with opener.open(req, timeout=float(timeout)) as resp:
            body = resp.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read(400).decode("utf-8", "replace").strip()
        raise TranslationError(f"{what} at {_safe(url)} answered HTTP {exc.code} {exc.reason}"
                               + (f": {detail}" if detail else "")) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise TranslationError(f"{what} at {_safe(url)} did not answer within {timeout} s") from None
        raise TranslationError(f"cannot reach {what} at {_safe(url)}: {exc.reason}") from None
    except (TimeoutError, socket.timeout):
        raise TranslationError(f"{what} at {_safe(url)} did not answer within {timeout} s") from None
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise TranslationError(f"{what} at {_safe(url)} did not return JSON: {body[:200]!r}") from None


def batches(items: list, size: int):
    size = max(1, int(size))
    for i in range(0, len(items), size):
        yield items[i:i + size]
