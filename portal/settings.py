"""Settings for the training portal: every value comes from the environment.

Bad values fail loudly at start-up instead of silently falling back to a default.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """django-environ reads any unknown word as False; a typo must not silently flip a switch."""
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_url(name: str) -> str:
    """An optional base URL of a remote system: empty means 'not configured'."""
    url = env.str(name, default="").strip().rstrip("/")
    if url and (urlsplit(url).scheme not in {"http", "https"} or not urlsplit(url).netloc):
        raise ImproperlyConfigured(f"{name} must be an http(s) URL, not {url!r}")
    return url


def env_service_path(name: str, default: str) -> str:
    """A path on a remote system's host, such as /webservices/soap/course.cfc."""
    path = env.str(name, default=default).strip()
    if not path.startswith("/") or "?" in path or " " in path:
        raise ImproperlyConfigured(f"{name} must be a path starting with /, not {path!r}")
    return path


def env_positive_float(name: str, default: float) -> float:
    value = env.float(name, default=default)
    if not value > 0:  # NaN too
        raise ImproperlyConfigured(f"{name} must be a positive number, not {value}")
    return value


def env_positive_int(name: str, default: int) -> int:
    value = env.int(name, default=default)
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive number, not {value}")
    return value


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is false")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "portal",
    "subscriptions",
    "accreditation",
    "enrolments",
]
if DEBUG:
    # The stand-ins for the remote systems and `manage.py demo`; production (DEBUG false) never has them.
    INSTALLED_APPS.append("sandbox")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.RejectNulMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.StatementTimeoutMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.SessionIdleMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.AuditContextMiddleware",
    "portal.middleware.NoStoreForUsersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASE_CONNECT_TIMEOUT = env_positive_int("DATABASE_CONNECT_TIMEOUT", 5)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # libpq waits for ever on a host that never answers: /healthz must say "down" in seconds instead.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
else:
    # SQLite: wait for a writer instead of failing with "database is locked".
    # WAL: pages read while a background job writes (see JOBS_LOCAL_THREADS). In WAL mode synchronous=NORMAL
    # cannot corrupt the database; a power cut may lose the last commits, which FULL would have waited on
    # the disk for (SQLite's own recommendation for WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20, "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"})
# Seconds a web request's query may run on PostgreSQL before it is cancelled (0: no limit).
WEB_STATEMENT_TIMEOUT = env.float("WEB_STATEMENT_TIMEOUT", default=15.0)
if WEB_STATEMENT_TIMEOUT < 0:
    raise ImproperlyConfigured(f"WEB_STATEMENT_TIMEOUT must be 0 or more seconds, not {WEB_STATEMENT_TIMEOUT}")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds short-lived shared state (login throttling counters, tokens);
# more than one web process needs a shared one, e.g. CACHE_URL=redis://127.0.0.1:6379/1.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://portal")}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures lock the username + address pair for 15 minutes.
AXES_FAILURE_LIMIT = env_positive_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind the TLS proxy, the address the proxy forwards; otherwise REMOTE_ADDR.
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip"
# The user name as typed, cut to what a user name can be (a 10,000-character one broke the throttle).
AXES_USERNAME_CALLABLE = "portal.security.client_username"

# A session ends after SESSION_IDLE_MINUTES without a request, and when the browser closes.
SESSION_COOKIE_AGE = env_positive_int("SESSION_IDLE_MINUTES", 8 * 60) * 60
# portal.middleware.SessionIdleMiddleware moves the end on once a minute at most (more often for short timeouts).
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Amsterdam")
USE_I18N = True
USE_TZ = True
# The CSV exports' separator per language, as that language's Excel splits a line (others: ","); the
# export buttons also offer a choice.
CSV_EXPORT_SEPARATORS = {"nl": ";"}
# A filter's empty choice filters nothing: "All", in the reader's language (django-filter's default is "---------").
FILTERS_EMPTY_CHOICE_LABEL = _("All")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# django-tables2's bootstrap5-responsive.html with its body drawn in Python (a list page's most costly part).
DJANGO_TABLES2_TEMPLATE = "portal/_table.html"

# Content Security Policy: only our own files, no inline scripts or styles.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# A TLS-terminating proxy in front (one, appending to X-Forwarded-For): trust its headers.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The load balancer checks health over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Background work -------------------------------------------------------
# No broker configured: tasks run in-process, so the zero-set-up default works.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Without a broker, jobs run on this many background threads of the web process; 0 runs them inside the
# request that starts them (the tests do, to stay deterministic).
JOBS_LOCAL_THREADS = env.int("JOBS_LOCAL_THREADS", default=2)
if not 0 <= JOBS_LOCAL_THREADS <= 16:
    raise ImproperlyConfigured(f"JOBS_LOCAL_THREADS must be a number from 0 to 16, not {JOBS_LOCAL_THREADS}")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# One queue per remote system, so one slow system cannot starve the others.
