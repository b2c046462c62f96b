# The README's two commands are `make run` and `make test`; everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# The template's runtime, CPython 3.13: the hermetic tests run on it too. Found as tools/package.py
# finds the one that compiles the artifact's bytecode (python3.13 on PATH, or pyenv's).
PYTHON313 ?= $(shell $(PYTHON) tools/package.py --find-python --python-version 3.13)
VENV313 := .venv-313
STAMP313 := $(VENV313)/.installed-stamp

.PHONY: run invoke drift ledger test lint types unit unit-hermetic unit-hermetic-313 clean

# $(call venv,PYTHON,DIR): DIR becomes a venv of PYTHON with the runtime and dev dependencies.
define venv
	$(1) -m venv $(2)
	$(2)/bin/python -m pip install -q --upgrade "pip>=25.1"
	$(2)/bin/python -m pip install -q -r provider/requirements.txt --group dev
	touch $(2)/.installed-stamp
endef

$(STAMP): pyproject.toml provider/requirements.txt
	$(call venv,$(PYTHON),$(VENV))

$(STAMP313): pyproject.toml provider/requirements.txt
	$(call venv,$(PYTHON313),$(VENV313))

## Play a stack's life (Create -> Update -> replacement -> Delete) against the local double.
run: $(STAMP)
	$(BIN)/python -m tools.local.play

## Invoke the handler with one event file, as `sam local invoke -e EVENT` would: make invoke EVENT=events/create.json
## (any file in events/; the scheduled one runs the drift check against the local ledger).
invoke: $(STAMP)
	$(BIN)/python -m tools.local.play --event $(EVENT)

## The drift report against the local double, seeded with drifted domains: make drift ARGS=--json
## The command exits 1 when it finds drift (as seeded here): make exits 0 then, and fails only
## when a domain could not be checked (2).
drift: $(STAMP)
	$(BIN)/python -m tools.local.drift $(ARGS) || test $$? -eq 1  # 1: drift found, as seeded

## The ledger command against the local double, seeded with a live, a stale and an invalid item:
## make ledger ARGS="show crm-profiles" (default: list)
ledger: $(STAMP)
	$(BIN)/python -m tools.local.ledger_story $(ARGS)

## Lint, types and the tests: what CI runs.
test: lint-templates lint types unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

## The hermetic tests (plain `pytest`) on Python 3.11 and on 3.13, the runtime's, side by side
## (they mostly wait); then the marked ones on 3.11: PyPI downloads, tools venv, slow.
unit: $(STAMP) $(STAMP313)
	$(MAKE) --no-print-directory -j2 --output-sync=target unit-hermetic unit-hermetic-313
	$(BIN)/pytest -m "network or tools or slow"

unit-hermetic: $(STAMP)
	$(BIN)/pytest

unit-hermetic-313: $(STAMP313)
	$(VENV313)/bin/pytest

clean:
	rm -rf $(VENV) $(VENV313) $(TOOLS_VENV) $(SAM_VENV) $(LOCK_VENV) .aws-sam build

# --- Deploy and packaging (issues 3 and 8)
# Template tools live in their own venv: checkov pins packaging<24, which pytest 9 (dev group)
# cannot use. The CDK example is synthesized with the same venv (aws-cdk-lib runs on node).
# The SAM CLI has a third one: it pins boto3==1.43.108, checkov 3.3.30 boto3==1.35.49.
TOOLS_VENV := .venv-tools
TOOLS := $(TOOLS_VENV)/bin
TOOLS_STAMP := $(TOOLS_VENV)/.installed-stamp
TOOLS_PINS := cfn-lint==1.58.0 checkov==3.3.30 aws-cdk-lib==2.275.0 constructs==10.8.1
CDK_EXAMPLE := examples/cdk
# jsii warns on every run that node 20 is past its end of life (it still works).
JSII_QUIET := JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION=1 JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
CDK_TEMPLATE := $(CDK_EXAMPLE)/cdk.out/CustomerProfilesDomainExample.template.json
TEMPLATES := template.yaml examples/stacksets/template.yaml examples/cloudformation/domain.yaml \
	examples/sam/template.yaml examples/sar/template.yaml
SAM_VENV := .venv-sam
SAM_STAMP := $(SAM_VENV)/.installed-stamp
SAM_PIN := aws-sam-cli==1.170.0
# checkov: offline (no guideline download), CloudFormation only; skips live in the templates.
CHECKOV := BC_SKIP_MAPPING=TRUE $(TOOLS)/checkov --quiet --compact --skip-download --framework cloudformation

.PHONY: tools package lock templates lint-templates synth-cdk

$(TOOLS_STAMP): Makefile
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS)/python -m pip install -q --upgrade "pip>=25.1"
	$(TOOLS)/python -m pip install -q $(TOOLS_PINS)
	touch $@

$(SAM_STAMP): Makefile
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install -q --upgrade "pip>=25.1"
	$(SAM_VENV)/bin/python -m pip install -q $(SAM_PIN)
	touch $@

## Install cfn-lint, checkov and the CDK into .venv-tools (tests/test_examples.py uses it), and
## the SAM CLI into .venv-sam (tests/test_sam_cli.py runs the README's sam commands with it).
tools: $(TOOLS_STAMP) $(SAM_STAMP)

# The marked tests need both venvs.
unit: $(TOOLS_STAMP) $(SAM_STAMP)

