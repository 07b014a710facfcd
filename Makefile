# make help lists the targets. Each target creates .venv when needed.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
export HF_HUB_OFFLINE := 1

.PHONY: help run test test-serial check format index clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# pip is not --quiet: a first install takes minutes, and its own lines
# (Collecting, Downloading with sizes, Installing) show that it is moving.
PIP_INSTALL := $(PY) -m pip install --disable-pip-version-check --progress-bar on
# The pip a Python 3.11 venv starts with (23.2) does not match jusText's `lxml[html_clean]`
# to lxml's `html-clean` extra (PEP 685 names; pip 23.3 does): it warns that lxml "does not
# provide the extra", then backtracks through older lxml wheels, downloading each.
PIP_VERSION := 25.3

$(VENV)/.runtime: requirements.txt
	@echo "==> [1/2] creating the virtual environment $(VENV) with pip $(PIP_VERSION) (a few seconds)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check pip==$(PIP_VERSION)
	@echo "==> [2/2] installing requirements.txt: torch (CPU), onnxruntime, faiss, gradio, ..."
	@echo "    (about 3 minutes the first time, mostly downloads; seconds when up to date;"
	@echo "    after \"Installing collected packages\" pip prints nothing for a minute or so"
	@echo "    while it unpacks them: it is not stuck)"
	$(PIP_INSTALL) -r requirements.txt
	@touch $@
	@echo "==> installed"

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	@echo "==> installing requirements-dev.txt: pytest, ruff, playwright, ... (about a minute)"
	$(PIP_INSTALL) -r requirements-dev.txt
	@touch $@

$(VENV)/.cluster: requirements-cluster.txt $(VENV)/.runtime
	@echo "==> installing requirements-cluster.txt: Ray (about a minute)"
	$(PIP_INSTALL) -r requirements-cluster.txt
	@touch $@

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

# Three lanes at once. The Ray tests mostly wait on their cluster (under half a core);
# the quick benchmark runs (tests/test_benchmarks.py: each script's --quick mode in a
# subprocess, ~6 min) and the rest (~8 min) each keep about one core busy. Beside each
# other, CI's wall time is the longest lane's, not the sum. The other lanes' output is
# printed after the rest's.
RAY_TESTS := ASSISTANT_CLUSTER_TESTS=required $(PY) scripts/isolated.py $(PY) -m pytest -p no:cacheprovider tests/cluster/ray
BENCH_TESTS := $(PY) -m pytest -p no:cacheprovider tests/test_benchmarks.py

test: check $(VENV)/.cluster ## install, lint, then run the whole test suite (the Ray tests isolated on loopback)
	@ray_log=$$(mktemp); bench_log=$$(mktemp); \
	echo "==> the Ray tests (isolated on loopback) and the quick benchmark runs go beside the others; their output follows the others'"; \
	$(RAY_TESTS) >"$$ray_log" 2>&1 & ray=$$!; \
	$(BENCH_TESTS) >"$$bench_log" 2>&1 & bench=$$!; \
	$(PY) -m pytest --ignore=tests/cluster/ray --ignore=tests/test_benchmarks.py; rest=$$?; \
	wait $$bench; benchmarks=$$?; \
	echo "==> the quick benchmark runs: $(BENCH_TESTS)"; cat "$$bench_log"; rm -f "$$bench_log"; \
	wait $$ray; cluster=$$?; \
	echo "==> the Ray tests: $(RAY_TESTS)"; cat "$$ray_log"; rm -f "$$ray_log"; \
	test $$rest -eq 0 && test $$benchmarks -eq 0 && test $$cluster -eq 0

test-serial: check $(VENV)/.cluster ## the same suite, one part after the other
	$(PY) -m pytest --ignore=tests/cluster/ray
	$(RAY_TESTS)

clean: ## remove the virtual environment and the built index (index/ holds no tracked file)
	rm -rf $(VENV) index