CELERY_TASK_ROUTES = {
    "subscriptions.*": {"queue": "anewspring"},
    "accreditation.*": {"queue": "pe_online"},
    "enrolments.*": {"queue": "learning_assistant"},
}
# How often beat pulls Learning Assistant progress; an enrolment pulled within half of it is not due.
LEARNING_ASSISTANT_PROGRESS_SECONDS = env_positive_int("LEARNING_ASSISTANT_PROGRESS_SECONDS", 6 * 3600)
CELERY_BEAT_SCHEDULE = {
    "refresh-subscription-results": {
        "task": "subscriptions.tasks.results_refresh_active",
        "schedule": env_positive_int("ANEWSPRING_REFRESH_SECONDS", 3600),
    },
    "sweep-webhook-deliveries": {
        "task": "subscriptions.tasks.webhook_sweep",
        "schedule": env_positive_int("ANEWSPRING_WEBHOOK_SWEEP_SECONDS", 300),
    },
    "submit-pe-online-awards": {
        "task": "accreditation.tasks.awards_submit",
        "schedule": env_positive_int("PE_ONLINE_SUBMIT_SECONDS", 300),
    },
    "learning-assistant-reference-sync": {
        "task": "enrolments.tasks.reference_sync_daily",
        "schedule": 24 * 3600,
    },
    "learning-assistant-progress": {
        "task": "enrolments.tasks.progress_pull_active",
        "schedule": LEARNING_ASSISTANT_PROGRESS_SECONDS,
    },
    "resume-interrupted-jobs": {
        "task": "portal.tasks.jobs_resume_interrupted",
        "schedule": env_positive_int("JOBS_RESUME_SECONDS", 120),
    },
    "expire-import-uploads": {
        "task": "portal.tasks.import_uploads_expire",
        "schedule": 3600,
    },
    "notification-digests": {
        "task": "portal.tasks.notification_digests_send",
        "schedule": 3600,  # hourly; each user gets at most one a day, at the first run from NOTIFY_DIGEST_HOUR
    },
    "verify-audit-log": {
        "task": "portal.tasks.audit_verify",
        "schedule": env_positive_int("AUDIT_VERIFY_SECONDS", 86400),
    },
}

# --- Mail ------------------------------------------------------------------
# EMAIL_URL as django-environ reads it, e.g. smtp+tls://user:password@smtp.example.org:587; by default the
# machine's own mail server (Django's default), or with DEBUG the console (the demo). Made into Django's MAILERS:
# its EMAIL_* settings are deprecated. A development-only backend in production fails `check --deploy` (mail.E001).
_email = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
_MAILER_OPTIONS = {"EMAIL_HOST": "host", "EMAIL_PORT": "port", "EMAIL_HOST_USER": "username",
                   "EMAIL_HOST_PASSWORD": "password", "EMAIL_USE_TLS": "use_tls", "EMAIL_USE_SSL": "use_ssl",
                   "EMAIL_FILE_PATH": "file_path"}
MAILERS = {"default": {
    "BACKEND": _email["EMAIL_BACKEND"],
    "OPTIONS": {option: _email[name] for name, option in _MAILER_OPTIONS.items() if _email.get(name)},
}}
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    # Without a timeout, a mail server that never answers would hold up the job or beat run sending to it.
    MAILERS["default"]["OPTIONS"]["timeout"] = env_positive_float("EMAIL_TIMEOUT", 10.0)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")
# Links in mails start with this address (the one people open the portal at).
PORTAL_URL = env_url("PORTAL_URL") or "http://localhost:8000"
# The daily digest goes out at the first beat run from this hour on (TIME_ZONE).
NOTIFY_DIGEST_HOUR = env.int("NOTIFY_DIGEST_HOUR", default=7)
if not 0 <= NOTIFY_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured(f"NOTIFY_DIGEST_HOUR must be an hour from 0 to 23, not {NOTIFY_DIGEST_HOUR}")

# --- Remote systems --------------------------------------------------------
HTTP_CONNECT_TIMEOUT = env.float("HTTP_CONNECT_TIMEOUT", default=5.0)
HTTP_READ_TIMEOUT = env.float("HTTP_READ_TIMEOUT", default=30.0)
# Seconds one call may take in all (attempts, waits between them, and the whole answer): a server that
# trickles its answer a byte at a time never runs into the read timeout.
HTTP_DEADLINE = env_positive_float("HTTP_DEADLINE", 60.0)
# A GET is retried after a Retry-After of at most this many seconds; a longer one fails at once (retryable).
HTTP_RETRY_AFTER_MAX = env_positive_float("HTTP_RETRY_AFTER_MAX", 10.0)

