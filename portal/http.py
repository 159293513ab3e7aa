"""The one door for outgoing HTTP: every client module builds its session here.

A session from :func:`build_session` always has connect/read timeouts and a total deadline per
call, never follows a redirect (a 3xx fails, naming the host it pointed to: the secrets a call
carries must not go elsewhere), reads an answer as a stream up to a maximum size, retries only
idempotent requests (on connection errors, read timeouts, an answer whose body comes too late,
and 502/503/504, honouring Retry-After up to a cap), and reports each call as one
:class:`RemoteCall` (saying how many attempts it took) with secrets redacted, so the caller can
audit it without ever seeing a key.
"""

import contextlib
import contextvars
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import requests
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _lazy
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError, MaxRetryError, ReadTimeoutError, ResponseError
from urllib3.util.retry import Retry

REDACTED = "***"
SUMMARY_LIMIT = 2000
CHUNK_BYTES = 64 * 1024
# Names whose values are secrets wherever they appear: headers, form fields, query, XML, JSON.
SECRET_NAMES = re.compile(r"(api[-_]?key|userkey|password|passwd|secret|token|authorization|uuid|szpassword|sxml)", re.I)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class RemoteError(Exception):
    """A remote system did not do what was asked. ``retryable`` says whether trying later may help."""

    def __init__(self, message: str, *, system: str, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.message = message
        self.system = system
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class RemoteCall:
    system: str
    method: str
    path: str
    status: int | None
    duration_ms: int
    request_summary: str
    response_summary: str
    error: str = ""
    attempts: int = 1  # the retries of an idempotent call included


_SECRET_WORD = re.compile(r"key|password|secret|token|uuid", re.I)


def read_timed_out(exc: requests.RequestException) -> bool:
    """True when the request was sent and the answer did not come (or not all of it) in time.

    requests reports this three ways: ReadTimeout; a ConnectionError wrapping urllib3's
    ReadTimeoutError when a retried GET ran out of attempts; and a ConnectionError holding the
    ReadTimeoutError itself when the headers came in time and the body did not."""
    if isinstance(exc, requests.ReadTimeout):
        return True
    cause = exc.args[0] if exc.args else None
    return isinstance(cause, ReadTimeoutError) or isinstance(getattr(cause, "reason", None), ReadTimeoutError)


_WORD = re.compile(r"[\w-]+")
_PAIR_VALUE = re.compile(r"""["']?\s*[=:]\s*["']?([^&\s"',}<]+)""")
_TAG = re.compile(r"<([\w:]+)")
_SECRET_TAG = re.compile(r"key|password|token|uuid", re.I)
_TAG_VALUE = re.compile(r"(?:\s[^<>]*)?>([^<]*)(?:</|\Z)")
_TOKEN_OPEN = re.compile(r"<(?:[\w-]+:)?authToken\b[^<>]*>", re.I)
_TOKEN_CLOSE = re.compile(r"</(?:[\w-]+:)?authToken>", re.I)


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with each (start, end) span, in order and apart, replaced by REDACTED."""
    parts, pos = [], 0
    for start, end in spans:
        parts += [text[pos:start], REDACTED]
        pos = end
    return "".join(parts) + text[pos:]


def _pair_values(text: str):
    """Spans of the values of ``name=value``/``"name": "value"`` pairs whose name holds a secret word.

    Each word is looked at once and each value scanned once (a regular expression that finds the name
    by backtracking through a word is quadratic in the word's length)."""
    done = 0
    for word in _WORD.finditer(text):
        if word.start() < done or not _SECRET_WORD.search(word.group()):
            continue
        pair = _PAIR_VALUE.match(text, word.end())
        if pair:
            yield pair.span(1)
            done = pair.end(1)


def _tag_values(text: str):
    """Spans of the text of elements whose name holds a secret word; an element the text ends in
    (an excerpt cut short) counts too."""
    for tag in _TAG.finditer(text):
        if _SECRET_TAG.search(tag.group(1)):
            value = _TAG_VALUE.match(text, tag.end())
            if value:
                yield value.span(1)


def _token_headers(text: str):
    """Spans inside a SOAP authToken header (Learning Assistant), whose children are named id and uuid;
    one left open runs to the end."""
    pos = 0
    while opening := _TOKEN_OPEN.search(text, pos):
        closing = _TOKEN_CLOSE.search(text, opening.end())
        end = closing.start() if closing else len(text)
        yield opening.end(), end
        pos = closing.end() if closing else len(text)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Blank out known secret values and any ``name=value``/``<name>value<`` pair with a secret name.

    Linear in the length of ``text``; callers redact only the excerpt they keep (see :func:`excerpt`)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    if not _SECRET_WORD.search(text):  # the common case, and audit diffs of big imports call this a lot
        return text
    text = _blank(text, _pair_values(text))
    text = _blank(text, _token_headers(text))
    return _blank(text, _tag_values(text))


def excerpt(text: str, secrets: Iterable[str] = (), limit: int = SUMMARY_LIMIT) -> str:
    """The first ``limit`` characters of ``text``, redacted. A little more is redacted than kept, so a
    known secret that straddles the cut is still recognised whole."""
    margin = max((len(s) for s in secrets if s), default=0)
    return redact(text[:limit + margin], secrets)[:limit]


def redact_mapping(data: Mapping[str, object], secrets: Iterable[str] = ()) -> dict[str, object]:
    return {
        key: REDACTED if SECRET_NAMES.search(key) else redact(str(value), secrets)
        for key, value in data.items()
    }


def _summarise_body(body: object, secrets: Iterable[str]) -> str:
    """An excerpt of a request or answer body: only the start is decoded and redacted, however big it is."""
    if body is None:
        return ""
    if isinstance(body, bytes):
        # Four bytes per character at most in UTF-8; enough for the excerpt and its margin.
        body = body[:4 * (SUMMARY_LIMIT + 1024)].decode("utf-8", "replace")
    if isinstance(body, str) and "=" in body and "<" not in body:
        pairs = parse_qsl(body, keep_blank_values=True)
        body = "&".join(f"{k}={REDACTED if SECRET_NAMES.search(k) else v}" for k, v in pairs)
    return excerpt(str(body), secrets)


class DeadlineExceeded(requests.ReadTimeout):
    """The call (every attempt, wait and byte of the answer) took longer than its total deadline.
    A read timeout to the callers: the request may have arrived."""


class AnswerTooLarge(requests.RequestException):
    """The answer grew beyond the session's maximum size; reading stopped there."""


# When the call in progress on this thread must end (time.monotonic()); read by the adapter and the Retry.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("portal_http_deadline", default=None)


def _remaining() -> float | None:
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


class PortalSession(requests.Session):
    def __init__(self, *, system: str, label: str, timeout: tuple[float, float], deadline: float,
                 secrets: Iterable[str], on_call: Callable[[RemoteCall], None] | None,
                 error: Callable[..., RemoteError], url_setting: str, max_answer_bytes: int):
        super().__init__()
        self.system = system
        self.label = label
        self.timeout = timeout
        self.deadline = deadline
        self.secrets = tuple(s for s in secrets if s)
        self.on_call = on_call
        self.error = error
        self.url_setting = url_setting
        self.max_answer_bytes = max_answer_bytes

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        # A redirect would take the key, userKey or password along to wherever it points.
        kwargs["allow_redirects"] = False
        # The audited path includes query parameters, however the caller passed them.
        full_url = requests.Request(method, url, params=kwargs.get("params")).prepare().url
        started = time.monotonic()
        deadline = _deadline.set(started + self.deadline)
        try:
            response = super().request(method, url, *args, **kwargs)
            failure, reason = self._redirected(response)
        except AnswerTooLarge as exc:
            response, (failure, reason) = exc.response, self._too_large(exc.response)
        except requests.RequestException as exc:
            self._report(method, full_url, None, redact(f"{type(exc).__name__}: {exc}", self.secrets), started,
                         getattr(exc, "attempts", 1))
            raise
        finally:
            _deadline.reset(deadline)
        self._report(method, full_url, response, reason, started, getattr(response, "attempts", 1))
        if failure is not None:
            raise failure  # not retryable: the same address answers the same way
        return response

    def _redirected(self, response) -> tuple[RemoteError | None, str]:
        if not 300 <= response.status_code < 400:
            return None, ""
        # Only the host: the Location may carry what a query string carries.
        host = urlsplit(response.headers.get("Location", "")).hostname or _lazy("an address it did not give")
        return self._refusal(response, _lazy("%(system)s answered with a redirect to %(host)s: check %(setting)s."),
                             host=host, setting=self.url_setting)

    def _too_large(self, response) -> tuple[RemoteError, str]:
        return self._refusal(
            response, _lazy("%(system)s sent an answer larger than %(size)s MB, so it was not read (%(setting)s)."),
            size=f"{self.max_answer_bytes / 2**20:g}", setting=f"{self.system.upper()}_MAX_ANSWER_MB")

    def _refusal(self, response, message, **values) -> tuple[RemoteError, str]:
        """The system's error for an answer the door refuses, and the reason in English for the audit log."""
        def text() -> str:
            return str(message) % {"system": self.label, **{name: str(value) for name, value in values.items()}}

        with translation.override("en"):
            reason = text()
        return self.error(text(), status=response.status_code), reason

    def _report(self, method, url, response, error, started, attempts) -> None:
        if self.on_call is not None:
            self.on_call(self._describe(method, url, response, error, started, attempts))

    def _describe(self, method, url, response, error, started, attempts) -> RemoteCall:
        parts = urlsplit(url)
        query = "&".join(f"{k}={v}" for k, v in redact_mapping(dict(parse_qsl(parts.query)), self.secrets).items())
        sent = response.request.body if response is not None else None
        return RemoteCall(
            system=self.system,
            method=method.upper(),
            path=redact(parts.path + (f"?{query}" if query else ""), self.secrets),
            status=response.status_code if response is not None else None,
            duration_ms=round((time.monotonic() - started) * 1000),
            request_summary=_summarise_body(sent, self.secrets),
            response_summary=_summarise_body(response._content or b"", self.secrets) if response is not None else "",
            error=error,
            attempts=attempts,
        )


class _Retry(Retry):
    """urllib3's Retry, except that it gives up (returning the last answer) rather than wait past the
    call's deadline or longer than ``retry_after_cap`` seconds for a Retry-After (urllib3 waits what
    the header says, up to six hours, or its own cap and then retries all the same)."""

    retry_after_cap = 10.0

    def new(self, **kw):
        retry = super().new(**kw)
        retry.retry_after_cap = self.retry_after_cap
        return retry

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        retry_after = self.get_retry_after(response) if response is not None else None
        remaining = _remaining()
        wait = retry_after if retry_after is not None else retry.get_backoff_time()
        if (retry_after is not None and retry_after > self.retry_after_cap) or (
                remaining is not None and wait >= remaining):
            stop = MaxRetryError(_pool, url, error or ResponseError("no retry: it would wait too long"))
            stop.attempts = len(retry.history)
            raise stop
        return retry


class _HeadersByDeadline:
    """A connection that cuts itself off when the call's deadline passes while it waits for the status
    line and headers: a server may send them a byte at a time, each byte within the read timeout."""

    def getresponse(self, *args, **kwargs):
        remaining = _remaining()
        if remaining is None or self.sock is None:
            return super().getresponse(*args, **kwargs)
        watchdog = threading.Timer(max(remaining, 0), self._cut, args=(self.sock,))
        watchdog.daemon = True
        watchdog.start()
        try:
            return super().getresponse(*args, **kwargs)
        finally:
            watchdog.cancel()

    @staticmethod
    def _cut(sock) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _HTTPConnection(_HeadersByDeadline, HTTPConnection):
    pass


class _HTTPSConnection(_HeadersByDeadline, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def _socket(raw):
    """The socket an answer arrives on, to bound each wait for the next bytes by the deadline."""
    return getattr(getattr(raw, "_connection", None), "sock", None)


class _RetryingAdapter(HTTPAdapter):
    """urllib3 retries an idempotent request up to its answer's headers; this adapter reads the body
    too, so an answer that starts in time and ends late is retried like one that never started
    (at most its Retry's ``read`` count more times), and it counts the attempts for the audit.
    It reads the body as a stream: past ``max_answer_bytes`` or the deadline it stops."""

    def __init__(self, *, max_answer_bytes: int, **kwargs):
        self.max_answer_bytes = max_answer_bytes
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def send(self, request, stream=False, timeout=None, **kwargs):
        retry, attempts = self.max_retries, 0
        while True:
            remaining = _remaining()
            if remaining is not None and remaining <= 0:
                late = DeadlineExceeded("no answer within the call's deadline", request=request)
                late.attempts = attempts
                raise late
            try:
                response = super().send(request, stream=True, timeout=self._bounded(timeout, remaining), **kwargs)
            except requests.RequestException as exc:
                if remaining is not None and _remaining() <= 0 and not isinstance(exc, requests.ConnectTimeout):
                    # Cut off while the headers trickled in (see _HeadersByDeadline), or out of time for a retry.
                    late = DeadlineExceeded(f"no answer within the call's deadline ({exc})", request=request)
                    late.attempts = attempts + getattr(exc.args[0] if exc.args else None, "attempts", 1)
                    raise late from exc
                # Given up after every retry (or before the deadline), or failed where no retry is allowed.
                cause = exc.args[0] if exc.args else None
                exhausted = isinstance(cause, MaxRetryError)
                exc.attempts = attempts + (getattr(cause, "attempts", self.max_retries.total + 1) if exhausted else 1)
                raise
            history = getattr(getattr(response.raw, "retries", None), "history", ())
            attempts += len(history) + 1
            response.attempts = attempts
            try:
                # Read here, where a late body can still be retried.
                response._content, response._content_consumed = self._read(response, timeout), True
                return response
            except requests.RequestException as exc:
                response.close()  # the connection is in the middle of an answer: not fit for the next call
                exc.attempts = attempts
                if (request.method not in IDEMPOTENT_METHODS or not read_timed_out(exc)
                        or isinstance(exc, DeadlineExceeded)):
                    raise
                try:
                    retry = retry.increment(request.method, request.url, error=exc.args[0])
                except MaxRetryError:
                    raise exc from None
                retry.sleep()

    @staticmethod
    def _bounded(timeout, remaining):
        """The read timeout of one attempt, no longer than what is left of the deadline."""
        if remaining is None or not isinstance(timeout, tuple):
            return timeout
        connect, read = timeout
        return connect, min(read, remaining) if read is not None else remaining

    def _read(self, response, timeout) -> bytes:
        read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
        sock, chunks, size = _socket(response.raw), [], 0
        while True:
            remaining = _remaining()
            if remaining is not None:
                if remaining <= 0:
                    raise DeadlineExceeded("the answer did not end within the call's deadline",
                                           response=response, request=response.request)
                if sock is not None:
                    sock.settimeout(min(read_timeout, remaining) if read_timeout else remaining)
            try:
                chunk = response.raw.read1(CHUNK_BYTES, decode_content=True)
            except ReadTimeoutError as exc:
                if remaining is not None and _remaining() <= 0:
                    raise DeadlineExceeded("the answer did not end within the call's deadline",
                                           response=response, request=response.request) from None
                raise requests.ConnectionError(exc, request=response.request) from None
            except (HTTPError, OSError) as exc:
                raise requests.ConnectionError(exc, request=response.request) from None
            if not chunk:
                response.raw.release_conn()  # read to the end: the connection may serve the next call
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_answer_bytes:
                raise AnswerTooLarge(response=response, request=response.request)
            chunks.append(chunk)


def build_session(
    *,
    system: str,
    connect_timeout: float,
    read_timeout: float,
    label: str = "",
    error: Callable[..., RemoteError] | None = None,
    secrets: Iterable[str] = (),
    headers: Mapping[str, str] | None = None,
    on_call: Callable[[RemoteCall], None] | None = None,
    retries: int = 3,
    backoff: float = 0.5,
    deadline: float | None = None,
    retry_after_cap: float | None = None,
    max_answer_bytes: int | None = None,
) -> PortalSession:
    """A session for ``system`` (``anewspring``: its settings are ``ANEWSPRING_URL`` and
    ``ANEWSPRING_MAX_ANSWER_MB``). ``error`` makes the system's own exception from a message and a
    status; the deadline, the Retry-After cap and the maximum answer size come from the settings
    unless given."""
    session = PortalSession(
        system=system, label=label or system, timeout=(connect_timeout, read_timeout),
        deadline=settings.HTTP_DEADLINE if deadline is None else deadline, secrets=secrets, on_call=on_call,
        error=error or (lambda message, **kw: RemoteError(message, system=system, **kw)),
        url_setting=f"{system.upper()}_URL",
        max_answer_bytes=max_answer_bytes or getattr(settings, f"{system.upper()}_MAX_ANSWER_MB") * 2**20)
    if headers:
        session.headers.update(headers)
    # POSTs are never retried here: a business-level retry checks the remote state first.
    retry = _Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=(502, 503, 504),
        allowed_methods=IDEMPOTENT_METHODS,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    retry.retry_after_cap = settings.HTTP_RETRY_AFTER_MAX if retry_after_cap is None else retry_after_cap
    adapter = _RetryingAdapter(max_retries=retry, max_answer_bytes=session.max_answer_bytes)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
