# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
PORT ?= 8501

.PHONY: run test install install-dev lint typecheck migrations-check i18n-extract i18n-compile clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP_RUN): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(STAMP_DEV): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(STAMP_RUN)

install: $(STAMP_RUN) i18n-compile
install-dev: $(STAMP_DEV) i18n-compile

## Compile the translation catalogues (.po -> .mo).
i18n-compile: | $(PY)
	@$(BIN)/pybabel compile -d engagement/locale -D messages 2>&1 | grep -v '^compiling' || true

## Extract messages to the .pot and merge them into the fr/en catalogues (then translate fr).
i18n-extract: $(STAMP_DEV)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location \
	  --sort-output --no-wrap -o engagement/locale/messages.pot .
	$(BIN)/pybabel update -i engagement/locale/messages.pot -d engagement/locale -D messages \
	  --no-fuzzy-matching --no-wrap

## Install, migrate, load the demo company when the database is empty, serve the portal.
run: install
	$(PY) -m engagement init
	$(PY) -m engagement demo --if-empty
	$(BIN)/streamlit run serve.py --server.port $(PORT) --server.address 127.0.0.1

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP_DEV)
	$(BIN)/mypy engagement

migrations-check: $(STAMP_DEV)
	@tmp=$$(mktemp -d) && DATABASE_URL=sqlite:///$$tmp/check.db $(PY) -m engagement init >/dev/null \
	  && DATABASE_URL=sqlite:///$$tmp/check.db $(BIN)/alembic check; rc=$$?; rm -rf $$tmp; exit $$rc

## Install dev requirements, then lint, type-check, check migrations and run the whole suite.
test: install-dev lint typecheck migrations-check
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