ANEWSPRING_URL = env_url("ANEWSPRING_URL")
ANEWSPRING_API_KEY = env.str("ANEWSPRING_API_KEY", default="")
ANEWSPRING_WEBHOOK_SECRET = env.str("ANEWSPRING_WEBHOOK_SECRET", default="")
ANEWSPRING_CONCURRENCY = env_positive_int("ANEWSPRING_CONCURRENCY", 4)
# aNewSpring publishes no rate limit: a polite cap on the calls the results refresh starts per second.
ANEWSPRING_CALLS_PER_SECOND = env_positive_int("ANEWSPRING_CALLS_PER_SECOND", 20)
# Subscriptions whose results one beat run refreshes, oldest first.
ANEWSPRING_REFRESH_BATCH = env_positive_int("ANEWSPRING_REFRESH_BATCH", 200)
# The largest answer read (portal/http.py stops past it). The largest legitimate one is getGroupUsers of
# a big group: about 170 bytes a member (measured on the sandbox), 1.7 MB for 10,000 members.
ANEWSPRING_MAX_ANSWER_MB = env_positive_int("ANEWSPRING_MAX_ANSWER_MB", 8)

PE_ONLINE_URL = env_url("PE_ONLINE_URL")
PE_ONLINE_USER_ID = env.str("PE_ONLINE_USER_ID", default="")
PE_ONLINE_USER_KEY = env.str("PE_ONLINE_USER_KEY", default="")
PE_ONLINE_ORG_ID = env.int("PE_ONLINE_ORG_ID", default=None)
# An award still *sending* this long after it was claimed belongs to a worker that died between send and record.
PE_ONLINE_SENDING_TIMEOUT_SECONDS = env_positive_int("PE_ONLINE_SENDING_TIMEOUT_SECONDS", 600)
# PE Meeting IDs one event may name: each makes an award (and an audit event) per learner registration.
PE_ONLINE_MAX_MEETING_IDS = env_positive_int("PE_ONLINE_MAX_MEETING_IDS", 20)
# The Summary of a batch of 100 lines, the largest answer, is well under 100 KB.
PE_ONLINE_MAX_ANSWER_MB = env_positive_int("PE_ONLINE_MAX_ANSWER_MB", 2)

# Learning Assistant has one public address; it counts as configured once the user name and password are set.
LEARNING_ASSISTANT_URL = env_url("LEARNING_ASSISTANT_URL") or "https://api.learningassistant.com"
LEARNING_ASSISTANT_USERNAME = env.str("LEARNING_ASSISTANT_USERNAME", default="")
LEARNING_ASSISTANT_PASSWORD = env.str("LEARNING_ASSISTANT_PASSWORD", default="")
# Learning Assistant does not publish the Courses and Companies service paths: assumed defaults.
LEARNING_ASSISTANT_COURSES_PATH = env_service_path("LEARNING_ASSISTANT_COURSES_PATH", "/webservices/soap/course.cfc")
LEARNING_ASSISTANT_COMPANIES_PATH = env_service_path("LEARNING_ASSISTANT_COMPANIES_PATH",
                                                     "/webservices/soap/company.cfc")
# Enrolments whose progress one beat run pulls, the longest-unpulled first.
LEARNING_ASSISTANT_PROGRESS_BATCH = env_positive_int("LEARNING_ASSISTANT_PROGRESS_BATCH", 200)
# The demo sandbox's answer shapes (sandbox/learning_assistant.py ANSWER_MODES), e.g. "plain_names,no_roles".
SANDBOX_LEARNING_ASSISTANT_ANSWERS = env.list("SANDBOX_LEARNING_ASSISTANT_ANSWERS", default=[])
# The largest answer is GetCandidates of a big course: about 0.5 KB a candidate (measured on the sandbox;
# the real one may carry more fields), 2.5 MB for 5,000 candidates.
LEARNING_ASSISTANT_MAX_ANSWER_MB = env_positive_int("LEARNING_ASSISTANT_MAX_ANSWER_MB", 8)

# --- Learner import --------------------------------------------------------
IMPORT_MAX_UPLOAD_BYTES = env_positive_int("IMPORT_MAX_UPLOAD_MB", 50) * 1024 * 1024
IMPORT_MAX_ROWS = env_positive_int("IMPORT_MAX_ROWS", 200_000)
# An uploaded file (passwords and all) not checked within this many hours is deleted by beat's hourly sweep.
IMPORT_UPLOAD_KEEP_HOURS = env_positive_int("IMPORT_UPLOAD_KEEP_HOURS", 24)
# Files checked at once (each check holds some tens of MB), over all workers; a further check waits for
# one to end, up to IMPORT_CHECK_WAIT_SECONDS, and then fails saying so.
IMPORT_MAX_CHECKS = env_positive_int("IMPORT_MAX_CHECKS", 2)
IMPORT_CHECK_WAIT_SECONDS = env_positive_int("IMPORT_CHECK_WAIT_SECONDS", 600)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Log lines carry the audit correlation id; LOG_FORMAT=json writes one JSON object per line.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation_id": {"()": "portal.logs.CorrelationIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
        "json": {"()": "portal.logs.JsonLinesFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["correlation_id"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
