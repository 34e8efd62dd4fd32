# Touchpoint: the two commands a newcomer needs are `make dev` and `make test`.
# Both create the virtual environment themselves; nothing has to be installed by hand.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed
DEPLOY_STAMP := $(VENV)/.deploy-installed
STAGE  ?= dev
KEEP_LAKE ?= 1

.PHONY: dev test lint typecheck unit e2e package stack deploy destroy cfn-lint clean venv system-deps lock

## Set up everything and start the local stack (moto in-process, all HTTP functions on 127.0.0.1:$(PORT)).
## Java 17 is installed when missing: `touchpoint rollup --engine spark` runs a local SparkSession.
dev: $(STAMP)
	@bash .ci/system-deps.sh java
	$(BIN)/touchpoint dev --port $(PORT)

## Set up everything and run the whole suite: ruff, mypy, cfn-lint, pytest (unit, functional, e2e).
test: $(STAMP) system-deps lint typecheck cfn-lint
	$(BIN)/python -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)

venv: $(STAMP)

## The exact versions of requirements/dev.lock (`make lock` recompiles it), then the project itself.
$(STAMP): pyproject.toml requirements/dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## Recompile every dependency lock with uv (dev, deploy, and each function's for its runtime).
lock: $(STAMP)
	$(BIN)/python infra/locks.py

## Debian packages the tests need (installed only when missing): Java 17, Chromium, libzbar0.
system-deps:
	@bash .ci/system-deps.sh test

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy shared tests bench infra
	@# each function has its own app.py/chalicelib, so each is checked on its own
	@for f in functions/*/; do (cd $$f && $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml app.py chalicelib) || exit 1; done

cfn-lint: $(STAMP)
	$(BIN)/cfn-lint infra/template.yaml

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit -q

e2e: $(STAMP) system-deps
	$(BIN)/python -m pytest -m e2e -q

## Vendor shared/ into each Chalice app and run `chalice package` per app into build/.
package: $(STAMP)
	$(BIN)/python infra/package.py --out build --stage $(STAGE)

## The one-stack deployment: build/stack/template.json (resources + one nested stack per function + CloudFront).
stack: package
	$(BIN)/python infra/stack.py --build build --stage $(STAGE)

$(DEPLOY_STAMP): $(STAMP) requirements/deploy.lock
	$(BIN)/python -m pip install --quiet -r requirements/deploy.lock
	touch $(DEPLOY_STAMP)

## Build and deploy stage $(STAGE) as one stack with the AWS CLI (credentials and region from the environment).
## Optional: TENANT=<id> TENANT_NAME="<name>" for the first tenant, PUBLIC_DOMAIN=... CERTIFICATE_ARN=...,
## MAIL_FROM=<address> the sender of every e-mail (kept by later deploys without it)
deploy: $(DEPLOY_STAMP) stack
	$(BIN)/python infra/deploy.py deploy --stage $(STAGE) --build build \
	    $(if $(TENANT),--tenant $(TENANT)) $(if $(TENANT_NAME),--tenant-name "$(TENANT_NAME)") \
	    $(if $(PUBLIC_DOMAIN),--public-domain $(PUBLIC_DOMAIN) --certificate-arn $(CERTIFICATE_ARN)) \
	    $(if $(MAIL_FROM),--mail-from "$(MAIL_FROM)")

## Delete stage $(STAGE)'s stack; the lake bucket is kept unless KEEP_LAKE=0.
destroy: $(DEPLOY_STAMP)
	$(BIN)/python infra/deploy.py destroy --stage $(STAGE) $(if $(filter 0,$(KEEP_LAKE)),--delete-lake)

clean:
	rm -rf build functions/*/vendor .mypy_cache .ruff_cache .pytest_cache
