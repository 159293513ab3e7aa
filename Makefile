# Two commands for a newcomer: `make demo` and `make test`.
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
DEMO_ENV := DEBUG=true SECRET_KEY=demo-only-insecure-key EMAIL_URL=consolemail:// \
	ANEWSPRING_URL=http://127.0.0.1:8001/api ANEWSPRING_API_KEY=sandbox-key ANEWSPRING_WEBHOOK_SECRET=sandbox-webhook-secret PE_ONLINE_ORG_ID=19 \
	PE_ONLINE_URL=http://127.0.0.1:8002/pe-services/pe-attendanceelearning/WriteAttendance.asmx \
	PE_ONLINE_USER_ID=1 PE_ONLINE_USER_KEY=sandbox-user-key \
	LEARNING_ASSISTANT_URL=http://127.0.0.1:8003 LEARNING_ASSISTANT_USERNAME=sandbox-user LEARNING_ASSISTANT_PASSWORD=sandbox-password

.PHONY: venv messages demo test chromium bench check clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Compiled catalogues are committed; this rebuilds them after editing a .po file (needs gettext).
messages: venv
	DEBUG=true $(BIN)/python manage.py makemessages --locale nl --no-obsolete --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'bench/*'
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore '.venv/*'

demo: venv
	$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEMO_ENV) $(BIN)/python manage.py demo

test: venv chromium
	$(BIN)/python -m pytest

# The browser tests drive Chromium (CHROMIUM_PATH, else /usr/bin/chromium). When it is missing, root
# installs Debian's package; anyone else gets one line saying what to install, not a wall of errors.
CHROMIUM_PATH ?= /usr/bin/chromium
chromium:
	@if [ ! -x "$(CHROMIUM_PATH)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's chromium for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		fi; \
		if [ ! -x "$(CHROMIUM_PATH)" ]; then \
			echo "make test needs Chromium at $(CHROMIUM_PATH): install Debian's package (apt-get install chromium) or set CHROMIUM_PATH"; \
			exit 1; \
		fi; \
	fi

# Benchmarks run on a scratch PostgreSQL database (127.0.0.1, as on CI), made and dropped here.
BENCH_DB := portal_bench_$(shell date +%s)
bench: venv
	createdb -h 127.0.0.1 -U postgres $(BENCH_DB)
	DEBUG=false SECRET_KEY=bench-only ALLOWED_HOSTS=localhost DJANGO_SETTINGS_MODULE=portal.settings \
		DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB) $(BIN)/python -m bench; \
		status=$$?; dropdb -h 127.0.0.1 -U postgres $(BENCH_DB); exit $$status

check: venv
	DEBUG=false SECRET_KEY=check-only-$$(head -c 32 /dev/urandom | base64 | tr -dc a-zA-Z0-9) ALLOWED_HOSTS=portal.example.org \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
