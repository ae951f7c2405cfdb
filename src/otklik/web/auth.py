"""Local accounts, sessions, CSRF tokens and the login rate limit of the web workspace.

Passwords are hashed with scrypt (stdlib `hashlib.scrypt`; parameters stored with each hash so
they can be raised later). A session is a random token in an HttpOnly, SameSite=Lax cookie; the
store keeps only its SHA-256, with the session's CSRF token beside it. Roles: a viewer reads, an
editor also changes labels, themes, drafts and runs imports, analyses and exports; an admin also
manages accounts. The login's throttle is lockout.py.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..store import custody, web_session, web_user

ROLES = ("viewer", "editor", "admin")
RANK = {r: i for i, r in enumerate(ROLES)}
SESSION_HOURS = 12

# ------------------------------------------------------------------ passwords

# OWASP's minimum for scrypt: N=2^17, r=8, p=1 (128 MiB, ~0.3 s here). Tests lower SCRYPT_N.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 17, 8, 1
# At most this many password checks run at once (each holds 128 MiB); the login form answers 503
# to the rest without hashing, so a burst of logins cannot exhaust the server's memory.
CHECK_SLOTS = 2
_checks = threading.BoundedSemaphore(CHECK_SLOTS)


def try_check_slot() -> bool:
    return _checks.acquire(blocking=False)


def release_check_slot() -> None:
    _checks.release()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    dk = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${dk.hex()}"


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32)


def check_password(password: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt, dk = stored.split("$")
        if algo != "scrypt":
            return False
        got = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(got, bytes.fromhex(dk))


_DUMMY = None


def _dummy_hash() -> str:
    """Checked against when the user does not exist, so a wrong name costs as long as a wrong password."""
    global _DUMMY
    if _DUMMY is None or f"${SCRYPT_N}$" not in _DUMMY:
        _DUMMY = hash_password(secrets.token_hex(8))
    return _DUMMY


# ------------------------------------------------------------------ accounts

class AccountError(ValueError):
    pass


def add_user(engine: Engine, name: str, role: str, password: str, by: str | None = None) -> dict:
    name = name.strip()
    if not name or len(name) > 64 or any(ch.isspace() or ord(ch) < 32 for ch in name):
        raise AccountError("a user name is 1-64 characters without spaces")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise AccountError("a password needs at least 10 characters")
    h = hash_password(password)
    with engine.begin() as conn:
        if conn.execute(select(web_user.c.id).where(web_user.c.name == name)).first():
            raise AccountError(f"user {name!r} already exists")
        conn.execute(web_user.insert().values(name=name, role=role, password_hash=h, created_at=custody.now_utc(),
                                              disabled=0))
        custody.append(conn, "web-user-add", actor=by, details={"name": name, "role": role})
    return {"name": name, "role": role}


def list_users(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(web_user.c.name, web_user.c.role, web_user.c.created_at,
                                                     web_user.c.disabled).order_by(web_user.c.name)).mappings()]


def _user_id(conn, name: str) -> int:
    uid = conn.execute(select(web_user.c.id).where(web_user.c.name == name)).scalar()
    if uid is None:
        raise AccountError(f"no user named {name!r}")
    return uid


def _admins_left(conn, without: int) -> int:
    return len(conn.execute(select(web_user.c.id).where(web_user.c.role == "admin", web_user.c.disabled == 0,
                                                        web_user.c.id != without)).all())


def manage_user(engine: Engine, name: str, action: str, value: str = "", by: str | None = None) -> str:
    """disable | enable | delete | role (value: the role) | passwd (value: the new password) | revoke
    (ends every session). Disabling, deleting or demoting also ends the user's sessions; the last
    active admin cannot be disabled, deleted or demoted. Each change is in the custody log."""
    if action not in ("disable", "enable", "delete", "role", "passwd", "revoke"):
        raise AccountError(f"unknown account action {action!r}")
    if action == "role" and value not in ROLES:
        raise AccountError(f"unknown role {value!r}; one of {', '.join(ROLES)}")
    if action == "passwd" and len(value) < 10:
        raise AccountError("a password needs at least 10 characters")
    h = hash_password(value) if action == "passwd" else None
    with engine.begin() as conn:
        uid = _user_id(conn, name)
        role = conn.execute(select(web_user.c.role).where(web_user.c.id == uid)).scalar()
        losing_admin = role == "admin" and (action in ("disable", "delete") or (action == "role" and value != "admin"))
        if losing_admin and _admins_left(conn, uid) == 0:
            raise AccountError(f"{name!r} is the last active admin; add another admin first")
        row = web_user.update().where(web_user.c.id == uid)
        if action == "disable":
            conn.execute(row.values(disabled=1))
        elif action == "enable":
            conn.execute(row.values(disabled=0))
        elif action == "role":
            conn.execute(row.values(role=value))
        elif action == "passwd":
            conn.execute(row.values(password_hash=h))
        if action != "enable":  # a changed account starts again from a fresh login
            conn.execute(web_session.delete().where(web_session.c.user_id == uid))
        if action == "delete":
            conn.execute(web_user.delete().where(web_user.c.id == uid))
        details = {"name": name} | ({"role": value} if action == "role" else {})
        custody.append(conn, f"web-user-{action}", actor=by, details=details)
    return {"disable": f"disabled {name!r} and ended their sessions", "enable": f"enabled {name!r}",
            "delete": f"deleted {name!r}", "role": f"{name!r} is now {value}",
            "passwd": f"set a new password for {name!r} and ended their sessions",
            "revoke": f"ended every session of {name!r}"}[action]


def log_login(engine: Engine, name: str, client: str, ok: bool, reason: str = "") -> None:
    """Logins and failed logins in the custody log (the name as typed, cut to 64 characters)."""
    with engine.begin() as conn:
        custody.append(conn, "web-login" if ok else "web-login-failed", actor=f"web:{name[:64]}",
                       details={"client": client} | ({"reason": reason} if reason else {}))


@dataclass
class User:
    id: int
    name: str
    role: str
    csrf: str

    def can(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]

    @property
    def actor(self) -> str:
        """How the custody log and editor labels name this user."""
        return f"web:{self.name}"


def authenticate(engine: Engine, name: str, password: str) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(select(web_user).where(web_user.c.name == name, web_user.c.disabled == 0)).mappings().first()
    if row is None:
        check_password(password, _dummy_hash())
        return None
    return dict(row) if check_password(password, row["password_hash"]) else None


# ------------------------------------------------------------------ sessions

def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_session(engine: Engine, user_id: int) -> str:
    token = secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        conn.execute(web_session.delete().where(web_session.c.expires_at < _iso(now)))
        conn.execute(web_session.insert().values(token_sha256=_sha(token), user_id=user_id, csrf=secrets.token_urlsafe(32),
                                                 created_at=_iso(now),
                                                 expires_at=_iso(now + timedelta(hours=SESSION_HOURS))))
    return token


def load_session(engine: Engine, token: str | None) -> User | None:
    if not token or len(token) > 100:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(web_user.c.id, web_user.c.name, web_user.c.role, web_session.c.csrf, web_session.c.expires_at)
            .select_from(web_session.join(web_user, web_user.c.id == web_session.c.user_id))
            .where(web_session.c.token_sha256 == _sha(token), web_user.c.disabled == 0)).first()
    if row is None or row.expires_at < _iso(datetime.now(timezone.utc)):
        return None
    return User(row.id, row.name, row.role, row.csrf)


def end_session(engine: Engine, token: str | None) -> None:
    if token:
        with engine.begin() as conn:
            conn.execute(web_session.delete().where(web_session.c.token_sha256 == _sha(token)))


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
