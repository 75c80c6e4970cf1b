# trustdesk: every command bootstraps .venv from the lock file on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench serve clean migration

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock 2>&1 \
		| { grep -v "is ignored: it is neither a file nor a directory" || true; }; exit $${PIPESTATUS[0]}
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e . 2>&1 \
		| { grep -v "is ignored: it is neither a file nor a directory" || true; }; exit $${PIPESTATUS[0]}
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/trustdesk demo

test: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/run_all.py
	$(BIN)/python bench/totp_bench.py
	$(BIN)/python bench/screening_eval.py
	$(BIN)/python bench/support_bench.py
	$(BIN)/python bench/bot_eval.py

serve: $(STAMP)
	$(BIN)/trustdesk db upgrade
	$(BIN)/trustdesk serve

# Generate a migration after changing rows: make migration MESSAGE="add x"
migration: $(STAMP)
	$(BIN)/python -m trustdesk.db.autogen "$(MESSAGE)"

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache
