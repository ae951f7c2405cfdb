"""The one HTTP client of otklik (httpx): JSON POSTs with timeouts, retries with backoff on 429 and 5xx
(honouring Retry-After) and on connection failures, and errors that say which server and why without
ever showing a key. Every translation engine and the LLM stance backend use `post_json`."""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import time
import urllib.parse

import httpx

from otklik.translate import TranslationError

log = logging.getLogger(__name__)
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
RETRIES = 3  # after the first attempt
BACKOFF_S = 0.5  # first wait; doubles each retry
MAX_WAIT_S = 60.0  # a server that asks for a longer pause fails now, saying how long it asked for


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


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def post_json(url: str, payload: dict, headers: dict | None = None, timeout: float = 60.0, what: str = "server",
              error: type[Exception] = TranslationError, retries: int = RETRIES, sleep=time.sleep):
    """POST `payload` as JSON, return the decoded JSON answer, or raise `error` saying what went wrong.

    429 and 5xx answers and connection failures are retried `retries` times, waiting what the server's
    Retry-After asks (at most MAX_WAIT_S) or BACKOFF_S, 2×, 4× …; a timeout is not retried (a server too
    slow once is as slow again). A server on this machine is reached directly, never through a proxy from
    the environment."""
    safe = _safe(url)
    hdrs = {"Accept": "application/json", "User-Agent": "otklik", **(headers or {})}
    with httpx.Client(timeout=float(timeout), trust_env=not is_loopback(url)) as client:
        for attempt in range(retries + 1):
            wait = BACKOFF_S * 2 ** attempt
            log.debug("POST %s (%s), attempt %d", safe, what, attempt + 1)
            try:
                resp = client.post(url, json=payload, headers=hdrs)
            except httpx.TimeoutException:
                raise error(f"{what} at {safe} did not answer within {timeout} s") from None
            except httpx.TransportError as exc:
                if attempt == retries:
                    raise error(f"cannot reach {what} at {safe}: {exc}") from None
                log.warning("cannot reach %s at %s (%s); retrying in %.1f s", what, safe, exc, wait)
                sleep(wait)
                continue
            if resp.status_code in RETRY_STATUS and attempt < retries:
                asked = retry_after(resp.headers.get("Retry-After"))
                if asked is not None and asked > MAX_WAIT_S:
                    raise error(f"{what} at {safe} answered HTTP {resp.status_code} and asks to retry after "
                                f"{asked:.0f} s; try again later")
                wait = wait if asked is None else asked
                log.warning("%s at %s answered HTTP %s; retrying in %.1f s", what, safe, resp.status_code, wait)
                sleep(wait)
                continue
            break
    if resp.status_code >= 400:
        detail = resp.content[:400].decode("utf-8", "replace").strip()
        raise error(f"{what} at {safe} answered HTTP {resp.status_code} {resp.reason_phrase}"
                    + (f": {detail}" if detail else ""))
    try:
        return resp.json()
    except (UnicodeDecodeError, ValueError):
        raise error(f"{what} at {safe} did not return JSON: {resp.content[:200]!r}") from None


def batches(items: list, size: int):
    size = max(1, int(size))
    for i in range(0, len(items), size):
        yield items[i:i + size]
