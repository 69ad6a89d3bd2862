"""Faults for tests: a TCP proxy between Virage and PostgreSQL that passes, delays, drops and
hangs connections, and a port where nothing listens. Real sockets, no mocks."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Iterator

from sqlalchemy import make_url


def closed_port() -> int:
    """A local port where nothing listens (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proxy:
    """Forward 127.0.0.1:`port` to a PostgreSQL server, with faults on demand.

    mode "pass" forwards; "hang" accepts new connections and forwards nothing (a server that
    never answers); `delay` seconds are waited before each forwarded chunk; `drop()` closes
    every open connection at once (a network cut or a restarted server)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode = "pass"
        self.delay = 0.0
        self.dropped = 0
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = int(self._listener.getsockname()[1])
        self._pairs: list[tuple[socket.socket, socket.socket | None]] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database_url: str) -> str:
        """`database_url` going through this proxy."""
        return (
            make_url(database_url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == "hang":
                with self._lock:
                    self._pairs.append((client, None))
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        ends = {client: server, server: client}
        try:
            while True:
                ready, _, _ = select.select(list(ends), [], [], 0.5)
                for end in ready:
                    data = end.recv(65536)
                    if not data:
                        return
                    if self.delay:
                        time.sleep(self.delay)
                    ends[end].sendall(data)
        except OSError:
            return
        finally:
            for end in ends:
                with contextlib.suppress(OSError):
                    end.close()

    def drop(self) -> int:
        """Cut every open connection now; return how many were cut."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, server in pairs:
            for end in (client, server):
                if end is not None:
                    with contextlib.suppress(OSError):
                        end.shutdown(socket.SHUT_RDWR)
                    with contextlib.suppress(OSError):
                        end.close()
        self.dropped += len(pairs)
        return len(pairs)

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()
        self.drop()


@contextlib.contextmanager
def proxy_to(database_url: str) -> Iterator[Proxy]:
    """A proxy in front of the server of `database_url`, closed afterwards."""
    url = make_url(database_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    try:
        yield proxy
    finally:
        proxy.close()


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers (a hung database)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        listener.close()
        for conn in held:
            conn.close()
