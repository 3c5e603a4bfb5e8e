# PocketQuant: every target sets up what it needs (virtual environment, packages, npm, Redis).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NPM_STAMP := node_modules/.installed-stamp
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: venv lint typecheck test run demo bench synth synth-fast deploy openapi redis clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,infra]' --config-settings editable_mode=compat
	touch $(STAMP)

venv: $(STAMP)

$(NPM_STAMP): package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

# Tests start a private redis-server; install it when the machine lacks one.
redis:
	@command -v redis-server >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq redis-server)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy .

test: venv redis lint typecheck
	$(BIN)/pytest -q

run: venv
	$(BIN)/pocketquant run

demo: venv
	$(BIN)/pocketquant run --feed simulator

bench: venv redis
	$(BIN)/python -m bench

synth: venv $(NPM_STAMP)
	npx cdk synth -q

# Skips the pip build of the Lambda layer: a quick check of the template.
synth-fast: venv $(NPM_STAMP)
	PQ_SKIP_BUNDLING=1 npx cdk synth -q

deploy: venv $(NPM_STAMP)
	npx cdk deploy $(CDK_ARGS)

openapi: venv
	$(BIN)/python -m functions.api.openapi > openapi.json

clean:
	rm -rf $(VENV) node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache
