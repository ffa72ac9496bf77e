# Two commands set everything up from nothing: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PIP_VERSION := 26.3

.PHONY: install run test lint unit bench clean tools check-template browser

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "techfeed needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	@# The pip that ships with Python 3.11 trips over lxml's extras in our pins; this one does not.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[local,dev,keywords,bench]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/techfeed run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: install
	$(BIN)/pytest tests/unit

# The browser tests drive Debian's Chromium (no browser downloads here). Installed when we are
# root and it is missing; otherwise those tests skip and say why.
# Korean fonts too, or the screenshots show boxes for Hangul.
browser:
	@missing=""; command -v chromium >/dev/null || missing="chromium"; \
	dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
		|| echo "make: could not install$$missing; without chromium the browser tests skip"; \
	else echo "make: not installed:$$missing; without chromium the browser tests skip"; fi

test: install lint browser
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/keywords.py
	$(BIN)/python bench/keywords_fit.py
	$(BIN)/python bench/retag.py
	$(BIN)/python bench/coldstart.py

# Template tooling lives in venvs of its own: sam's and checkov's pins conflict with ours and
# with each other (boto3), and together they weigh about 500 MB.
TOOLS := .venv-tools
SAM_STAMP := $(TOOLS)/sam/.installed-stamp
CHECKOV_STAMP := $(TOOLS)/checkov/.installed-stamp

$(SAM_STAMP): tools/sam-constraints.txt
	$(PYTHON) -m venv $(TOOLS)/sam
	$(TOOLS)/sam/bin/python -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(TOOLS)/sam/bin/python -m pip install --quiet --disable-pip-version-check \
		-c tools/sam-constraints.txt aws-sam-cli==1.170.0 cfn-lint==1.58.0 cfn-lint-serverless==0.3.6
	@touch $@

$(CHECKOV_STAMP): tools/checkov-constraints.txt
	$(PYTHON) -m venv $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/python -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(TOOLS)/checkov/bin/python -m pip install --quiet --disable-pip-version-check \
		-c tools/checkov-constraints.txt checkov==3.3.30
	@touch $@

tools: $(SAM_STAMP) $(CHECKOV_STAMP)

# Offline checks of the stack: lint (with the serverless rules), policy scan, a container-free
# build and each function's unzipped size with its layers (Lambda's limit is 250 MB).
check-template: install tools
	$(TOOLS)/sam/bin/cfn-lint -a cfn_lint_serverless.rules -- template.yaml
	$(TOOLS)/checkov/bin/checkov --quiet --compact --skip-download --framework cloudformation -f template.yaml
	@# checkov reads parameter defaults: scan the optional static site's resources too.
	@mkdir -p .aws-sam && sed '/^  WebSite:/,/Default:/s/Default: "false"/Default: "true"/' template.yaml > .aws-sam/template-website.yaml
	$(TOOLS)/checkov/bin/checkov --quiet --compact --skip-download --framework cloudformation -f .aws-sam/template-website.yaml
	SAM_CLI_TELEMETRY=0 $(TOOLS)/sam/bin/sam build
	$(BIN)/python bench/sizes.py

clean:
	rm -rf $(VENV) $(TOOLS) .aws-sam .pytest_cache .mypy_cache .ruff_cache

# Publish web/ to the stack's static site (deployed with WebSite=true); see docs/operations.md.
STACK ?= techfeed-dev
.PHONY: publish-web
publish-web:
	tools/publish-web.sh $(STACK)
