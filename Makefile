# Two commands on a fresh machine (Python 3.11 and git):
#   make demo   — install, create the SQLite database, load the demo, serve http://127.0.0.1:8000/
#   make test   — install, lint, check, and run the whole test suite
# DATABASE_URL=postgres://… make test runs the same suite on PostgreSQL.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install lint check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

demo: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Portail : http://$(HOST):$(PORT)/    Administration : http://$(HOST):$(PORT)/admin/"
	@echo "  Comptes (mot de passe « demo ») : admin, agent.academie, directrice.jaures, enseignant.jaures,"
	@echo "  referent.toulouse, agent.toulouse, parent.martin, parent.durand, eleve.martin,"
	@echo "  directrice.ferry, fcpe.jaures, ape.ferry, parent.roche"
	@echo ""
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .

check: install
	DEBUG=1 $(BIN)/python manage.py check
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

test: lint check
	$(BIN)/python -m pytest --durations=15

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles test-results .pytest_cache .ruff_cache
