"""Login throttling that slows guessing down without locking the right password out for good.

A login attempt is counted under three keys: the (client address, account) pair, the account, and
the client address. Each key may fail `free` times (pair: `limit`, account: 2 x `limit`, address:
4 x `limit`); after that, each attempt must wait after the key's last failure for a delay that
doubles with every further failure (`base`, 2 x `base`, 4 x `base` ...) up to `cap` seconds. A key
forgets its failures after `forget` seconds without one. So a wrong password is slowed down, but
no key is ever closed for longer than `cap` after its last failure.

An attempt is counted as a failure before the (expensive) password check, so simultaneous attempts
all count; `succeeded` takes the count back and clears the pair and the account, `unchecked` takes
it back when the check never ran (the server was busy).

An attacker who tries one account from many addresses can close the account key, but not for a
(address, account) pair that has logged in successfully before: such a "known" pair is only
counted under its own key, so the account's owner keeps getting in from where they usually do.
In memory, like the sessions' flash messages: a restart forgets it, which suits one local server.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable

KNOWN_PAIRS = 10_000  # remembered (address, account) pairs that logged in; the oldest go first


class LoginThrottle:
    def __init__(self, limit: int = 5, cap: float = 300.0, base: float = 2.0, forget: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic):
        self.limit, self.cap, self.base, self.forget = limit, cap, base, max(forget, cap)
        self.clock = clock
        self._fails: dict[str, list[float]] = {}
        self._known: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._calls = 0

    # ------------------------------------------------------------ keys

    def _keys(self, client: str, account: str) -> list[tuple[str, int]]:
        """(key, free failures) of one attempt; a known pair only under its own key."""
        pair = f"pair\x1f{client}\x1f{account}"
        if pair in self._known:
            return [(pair, self.limit)]
        return [(pair, self.limit), (f"account\x1f{account}", 2 * self.limit), (f"client\x1f{client}", 4 * self.limit)]

    def _recent(self, key: str, now: float) -> list[float]:
        times = self._fails.get(key)
        if times and now - times[-1] > self.forget:
            del self._fails[key]
            return []
        return times or []

    def _wait(self, times: list[float], free: int, now: float) -> float:
        over = len(times) - free
        if over < 0:
            return 0.0
        delay = min(self.base * 2 ** min(over, 40), self.cap)
        return max(0.0, times[-1] + delay - now)

    def _prune(self, now: float) -> None:
        self._calls += 1
        if self._calls % 1000 == 0:
            for k in [k for k, t in self._fails.items() if now - t[-1] > self.forget]:
                del self._fails[k]

    # ------------------------------------------------------------ the login's calls

    def attempt(self, client: str, account: str) -> float:
        """0 and the attempt counted as a failure; or the seconds to wait, and nothing counted."""
        now = self.clock()
        with self._lock:
            self._prune(now)
            keys = self._keys(client, account)
            wait = max(self._wait(self._recent(k, now), free, now) for k, free in keys)
            if wait > 0:
                return wait
            for k, _ in keys:
                times = self._fails.setdefault(k, [])
                times.append(now)
                del times[:-(4 * self.limit + 64)]  # enough to reach the cap; no unbounded growth
            return 0.0

    def unchecked(self, client: str, account: str) -> None:
        """Take back the counted attempt: the password was never checked."""
        with self._lock:
            for k, _ in self._keys(client, account):
                if self._fails.get(k):
                    self._fails[k].pop()

    def succeeded(self, client: str, account: str) -> None:
        """The right password: clear the pair and the account, take back the address' count, and
        remember the pair as one that logs in from there."""
        with self._lock:
            keys = [k for k, _ in self._keys(client, account)]
            for k in keys:
                if k.startswith("client\x1f"):
                    if self._fails.get(k):
                        self._fails[k].pop()
                else:
                    self._fails.pop(k, None)
            self._fails.pop(f"account\x1f{account}", None)
            pair = keys[0]
            self._known[pair] = None
            self._known.move_to_end(pair)
            while len(self._known) > KNOWN_PAIRS:
                self._known.popitem(last=False)


# ------------------------------------------------------------ the client's address

def parse_networks(entries) -> tuple:
    """The `[web] trusted_proxies` list (addresses or networks, "127.0.0.1", "10.0.0.0/8") checked."""
    import ipaddress

    if isinstance(entries, str):
        entries = [entries]
    nets = []
    for e in entries or ():
        try:
            nets.append(ipaddress.ip_network(str(e).strip(), strict=False))
        except ValueError:
            raise ValueError(f"web.trusted_proxies: {e!r} is not an IP address or network") from None
    return tuple(nets)


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple) -> str:
    """The address a login is counted under. X-Forwarded-For is read only when the connection comes
    from a trusted proxy, and then from the right: the first hop that is not itself a trusted proxy
    is the client (anything left of it could be written by the client). No header, or a hop that is
    not an address: the last trusted hop."""
    import ipaddress

    def is_trusted(addr: str) -> bool:
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return False
        return any(ip in n for n in trusted)

    peer = peer or "?"
    if not trusted or not forwarded_for or not is_trusted(peer):
        return peer
    current = peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return current
        if not is_trusted(hop):
            return hop
        current = hop
    return current
