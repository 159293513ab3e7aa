"""Configuration comes from the environment and fails loudly on bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "a-long-random-production-key-0123456789-abcdefghijklmnop",
              "ALLOWED_HOSTS": "portal.example.org"}


def manage(*args, **env):
    ours = {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    """The zero-set-up production: SQLite, no broker (CI's environment sets a database and a broker)."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, CELERY_BROKER_URL="",
                    DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("name, value, message", [
    ("DEBUG", "maybe", "DEBUG must be true or false"),
    ("ANEWSPRING_URL", "ftp://x", "ANEWSPRING_URL must be an http(s) URL"),
    ("ANEWSPRING_CONCURRENCY", "0", "ANEWSPRING_CONCURRENCY must be a positive number"),
    ("ANEWSPRING_CALLS_PER_SECOND", "-3", "ANEWSPRING_CALLS_PER_SECOND must be a positive number"),
    ("PE_ONLINE_ORG_ID", "nineteen", "invalid literal"),
    ("SECRET_KEY", "", "SECRET_KEY must be set"),
    ("LOG_FORMAT", "yaml", "LOG_FORMAT must be text or json"),
    ("LEARNING_ASSISTANT_COURSES_PATH", "course.cfc", "LEARNING_ASSISTANT_COURSES_PATH must be a path starting with /"),
    ("WEB_STATEMENT_TIMEOUT", "-1", "WEB_STATEMENT_TIMEOUT must be 0 or more seconds"),
    ("IMPORT_MAX_ROWS", "0", "IMPORT_MAX_ROWS must be a positive number"),
    ("SESSION_IDLE_MINUTES", "0", "SESSION_IDLE_MINUTES must be a positive number"),
    ("JOBS_LOCAL_THREADS", "-1", "JOBS_LOCAL_THREADS must be a number from 0 to 16"),
    ("JOBS_LOCAL_THREADS", "two", "invalid literal"),
    ("IMPORT_UPLOAD_KEEP_HOURS", "0", "IMPORT_UPLOAD_KEEP_HOURS must be a positive number"),
    ("DATABASE_CONNECT_TIMEOUT", "0", "DATABASE_CONNECT_TIMEOUT must be a positive number"),
    ("NOTIFY_DIGEST_HOUR", "24", "NOTIFY_DIGEST_HOUR must be an hour from 0 to 23"),
    ("PORTAL_URL", "portal.example.org", "PORTAL_URL must be an http(s) URL"),
])
def test_bad_values_stop_the_start(name, value, message):
    result = manage("check", **{**PRODUCTION, name: value})
    assert result.returncode != 0 and message in result.stderr


SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize("env, expected", [
    ({}, {"BACKEND": SMTP, "OPTIONS": {"host": "localhost", "port": 25, "timeout": 10.0}}),
    ({"DEBUG": "true"}, {"BACKEND": "django.core.mail.backends.console.EmailBackend", "OPTIONS": {}}),
    ({"EMAIL_URL": "smtp+tls://portal%40example.org:s3cret@smtp.example.org:587", "EMAIL_TIMEOUT": "3"},
     {"BACKEND": SMTP, "OPTIONS": {"host": "smtp.example.org", "port": 587, "username": "portal@example.org",
                                   "password": "s3cret", "use_tls": True, "timeout": 3.0}}),
])
def test_mail_is_configured_by_email_url_as_djangos_mailers(env, expected):
    """By default the machine's mail server, with DEBUG the console; EMAIL_URL names the mail server (as Django's
    MAILERS: no deprecated EMAIL_* setting)."""
    code = "from django.conf import settings as s; print(repr(s.MAILERS['default']))"
    result = manage("shell", "--no-imports", "-c", code, **{**PRODUCTION, **env})
    assert result.returncode == 0, result.stderr
    assert eval(result.stdout.strip().splitlines()[-1]) == expected  # noqa: S307 - the repr our own code printed


def test_check_deploy_refuses_mail_written_to_the_console(tmp_path):
    result = manage("check", "--deploy", **PRODUCTION, EMAIL_URL="consolemail://",
                    DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    assert result.returncode != 0 and "mail.E001" in result.stderr


@pytest.mark.parametrize("url, timeout, expected", [
    ("postgres://portal@db.example.org:5432/portal", None, 5),
    ("postgres://portal@db.example.org:5432/portal", "2", 2),
    ("postgres://portal@db.example.org:5432/portal?connect_timeout=9", "2", 9),  # the URL's own wins
])
def test_postgresql_connections_give_up_after_a_connect_timeout(url, timeout, expected):
    """libpq waits for ever by default: /healthz and every request would hang on a dead database host."""
    code = "from django.conf import settings as s; print(repr(s.DATABASES['default']['OPTIONS']['connect_timeout']))"
    extra = {"DATABASE_CONNECT_TIMEOUT": timeout} if timeout else {}
    result = manage("shell", "--no-imports", "-c", code, **{**PRODUCTION, "DATABASE_URL": url, **extra})
    assert result.returncode == 0, result.stderr
    assert eval(result.stdout.strip().splitlines()[-1]) == expected  # noqa: S307 - the repr our own code printed


def _production_answer(expression: str):
    """Evaluate an expression over a production GET of /healthz (r) and the settings (s) in a fresh process;
    /healthz renders no static files, which need collectstatic's manifest in production."""
    code = ("from django.conf import settings as s; from django.test import Client; "
            f"r = Client().get('/healthz', secure=True); print(repr({expression}))")
    result = manage("shell", "--no-imports", "-c", code, **{**PRODUCTION, "ALLOWED_HOSTS": "testserver"})
    assert result.returncode == 0, result.stderr
    return eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 - the repr our own code printed


def test_production_answers_with_hsts_and_a_strict_csp():
    hsts, csp, frames = _production_answer("(r['Strict-Transport-Security'], r['Content-Security-Policy'], "
                                           "r['X-Frame-Options'])")
    assert hsts == "max-age=31536000; includeSubDomains; preload" and frames == "DENY"
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == directives["script-src"] == directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and "unsafe" not in csp


def test_production_cookies_are_secure_and_plain_http_is_sent_to_https():
    assert _production_answer("(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
                              "Client().get('/accounts/login/')['Location'])") == (
        True, True, True, "https://testserver/accounts/login/")
