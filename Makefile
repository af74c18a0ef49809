# Two commands on a fresh machine with only Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run demo test check sync lint typecheck pytest bench docs check-links screenshots mutation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files so the install runs again only when pyproject.toml changes.
# `make run` installs the demo's extras too: without a token it starts the offline demo.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-dev
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

# With DISCORD_TOKEN set: the real bot. Without: the offline demo in your browser (says so loudly).
# A production service runs `peer-circle run` (or `python -m bot`), which exits 2 without a token.
run: $(VENV)/.installed-run
	$(BIN)/python -m bot --demo-without-token

demo: $(VENV)/.installed-run
	$(BIN)/python -m bot --demo

check: $(VENV)/.installed-run
	$(BIN)/python -m bot --check

sync: $(VENV)/.installed-run
	$(BIN)/python -m bot --sync

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

test: lint typecheck pytest

docs: $(VENV)/.installed-run
	$(BIN)/python -m bot.privacy_doc > docs/PRIVACY.md

# Needs internet access: asks each built-in resource link whether it answers, prints the status and
# final address, then records `checked = <today>` in content/resources.toml for the links that did.
check-links: $(VENV)/.installed-run
	$(BIN)/python -m bot.content.check_links

# PNGs of scripted demo scenarios for the README, taken by Debian's chromium (apt-get install chromium).
screenshots: $(VENV)/.installed-dev
	$(BIN)/python -m bot.demo.screenshots docs/images

# Mutation testing of the core modules listed under [tool.mutmut] in pyproject.toml (tens of minutes;
# run before a release and when a core module changes). Scores and judged survivors: docs/testing.md.
$(VENV)/.installed-mutation: pyproject.toml $(VENV)/.installed-dev
	$(BIN)/python -m pip install --quiet -e '.[dev,mutation]'
	touch $@

mutation: $(VENV)/.installed-mutation
	rm -rf mutants
	$(BIN)/mutmut run
	$(BIN)/mutmut results

bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
