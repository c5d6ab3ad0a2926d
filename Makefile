# The only entry points. See README.md.
SHELL := /bin/bash
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup setup-test test test-sqlite test-postgres test-scaled bench lint lint-checks format demo-data messages

# The address people reach it at: the login hub's issuer, and the demo site's return address.
run: export OPENCLASS_SITE_URL ?= http://$(HOST):$(PORT)
run: setup
	$(PY) manage.py demo_data --once
	$(PY) scripts/run.py --host $(HOST) --port $(PORT)

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

demo-data: setup
	$(PY) manage.py demo_data

# Every test, on SQLite and then on a throw-away PostgreSQL cluster, spread over processes
# (pytest-xdist): the tests without a browser over one more than the machine has cores, since
# part of their time goes waiting on a server, Janus or ffmpeg they started (2 cores: the SQLite
# pass 458-481 s with two, 376 s with three); the browser tests over two (604 s one at a time,
# 420 s in two; three gained 15 s more and loaded the machine past what a live class's test
# tolerates).
# Last, the scaled profile (PostgreSQL, Redis, two uvicorn workers, two Janus servers behind
# nginx with deploy/nginx.conf) end to end through nginx, and the faults it must survive
# (web/tests/test_scaled_profile.py, test_faults.py), all in a private network namespace so a
# live class's media flows between chromium and Janus (openclass/live/tests/netns.py). Each pass
# prints its 15 slowest steps: where the 30-minute budget goes.
SCALED := $(PY) -m openclass.live.tests.netns scripts/with_postgres.sh $(PY) -m pytest -m scaled --durations=15
PARALLEL := -n $(shell echo $$(( $$(nproc) + 1 ))) -m "not browser and not scaled" --durations=15
BROWSERS := -n 2 -m "browser and not scaled" --durations=15

test: setup-test
	$(PY) -m pytest $(PARALLEL)
	$(PY) -m pytest $(BROWSERS)
	scripts/with_postgres.sh $(PY) -m pytest $(PARALLEL)
	$(SCALED)

test-sqlite: setup-test
	$(PY) -m pytest $(PARALLEL)
	$(PY) -m pytest $(BROWSERS)

test-postgres: setup-test
	scripts/with_postgres.sh $(PY) -m pytest $(PARALLEL)

test-scaled: setup-test
	$(SCALED)

bench:
	@scripts/setup.sh --bench
	$(PY) -m bench

# The supply-chain audit (scripts/audit.py, docs/dependencies.md): a known vulnerability in a pin
# fails; so does an audit no vulnerability service answered, unless AUDIT_WHEN_UNREACHABLE=report.
AUDIT_WHEN_UNREACHABLE ?= fail

lint: setup-test lint-checks

# The checks alone, on a set-up checkout: .ci/run runs them beside `make test`.
lint-checks:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	$(PY) scripts/audit.py --when-unreachable=$(AUDIT_WHEN_UNREACHABLE)

format: setup-test
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

# Refresh the translation catalogue after changing strings, then fill in the Korean.
messages: setup-test
	cd openclass && ../$(PY) ../manage.py makemessages -l ko --no-obsolete --add-location file
	cd openclass && ../$(PY) ../manage.py compilemessages -l ko
