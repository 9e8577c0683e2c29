"""An HTTP proxy on 127.0.0.1 that refuses every request and records where it was going.

Every engine sends each request that is not for 127.0.0.1 through it, its workers' included, so
nothing a page does leaves this machine, and the WebKit harness, whose driver reports no network
events, still sees what a page tried to reach.
"""

from __future__ import annotations

import socketserver
import threading


class _Refuse(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        method, _, rest = self.rfile.readline().decode("latin-1").partition(" ")
        target = rest.split(" ", 1)[0]
        # CONNECT names host:port (HTTPS, WebSocket over TLS); other methods a full URL.
        self.server.attempts.append(f"https://{target}/" if method == "CONNECT" else target)
        self.wfile.write(
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )


class RefusingProxy(socketserver.ThreadingTCPServer):
    """Listens on a free port of 127.0.0.1 from construction until ``close()``."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Refuse)
        self.attempts: list[str] = []
        self.port = self.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()
