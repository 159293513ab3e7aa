"""The one door for outgoing HTTP: every client module builds its session here.

A session from :func:`build_session` always has connect/read timeouts, retries only
idempotent requests (on connection errors, read timeouts, an answer whose body comes too late,
and 502/503/504, honouring Retry-After), and reports each call as one :class:`RemoteCall`
(saying how many attempts it took) with secrets redacted, so the caller can audit it without
ever seeing a key.
"""

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

REDACTED = "***"
SUMMARY_LIMIT = 2000
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


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Blank out known secret values and any ``name=value``/``<name>value<`` pair with a secret name."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    if not _SECRET_WORD.search(text):  # the common case, and audit diffs of big imports call this a lot
        return text
    text = re.sub(
        r"(?P<name>[\w-]*(?:key|password|secret|token|uuid)[\w-]*)(?P<sep>[\"']?\s*[=:]\s*[\"']?)(?P<value>[^&\s\"',}<]+)",
        lambda m: f"{m['name']}{m['sep']}{REDACTED}",
        text,
        flags=re.I,
    )
    # A SOAP authToken header (Learning Assistant) holds the token in children named id and uuid.
    text = re.sub(r"(<(?:[\w-]+:)?authToken\b[^>]*>).*?(</(?:[\w-]+:)?authToken>)", rf"\1{REDACTED}\2", text,
                  flags=re.I | re.S)
    return re.sub(
        r"<(?P<tag>[\w:]*(?:key|password|token|uuid)[\w:]*)(?P<attrs>\s[^>]*)?>[^<]*</",
        lambda m: f"<{m['tag']}{m['attrs'] or ''}>{REDACTED}</",
        text,
        flags=re.I,
    )


def redact_mapping(data: Mapping[str, object], secrets: Iterable[str] = ()) -> dict[str, object]:
    return {
        key: REDACTED if SECRET_NAMES.search(key) else redact(str(value), secrets)
        for key, value in data.items()
    }


def _summarise_body(body: object, secrets: Iterable[str]) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and "=" in body and "<" not in body:
        pairs = parse_qsl(body, keep_blank_values=True)
        body = "&".join(f"{k}={REDACTED if SECRET_NAMES.search(k) else v}" for k, v in pairs)
    return redact(str(body), secrets)[:SUMMARY_LIMIT]


class PortalSession(requests.Session):
    def __init__(self, *, system: str, timeout: tuple[float, float], secrets: Iterable[str],
                 on_call: Callable[[RemoteCall], None] | None):
        super().__init__()
        self.system = system
        self.timeout = timeout
        self.secrets = tuple(s for s in secrets if s)
        self.on_call = on_call

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        # The audited path includes query parameters, however the caller passed them.
        full_url = requests.Request(method, url, params=kwargs.get("params")).prepare().url
        started = time.monotonic()
        response = None
        error = ""
        attempts = 1
        try:
            response = super().request(method, url, *args, **kwargs)
            attempts = getattr(response, "attempts", 1)
            return response
        except requests.RequestException as exc:
            error = redact(f"{type(exc).__name__}: {exc}", self.secrets)
            attempts = getattr(exc, "attempts", 1)
            raise
        finally:
            if self.on_call is not None:
                self.on_call(self._describe(method, full_url, response, error, started, attempts))

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
            response_summary=_summarise_body(response.text, self.secrets) if response is not None else "",
            error=error,
            attempts=attempts,
        )


class _RetryingAdapter(HTTPAdapter):
    """urllib3 retries an idempotent request up to its answer's headers; this adapter reads the body
    too, so an answer that starts in time and ends late is retried like one that never started
    (at most its Retry's ``read`` count more times), and it counts the attempts for the audit."""

    def send(self, request, stream=False, **kwargs):
        retry, attempts = self.max_retries, 0
        while True:
            try:
                response = super().send(request, stream=stream, **kwargs)
            except requests.RequestException as exc:
                # Given up after every retry, or failed where no retry is allowed.
                exhausted = isinstance(exc.args[0] if exc.args else None, MaxRetryError)
                exc.attempts = attempts + (self.max_retries.total + 1 if exhausted else 1)
                raise
            history = getattr(getattr(response.raw, "retries", None), "history", ())
            attempts += len(history) + 1
            response.attempts = attempts
            if stream:
                return response
            try:
                response.content  # noqa: B018 - read here, where a late body can still be retried
                return response
            except requests.RequestException as exc:
                exc.attempts = attempts
                if request.method not in IDEMPOTENT_METHODS or not read_timed_out(exc):
                    raise
                try:
                    retry = retry.increment(request.method, request.url, error=exc.args[0])
                except MaxRetryError:
                    raise exc from None
                retry.sleep()


def build_session(
    *,
    system: str,
    connect_timeout: float,
    read_timeout: float,
    secrets: Iterable[str] = (),
    headers: Mapping[str, str] | None = None,
    on_call: Callable[[RemoteCall], None] | None = None,
    retries: int = 3,
    backoff: float = 0.5,
) -> PortalSession:
    session = PortalSession(system=system, timeout=(connect_timeout, read_timeout), secrets=secrets, on_call=on_call)
    if headers:
        session.headers.update(headers)
    # POSTs are never retried here: a business-level retry checks the remote state first.
    retry = Retry(
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
    adapter = _RetryingAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
