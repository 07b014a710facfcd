# make help lists the targets. Each target creates .venv when needed.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
export HF_HUB_OFFLINE := 1

.PHONY: help run test check format index clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime ## install, then start the web chat on http://127.0.0.1:7860
	$(PY) app.py

index: $(VENV)/.runtime ## build the index from corpus/
	$(PY) -m assistant build

check: $(VENV)/.dev ## lint and format check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.dev ## fix lint and format what can be fixed
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

test: check ## install, lint, then run the whole test suite
	$(PY) -m pytest

clean: ## remove the virtual environment and the built index (index/ holds no tracked file)
	rm -rf $(VENV) index