## Build the arm64/Python 3.13 artifact with its bytecode into .aws-sam/build (no Docker; needs a
## CPython 3.13: python3.13 on PATH or pyenv's) from the lock, with its SHA-256, its SBOM and the
## StackSets template beside it; then `sam deploy`. `sam build` runs the same script.
## INDEX_URL: the one index the wheels come from (their hashes are the lock's whatever it is).
INDEX_URL ?= https://pypi.org/simple
package: $(STAMP)
	$(BIN)/python tools/package.py --index-url $(INDEX_URL)

# The lock: uv resolves provider/requirements.txt for the target (arm64 Linux, CPython 3.13),
# not for this machine, and writes every file's hash. uv has a venv of its own, made once.
LOCK_VENV := .venv-lock
UV_PIN := uv==0.13.9
UV ?= $(LOCK_VENV)/bin/uv
LOCK := provider/requirements-lock.txt

$(LOCK_VENV)/bin/uv:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install -q --isolated --index-url $(INDEX_URL) $(UV_PIN)

## Resolve provider/requirements.txt again into the hashed lock the artifact installs from.
lock: | $(UV)
	$(UV) pip compile --quiet --no-config --index-url $(INDEX_URL) --only-binary :all: \
		--python-platform aarch64-manylinux2014 --python-version 3.13 --generate-hashes \
		--custom-compile-command "make lock" provider/requirements.txt -o $(LOCK)

## Write examples/stacksets/template.yaml (template.yaml without any transform, for StackSets) with the
## SAM translator of .venv-sam.
templates: | $(SAM_STAMP)
	$(SAM_VENV)/bin/python tools/stacksets.py

## Synthesize the CDK example (no AWS account needed) into examples/cdk/cdk.out, with the
## construct library's Python package as `make cdk` built it.
synth-cdk: $(TOOLS_STAMP) cdk
	rm -rf $(CDK_EXAMPLE)/cdk.out
	cd $(CDK_EXAMPLE) && $(JSII_QUIET) CDK_OUTDIR=cdk.out PYTHONPATH=../../$(CDK_SITE) \
		../../$(TOOLS)/python app.py

## cfn-lint and checkov on the provider template and every example (the CDK one synthesized).
lint-templates: $(STAMP) $(TOOLS_STAMP) synth-cdk
	$(TOOLS)/cfn-lint $(TEMPLATES) $(CDK_TEMPLATE)
	$(BIN)/cfn-lint --append-rules cfn_lint_rules -- $(TEMPLATES) $(CDK_TEMPLATE)
	$(CHECKOV) $(addprefix -f ,$(TEMPLATES) $(CDK_TEMPLATE))

# --- Fidelity (issue 4)
## Regenerate the resource properties' JSON Schema and docs/Custom-CustomerProfilesDomain.md from the model.
schema: $(STAMP)
	$(BIN)/python tools/gen_schema.py

# --- Reliability and speed (issue 5)
.PHONY: bench
## Measure cold start on 3.13 (with and without bytecode, against a plain crhelper handler; at
## loopback and with an in-region network's latency per call), handler time, AWS calls, Delete
## sleep, memory and artifact size (docs/benchmarks.md). About 5 minutes.
bench: $(STAMP)
	$(BIN)/python tools/bench.py

# --- CDK construct library (issue 18): cdk/, one jsii source for TypeScript and Python
# node_modules comes from the committed package-lock.json (`npm ci`); jsii compiles src/ into lib/
# and .jsii, jsii-pacmak builds the Python wheel into cdk/dist/python (in a venv of its own, from
# PyPI). The wheel is unpacked into cdk/dist/python-site, which the example synth puts on the
# tools venv's PYTHONPATH: no venv is changed. tests/test_cdk_python.py installs the wheel into a
# throwaway venv, as a user would. The commands in `cd $(CDK) && ...` lines are cdk/README.md's
# (tests/test_cdk_readme.py checks they agree).
CDK := cdk
CDK_NODE_STAMP := $(CDK)/node_modules/.package-lock.json
CDK_WHEEL_DIR := $(CDK)/dist/python
CDK_SITE := $(CDK)/dist/python-site
CDK_SOURCES := $(wildcard $(CDK)/src/*.ts) $(CDK)/package.json $(CDK)/README.md
CDK_STAMP := $(CDK_SITE)/.built-stamp

.PHONY: cdk cdk-test cdk-props

$(CDK_NODE_STAMP): $(CDK)/package-lock.json
	cd $(CDK) && npm ci --no-audit --no-fund
	touch $@

$(CDK_STAMP): $(CDK_NODE_STAMP) $(CDK_SOURCES) $(TOOLS_STAMP)
	rm -rf $(CDK)/dist
	cd $(CDK) && $(JSII_QUIET) npm run build
	$(TOOLS)/python -m pip install -q --no-deps --no-index --target $(CDK_SITE) $(CDK_WHEEL_DIR)/*.whl
	touch $@

## Build the construct library: jsii (lib/, .jsii) and jsii-pacmak (the Python wheel).
cdk: $(CDK_STAMP)

## The library's tests: TypeScript with the CDK's assertions, under `node --test`.
cdk-test: cdk
	cd $(CDK) && $(JSII_QUIET) npm test

## Regenerate cdk/src/*.generated.ts from docs/schema/domain-properties.schema.json.
cdk-props: $(STAMP)
	$(BIN)/python -m tools.gen_construct_props

.PHONY: cdk-clean
cdk-clean:
	rm -rf $(CDK)/node_modules $(CDK)/lib $(CDK)/dist $(CDK)/test-out $(CDK)/.jsii \
		$(CDK)/tsconfig.json $(CDK)/.npmignore

# CI: the TypeScript tests run with the others; the marked Python tests use the built wheel.
test: cdk-test
unit: cdk
clean: cdk-clean
