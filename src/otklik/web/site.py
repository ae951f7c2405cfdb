"""The web workspace's plumbing that holds no state of a running app: its configuration, the
error a view raises for a status page, local times in templates, and the security headers."""

from __future__ import annotations

from pathlib import Path

from . import uploads


class Config:
    def __init__(self, home: Path, secure_cookies: bool = False, max_upload_bytes: int = uploads.DEFAULT_MAX_BYTES,
                 login_limit: int = 5, login_window: float = 300.0, trusted_proxies=(), allowed_hosts=None):
        from .lockout import parse_networks

        self.home = Path(home)
        self.secure_cookies = secure_cookies
        self.max_upload_bytes = max_upload_bytes
        self.login_limit, self.login_window = login_limit, login_window  # window: the longest wait after a failure
        self.trusted_proxies = parse_networks(trusted_proxies)  # X-Forwarded-For is read only from these
        self.allowed_hosts = list(allowed_hosts or [])  # empty: any Host header


def site_middleware(cfg: Config) -> list:
    """With `allowed_hosts` set, a request whose Host header is not one of them is answered 400
    (a name may start with "*." for every subdomain)."""
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    if not cfg.allowed_hosts:
        return []
    return [Middleware(TrustedHostMiddleware, allowed_hosts=cfg.allowed_hosts, www_redirect=False)]


class HTTPError(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


def localtime(value: str | None, tz: str) -> str:
    """An ISO UTC time shown in the case's time zone ("2026-11-25 10:47"); other text as it is."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    if not value:
        return ""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
    except (ValueError, KeyError):
        return value


class SecurityHeaders:
    """Headers on every response: no framing, no sniffing, scripts and styles only from /static."""

    HEADERS = [
        (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                     b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"cache-control", b"no-store"),
    ]

    def __init__(self, app):
        self.app = app
        self.state = app.state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + self.HEADERS
            await send(message)
        await self.app(scope, receive, send_with_headers)
