# The two commands that set everything up on a fresh machine with only Python:
#   make demo   -- the main job: `scalearn demo` walks the scaling regimes
#   make test   -- lint and the whole test suite
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
EXTRAS ?= test,progress,diagnostics

.PHONY: demo test lint format bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/scalearn demo $(ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(PY) -m pytest $(ARGS)

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[$(EXTRAS),bench]"
	$(PY) benchmarks/run.py $(ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info
