"""A tiny threaded HTTP server on a loopback port, the base of every sandbox.

A sandbox subclasses :class:`SandboxApp`, keeps its state in plain Python objects and
answers :class:`SandboxRequest` objects with a :class:`SandboxResponse`. Tests start it on
a free port with :func:`serve`; ``manage.py demo`` starts them for the demo (see :mod:`sandbox.demo`).
Faults (a status, a delay, a body) can be queued so tests see how the portal copes; ``latency``
delays every answer (outside the state lock, so answers overlap as a real server's would).
:func:`hostile` makes the faults of a server that means harm: a redirect elsewhere, an endless
answer, one that trickles in a byte at a time, and long word runs that choke a careless regex.
"""

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class SandboxRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

    def first(self, name: str, default: str | None = None) -> str | None:
        """A parameter from the query string or the form body."""
        values = self.query.get(name) or self.form.get(name)
        return values[0] if values else default


@dataclass
class SandboxResponse:
    status: int = 200
    body: bytes | str = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds between sending the headers and the body: an answer that starts in time but ends late.
    body_delay: float = 0.0
    # Instead of ``body``: pieces sent as they come (a gigabyte is never held whole), ``length`` bytes in
    # all, ``piece_delay`` seconds apart (an answer that trickles in).
    pieces: Iterable[bytes] | None = None
    length: int = 0
    piece_delay: float = 0.0
    # True: ``pieces`` hold the status line and headers too (which may trickle in as well).
    raw: bool = False

    @classmethod
    def json(cls, data, status: int = 200) -> "SandboxResponse":
        return cls(status=status, body=json.dumps(data))


@dataclass
class Fault:
    status: int = 500
    body: bytes | str = b""
    content_type: str = "text/html"
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"Retry-After": "1"}
    delay: float = 0.0
    body_delay: float = 0.0
    path_contains: str = ""
    # How many matching requests get this fault (a retried call meets it on every attempt).
    times: int = 1
    # True: the request is handled first (the state changes), then answered with this fault's
    # status and body, e.g. a successful POST whose body is plain text.
    after_handling: bool = False
    # A hostile answer: the name of one of HOSTILE's makers, with its options.
    hostile: str = ""
    options: dict = field(default_factory=dict)


def _redirect(*, location: str = "http://other-host.invalid/api/steal", status: int = 307) -> SandboxResponse:
    return SandboxResponse(status=status, headers={"Location": location}, content_type="text/plain")


def _huge(*, size: int = 2**30, status: int = 200, content_type: str = "application/json") -> SandboxResponse:
    piece = b"x" * 2**16
    return SandboxResponse(status=status, content_type=content_type, length=size,
                           pieces=itertools.repeat(piece, size // len(piece)))


def _trickle(*, body: bytes = b"x" * 100, every: float = 0.2, status: int = 200,
             content_type: str = "application/json", headers: bool = False) -> SandboxResponse:
    """``headers``: the status line and headers trickle in too, not only the body."""
    if headers:
        head = f"HTTP/1.1 {status} OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
        body = head.encode() + body
    return SandboxResponse(status=status, content_type=content_type, length=len(body), piece_delay=every,
                           pieces=(body[i:i + 1] for i in range(len(body))), raw=headers)


def _word_runs(*, runs: int = 200, run: int = 32_000, status: int = 500,
               content_type: str = "text/plain") -> SandboxResponse:
    """Word runs with a secret word inside: ``[\\w-]*token[\\w-]*`` takes seconds on each."""
    half = "a" * (run // 2)
    return SandboxResponse(status=status, content_type=content_type, body=f"{half}token{half} " * runs)


HOSTILE = {"redirect": _redirect, "huge": _huge, "trickle": _trickle, "word runs": _word_runs}


def hostile(mode: str, **options) -> dict:
    """Fault arguments for a hostile answer (see HOSTILE), e.g. ``app.fail_next(**hostile("huge"))``."""
    if mode not in HOSTILE:
        raise ValueError(f"unknown hostile mode {mode!r}: one of {', '.join(HOSTILE)}")
    return {"hostile": mode, "options": options}


class SandboxApp:
    """Subclasses implement :meth:`handle`; the base keeps a request log and queued faults."""

    name = "sandbox"

    def __init__(self):
        self.lock = threading.RLock()
        self.requests: list[SandboxRequest] = []
        self.faults: deque[Fault] = deque()
        self.latency = 0.0  # seconds every answer waits, like a remote system far away (outside the lock)

    def fail_next(self, **fault) -> None:
        """Answer the next matching request with this fault instead of handling it."""
        self.faults.append(Fault(**fault))

    def dispatch(self, request: SandboxRequest) -> SandboxResponse:
        if self.latency:
            time.sleep(self.latency)
        with self.lock:
            self.requests.append(request)
            fault = next((f for f in self.faults if f.path_contains in request.path), None)
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.after_handling:
            with self.lock:
                self.handle(request)
        if fault is not None and fault.hostile:
            return HOSTILE[fault.hostile](**fault.options)
        if fault is not None:
            return SandboxResponse(status=fault.status, body=fault.body, content_type=fault.content_type,
                                   headers=fault.headers, body_delay=fault.body_delay)
        with self.lock:
            return self.handle(request)

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        raise NotImplementedError


def _handler_for(app: SandboxApp):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = SandboxRequest(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            response = app.dispatch(request)
            body = response.body.encode("utf-8") if isinstance(response.body, str) else response.body
            try:
                if not response.raw:
                    self._head(response, body)
                if response.body_delay:
                    self.wfile.flush()
                    time.sleep(response.body_delay)
                for piece in response.pieces if response.pieces is not None else [body]:
                    self.wfile.write(piece)
                    if response.piece_delay:
                        self.wfile.flush()
                        time.sleep(response.piece_delay)
            except (BrokenPipeError, ConnectionResetError):  # the client stopped waiting, as it should
                self.close_connection = True

        def _head(self, response: SandboxResponse, body: bytes) -> None:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(response.length if response.pieces is not None else len(body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format, *args):  # the test output stays readable
            pass

    return Handler


class RunningSandbox:
    def __init__(self, app: SandboxApp, host: str = "127.0.0.1", port: int = 0):
        self.app = app
        self.httpd = ThreadingHTTPServer((host, port), _handler_for(app))
        self.httpd.daemon_threads = True
        # A short poll interval lets tests stop a sandbox in milliseconds, not half a second.
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       name=f"sandbox-{app.name}", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "RunningSandbox":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def serve(app: SandboxApp, host: str = "127.0.0.1", port: int = 0) -> RunningSandbox:
    """Start ``app`` on ``host:port`` (port 0: a free one) in a background thread."""
    return RunningSandbox(app, host, port).start()
