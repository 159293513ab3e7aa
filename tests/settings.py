"""Test settings: the real settings with a throw-away secret and a fast password hasher."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-only-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from portal.settings import *  # noqa: E402,F403

# The demo command lives in the dev-only sandbox app (installed with DEBUG, which tests run without).
if "sandbox" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS = [*INSTALLED_APPS, "sandbox"]  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, as in production, not SQLite's shared in-memory database: that one answers a second writer
    # "table is locked" at once instead of waiting, and some tests run jobs on background threads.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"portal-tests-{os.getpid()}.sqlite3")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests talk to sandboxes on loopback; no configured integration leaks in from the environment.
ANEWSPRING_URL = PE_ONLINE_URL = LEARNING_ASSISTANT_URL = ""
ANEWSPRING_API_KEY = ANEWSPRING_WEBHOOK_SECRET = ""
PE_ONLINE_ORG_ID = None
AXES_ENABLED = True
# Tests speak plain HTTP to the test client and the live server.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Jobs run in-process unless a test starts a real worker (tests/portal/test_celery.py).
CELERY_TASK_ALWAYS_EAGER = True
# ... and inside the request that starts them, so a test sees a job's outcome at once (tests/portal/test_jobs.py
# proves the background threads the zero-set-up default uses).
JOBS_LOCAL_THREADS = 0
