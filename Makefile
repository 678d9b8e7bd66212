# The README's two commands for a newcomer are `make demo` and `make test`.
# Every target installs first when .venv is missing or older than pyproject.toml / requirements.lock.

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3.10
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo serve test lint train bench screenshots clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c requirements.lock -c requirements-dev.lock -e ".[dev]" 2>&1 \
		| sed -e '/^WARNING: Location/d' -e '/DEPRECATION/d'
	$(BIN)/python -m pip check
	touch $(STAMP)

train: install
	$(BIN)/chatbot train

demo: install
	$(BIN)/chatbot demo

serve: install
	$(BIN)/chatbot serve

# Trains first (once, here) so that the two pytest workers find the model ready; tests/scheduling.py
# says how loadscope shares the modules between them.
test: install
	$(BIN)/chatbot train
	$(BIN)/python -m pytest -n 2 --dist loadscope --durations=20

screenshots: install
	SCREENSHOTS_DIR=docs/web $(BIN)/python -m pytest tests/web/e2e -q -p no:cacheprovider

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/bench_nlu.py

clean:
	rm -rf $(VENV) models .pytest_cache .ruff_cache
