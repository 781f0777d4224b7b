"""The HTTP plumbing the local cloud fakes share: a threaded server on 127.0.0.1, port 0."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handle = Callable[[BaseHTTPRequestHandler, str], None]


def serve(handle: Handle) -> ThreadingHTTPServer:
    """Start a server that passes every GET/PUT/PATCH/POST/DELETE to ``handle(request, method)``."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            handle(self, "GET")

        def do_PUT(self) -> None:
            handle(self, "PUT")

        def do_PATCH(self) -> None:
            handle(self, "PATCH")

        def do_POST(self) -> None:
            handle(self, "POST")

        def do_DELETE(self) -> None:
            handle(self, "DELETE")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def shutdown(server: ThreadingHTTPServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()
