# PocketQuant: every target sets up what it needs (virtual environment, packages, npm, Redis,
# the chart page's assets, the browser of its tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
STAMP := $(VENV)/.installed-stamp
NPM_STAMP := node_modules/.installed-stamp
CHART_LIBRARY := functions/api/chart/vendor/lightweight-charts.standalone.production.js
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# uv installs into this project's .venv with the Python that created it, never one it downloads.
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never

# uv itself is locked (a dev dependency): the bootstrap installs the version uv.lock names.
LOCKED_UV_VERSION = $(shell $(PYTHON) -c 'import tomllib; print(next(p["version"] for p in tomllib.load(open("uv.lock", "rb"))["package"] if p["name"] == "uv"))')

.PHONY: venv lock lint typecheck test run demo bench synth synth-fast deploy openapi complexity \
	hooks redis chromium chart-assets screenshot clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(LOCKED_UV_VERSION)

# Exactly the locked versions of every package (extras dev and infra too), nothing else:
# `uv sync` removes what the lock does not list. Re-runs whenever the lock changes.
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --all-extras
	touch $(STAMP)

venv: $(STAMP)

# After editing the dependencies in pyproject.toml: re-lock, then export the layer's list.
# `make lock LOCK_ARGS=--upgrade` (or `LOCK_ARGS="--upgrade-package NAME"`) moves versions
# within pyproject's ranges.
lock: | $(UV)
	$(UV) lock $(LOCK_ARGS)
	$(BIN)/python -m layers.export

# Exactly package-lock.json's versions (npm ci), again whenever it changes.
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

# lightweight-charts, from node_modules into the chart page's assets (functions/api/chart/).
$(CHART_LIBRARY): $(NPM_STAMP) layers/chart_assets.py | $(STAMP)
	$(BIN)/python -m layers.chart_assets

chart-assets: $(CHART_LIBRARY)

# Tests start a private redis-server; install it when the machine lacks one.
redis:
	@command -v redis-server >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq redis-server)

# The chart page's browser tests drive Debian's chromium (Playwright never downloads one).
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy .

test: venv redis chromium chart-assets lint typecheck
	$(BIN)/pytest -q

# Regenerates docs/chart-page.png, the README's picture of the chart page (make demo's data).
screenshot: venv chromium chart-assets
	$(BIN)/python -m tests.browser.screenshot docs/chart-page.png

# The most complex functions (cyclomatic complexity, rank C and worse), worst first, as
# `score rank file:line name`. For reading, not a gate: make test does not run it.
complexity: venv
	@$(BIN)/radon cc --show-complexity --min C --exclude 'tests/*' \
		--ignore '.venv,node_modules,cdk.out,build' . \
		| awk '/^[^ ]/ { file = $$0; next } \
			{ score = $$6; gsub(/[()]/, "", score); split($$2, at, ":"); \
			  print score, $$5, file ":" at[1], $$3 }' \
		| sort -k1,1nr -k3,3
	@$(BIN)/radon cc --total-average --min F --exclude 'tests/*' \
		--ignore '.venv,node_modules,cdk.out,build' . | tail -n 2; echo

# ruff and mypy from .venv before every commit (.pre-commit-config.yaml).
hooks: venv
	$(BIN)/pre-commit install

run: venv chart-assets
	$(BIN)/pocketquant run

demo: venv chart-assets
	$(BIN)/pocketquant run --feed simulator

bench: venv redis
	$(BIN)/python -m bench

synth: venv $(NPM_STAMP) chart-assets
	npx cdk synth -q

# Skips the build of the Lambda layer: a quick check of the template.
synth-fast: venv $(NPM_STAMP) chart-assets
	PQ_SKIP_BUNDLING=1 npx cdk synth -q

deploy: venv $(NPM_STAMP) chart-assets
	npx cdk deploy $(CDK_ARGS)

openapi: venv
	$(BIN)/python -m functions.api.openapi > openapi.json

clean:
	rm -rf $(VENV) node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache functions/api/chart/vendor
