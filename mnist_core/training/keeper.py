"""What a browser's sessions leave behind when a page reloads or closes, kept on the server per owner.

A reload (F5) starts a new Streamlit session with an empty ``st.session_state``. The pages
keep what a user made (runs, the active model, the drawing) in ``SessionKeeper`` under two
keys: the *owner*, a random token the browser keeps in a cookie (never in a URL, so a shared
link carries none of it), and the *session key*, the id the training queue knows the session's
jobs by. A new session of the same owner ``reclaim``s the entry its predecessor left and gets
everything back, its queued or running job included. The predecessor is the owner's session whose
connection is closed and that was seen last (``attach`` on every script run): not one the sweep
happened to mark first, since a reload's new session can run before the next sweep, and an older
closed tab of the same browser must not win over the page just reloaded. If the owner still has a
live session, ``reclaim`` waits up to ``wait`` seconds for one to close: a reload's new connection
can arrive before the server has handled the old one's close.

``sweep`` (every second, from ``start``) asks who is still connected:

- a session gone for ``grace`` seconds without a reload reclaiming it is over: ``on_gone``
  gets its session key once (the pages cancel its jobs, freeing the queue);
- an entry gone for ``keep_for`` seconds is dropped, and so are the oldest gone entries while
  all entries together hold more than ``max_bytes`` (``size_of`` measures one).

No Streamlit here: who is connected comes in as ``is_alive(client)``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

RECLAIM_WAIT_SECONDS = 2.0  # how long a new session waits for its predecessor's connection to close
GRACE_SECONDS = 10.0  # a reload reconnects within a few seconds; a session gone this long is over
KEEP_SECONDS = 30 * 60.0  # how long a gone session's runs wait for their owner to come back
MAX_KEPT_BYTES = 256 * 2**20  # model bytes and curves of all kept sessions, live ones included
SWEEP_SECONDS = 1.0


@dataclass
class _Entry:
    owner: str
    session_key: str
    client: str  # the id of the connection (Streamlit session) showing it now
    values: dict  # what the session keeps: session_state key -> value (shared objects)
    seen: float  # clock time of the last attach (a script run) or reclaim
    gone_since: float | None = None  # monotonic time its connection was first seen closed
    ended: bool = False  # on_gone was called


class SessionKeeper:
    """Sessions' kept values by owner and session key. Thread-safe."""

    def __init__(
        self,
        grace: float = GRACE_SECONDS,
        keep_for: float = KEEP_SECONDS,
        max_bytes: int = MAX_KEPT_BYTES,
        size_of: Callable[[dict], int] = lambda values: 0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if grace < 0 or keep_for < grace:
            raise ValueError(f"need 0 <= grace <= keep_for, got grace={grace}, keep_for={keep_for}.")
        self.grace, self.keep_for, self.max_bytes = grace, keep_for, max_bytes
        self.size_of, self.clock, self.sleep = size_of, clock, sleep
        self._entries: dict[str, _Entry] = {}  # by session key, oldest first
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    def attach(self, owner: str, session_key: str, client: str, values: dict) -> None:
        """Record (or refresh) what session ``session_key`` of ``owner``, shown by ``client``, keeps."""
        now = self.clock()
        with self._lock:
            entry = self._entries.get(session_key)
            if entry is None or entry.owner != owner:
                self._entries[session_key] = _Entry(owner, session_key, client, dict(values), now)
                return
            entry.client, entry.values, entry.seen = client, dict(values), now
            entry.gone_since, entry.ended = None, False

    def reclaim(
        self, owner: str, client: str, is_alive: Callable[[str], bool], wait: float = 0.0, poll: float = 0.05
    ) -> tuple[str, dict] | None:
        """The session key and values of ``owner``'s last seen session whose connection is closed,
        now shown by ``client``; None if the owner left none. While the owner has only live
        sessions, waits up to ``wait`` seconds (checking every ``poll``) for one to close.
        Another owner's sessions are never returned."""
        deadline = self.clock() + wait
        while True:
            with self._lock:
                now = self.clock()
                mine = [entry for entry in self._entries.values()
                        if entry.owner == owner and entry.client != client]
                for entry in mine:
                    if entry.gone_since is None and not is_alive(entry.client):
                        entry.gone_since = now
                gone = [entry for entry in mine if entry.gone_since is not None]
                if gone:
                    entry = max(gone, key=lambda entry: entry.seen)
                    entry.client, entry.seen, entry.gone_since, entry.ended = client, now, None, False
                    return entry.session_key, dict(entry.values)
            if not mine or now >= deadline:
                return None
            self.sleep(poll)

    def sweep(
        self,
        is_alive: Callable[[str], bool],
        on_gone: Callable[[str], None] | None = None,
        settle: Callable[[dict], None] | None = None,
    ) -> None:
        """Mark closed connections; end sessions gone for ``grace`` seconds (``on_gone(session
        key)``, once); let ``settle(values)`` collect what their cancelled jobs hand back (every
        sweep, while they are kept); drop what is past ``keep_for`` or over ``max_bytes``."""
        now = self.clock()
        ended = []
        with self._lock:
            for entry in self._entries.values():
                if entry.gone_since is None and not is_alive(entry.client):
                    entry.gone_since = now
                if entry.gone_since is not None and not entry.ended and now - entry.gone_since >= self.grace:
                    entry.ended = True
                    ended.append(entry.session_key)
            self._drop_old(now)
            if on_gone is not None:
                for session_key in ended:
                    on_gone(session_key)
            if settle is not None:
                for entry in self._entries.values():
                    if entry.ended:
                        settle(entry.values)

    def _drop_old(self, now: float) -> None:
        for key, entry in list(self._entries.items()):
            if entry.gone_since is not None and now - entry.gone_since > self.keep_for:
                del self._entries[key]
        sizes = {key: self.size_of(entry.values) for key, entry in self._entries.items()}
        total = sum(sizes.values())
        gone = sorted((entry for entry in self._entries.values() if entry.gone_since is not None),
                      key=lambda entry: entry.gone_since)
        for entry in gone:
            if total <= self.max_bytes:
                break
            total -= sizes[entry.session_key]
            del self._entries[entry.session_key]

    def owners_sessions(self, owner: str) -> list[str]:
        """Session keys kept for ``owner``, oldest first."""
        with self._lock:
            return [entry.session_key for entry in self._entries.values() if entry.owner == owner]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def start(self, is_alive: Callable[[str], bool], on_gone: Callable[[str], None],
              settle: Callable[[dict], None] | None = None, interval: float = SWEEP_SECONDS) -> None:
        """Sweep every ``interval`` seconds in a daemon thread (once; later calls do nothing)."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._loop, args=(is_alive, on_gone, settle, interval),
                                            name="mnist-session-keeper", daemon=True)
        self._thread.start()

    def _loop(self, is_alive, on_gone, settle, interval) -> None:
        while not self._stopped.wait(interval):
            try:
                self.sweep(is_alive, on_gone, settle)
            except Exception:  # a failed sweep must not end the sweeping: the next one retries
                logging.getLogger(__name__).exception("Sweeping the kept sessions failed")

    def close(self) -> None:
        self._stopped.set()
