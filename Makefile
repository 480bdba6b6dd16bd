# Omniport: `make run` starts everything with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PY_CANDIDATES := python3.11 python3.12 python3
PYTHON ?= $(firstword $(foreach p,$(PY_CANDIDATES),$(shell command -v $(p) 2>/dev/null)))
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.txt requirements/base.txt 2>/dev/null | cksum | cut -d' ' -f1)
export XDG_RUNTIME_DIR ?= $(CURDIR)/var/run
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint lock stop venv messages bench clean

venv: $(STAMP)

$(STAMP): requirements/dev.txt requirements/base.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 or 3.12 is required"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3,11) <= sys.version_info[:2] < (3,13) else 1)' || \
		{ echo "Python 3.11 or 3.12 is required (pgserver has no wheel for newer)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv
	@$(BIN)/uv pip sync -q --python $(BIN)/python requirements/dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

messages: venv
	@$(BIN)/python manage.py compile_locales -v 0

run: venv messages
	@$(BIN)/python -m config.run

test: venv messages
	@mkdir -p var/run
	DJANGO_ENV=test $(BIN)/python manage.py makemigrations --check --dry-run -v 1
	DJANGO_ENV=test $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy commerce connectors hub storefront config

lock: venv
	$(BIN)/uv pip compile -q --no-header --python-version 3.11 requirements/base.in -o requirements/base.txt
	$(BIN)/uv pip compile -q --no-header --python-version 3.11 requirements/dev.in -o requirements/dev.txt

bench: venv
	$(BIN)/python -m benchmarks.allocation

stop:
	@test -x $(BIN)/python && $(BIN)/python -c 'from config import embedded; embedded.stop_redis(); embedded.stop_postgres()' || true

clean: stop
	rm -rf var $(VENV)
