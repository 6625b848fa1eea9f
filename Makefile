# The two commands a newcomer needs: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: install run test lint pytest bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,otel,ray]"
	touch $@

run: install
	$(VENV)/bin/sop up --demo

test: install lint pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy shared services gateway sop
	$(VENV)/bin/lint-imports

pytest: install
	$(PY) -m pytest

bench: install
	$(PY) -m bench.solve_bench

clean:
	rm -rf var
