# Market: `make run` serves the demo, `make test` passes the whole suite. Both set everything up.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := market:create_app

PO_FILES := $(wildcard market/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test lint test-sqlite test-postgres setup translations extract-messages seed clean

run: $(VENV)/.runtime $(MO_FILES)
	$(BIN)/flask db upgrade
	$(BIN)/flask seed demo
	$(BIN)/flask outcomes rebuild
	$(BIN)/flask search reindex
	@echo
	@echo "  Market is at http://127.0.0.1:$(PORT)/   (Ctrl-C stops it)"
	@echo
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

AXE := tests/axe/node_modules/axe-core/axe.min.js

test: $(VENV)/.dev $(MO_FILES)
	bash scripts/system-deps.sh
	$(MAKE) --no-print-directory $(AXE)
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# ruff (pyproject.toml: line length, import order, bugbear) and the layers between areas (import-linter).
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test-sqlite: $(VENV)/.dev $(MO_FILES)
	@echo "== tests on SQLite =="
	$(BIN)/pytest

test-postgres: $(VENV)/.dev $(MO_FILES)
	@echo "== tests on PostgreSQL =="
	bash scripts/with-postgres.sh $(BIN)/pytest

setup: $(VENV)/.dev $(MO_FILES)

# axe-core for the accessibility checks of the phone sweep (tests/test_phone.py), pinned by its lock file.
$(AXE): tests/axe/package.json tests/axe/package-lock.json
	cd tests/axe && npm ci --silent --no-audit --no-fund
	touch $@

$(VENV)/.runtime: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Compiled catalogs are built, not committed.
%.mo: %.po $(VENV)/.runtime
	$(BIN)/pybabel compile -i $< -o $@ >/dev/null 2>&1

translations: $(MO_FILES)

# For developers: refresh the catalog after adding text to code or templates.
extract-messages: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l -o messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i messages.pot -d market/translations --ignore-obsolete --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance/market.db
