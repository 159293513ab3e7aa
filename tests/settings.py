"""Test settings: the real settings with a throw-away secret and a fast password hasher."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-" + "x" * 50)

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests talk to sandboxes on loopback; no configured integration leaks in from the environment.
ANEWSPRING_URL = PE_ONLINE_URL = LEARNING_ASSISTANT_URL = ""
ANEWSPRING_API_KEY = ANEWSPRING_WEBHOOK_SECRET = ""
PE_ONLINE_ORG_ID = None
AXES_ENABLED = True
