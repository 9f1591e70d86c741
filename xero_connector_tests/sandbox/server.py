"""A threaded HTTP/1.1 server on 127.0.0.1 in front of the sandbox."""

import contextlib
import logging
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .http import Query, Request

_logger = logging.getLogger(__name__)


class _Server(ThreadingHTTPServer):
    """Each connection is served by a thread of its own; closing the server hangs up the
    connections clients keep alive, so that no thread outlives it."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, *args, **kwargs):
        # before binding: a port taken closes the server at once
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request_thread(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        try:
            return super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def server_close(self):
        result = super().server_close()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # the client hung up first
                connection.shutdown(socket.SHUT_RDWR)
        return result

    def handle_error(self, request, client_address):
        """A client that hung up (a timeout, a test) is not the sandbox's failure."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _handler(sandbox):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body leave without a 40 ms delayed-ACK wait
        server_version = "XeroSandbox/1.0"

        def _serve(self):
            parts = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(
                method=self.command,
                path=parts.path,
                query=Query(parts.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            try:
                response = sandbox.handle(request)
            except Exception:  # a sandbox bug must not look like a network failure
                _logger.exception("sandbox failed on %s %s", self.command, parts.path)
                self._answer(500, b"sandbox error", {}, "text/plain")
                return
            if response.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self._answer(
                response.status, response.payload(), response.headers, response.content_type
            )

        def _answer(self, status, payload, headers, content_type):
            self.send_response(status)
            if payload or status not in (204, 304):
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if payload:
                self.wfile.write(payload)

        do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = _serve

        def log_message(self, format, *args):
            _logger.debug("%s " + format, self.address_string(), *args)

    return Handler


def serve(sandbox, host, port):
    server = _Server((host, port), _handler(sandbox))
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="xero-sandbox-http",
        daemon=True,
    )
    thread.start()
    return server
