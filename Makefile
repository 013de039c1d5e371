# chagai: two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The demo keeps its registry inside the checkout so it never touches a user's own registry.
DEMO_DB := sqlite:///$(CURDIR)/out/demo-registry.sqlite

.PHONY: demo test lint typecheck bench fuzz clean browser screenshots

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p out
	CHAGAI_DATABASE_URL=$(DEMO_DB) $(VENV)/bin/chagai db init --reset
	CHAGAI_DATABASE_URL=$(DEMO_DB) $(VENV)/bin/chagai projects
	CHAGAI_DATABASE_URL=$(DEMO_DB) $(VENV)/bin/chagai appraise "Reco Diq" --sell '15%:federal->manara@2027=540'
	CHAGAI_DATABASE_URL=$(DEMO_DB) $(VENV)/bin/chagai simulate reko-diq --paths 200000 --seed 7
	CHAGAI_DATABASE_URL=$(DEMO_DB) $(VENV)/bin/chagai compare saindak reko-diq sui
	CHAGAI_DATABASE_URL=$(DEMO_DB) $(VENV)/bin/chagai cashflow reko-diq -o out/reko-diq-cashflow.csv
	CHAGAI_DATABASE_URL=$(DEMO_DB) $(VENV)/bin/chagai export-xlsx reko-diq -o out/reko-diq.xlsx --paths 20000
	CHAGAI_DATABASE_URL=$(DEMO_DB) $(VENV)/bin/chagai report reko-diq -o out/reko-diq.html --paths 20000
	@echo ""
	@echo "The demo wrote, in out/:"
	@echo "  reko-diq.html            the report: open it in a web browser (xdg-open out/reko-diq.html)"
	@echo "  reko-diq.xlsx            the workbook: open it in Excel or LibreOffice"
	@echo "  reko-diq-cashflow.csv    the annual cash flow, a column per line, for any spreadsheet"
	@echo "Next: .venv/bin/chagai serve, then open http://127.0.0.1:8000 for the web app;"
	@echo "      .venv/bin/chagai --help for every command."

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

# Browser tests drive Debian's Chromium (no browser download): install it when it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "Chromium could not be installed: the browser tests will be skipped"

test: lint browser
	$(VENV)/bin/pytest -q

bench: $(STAMP)
	$(PY) benchmarks/run.py

# Generated API requests for FUZZ_SECONDS on each backend (SQLite, then PostgreSQL): no server error allowed.
FUZZ_SECONDS ?= 180
fuzz: $(STAMP)
	CHAGAI_SCHEMATHESIS_SECONDS=$(FUZZ_SECONDS) $(VENV)/bin/pytest -q tests/web/test_schemathesis.py

# What a new user sees first, as pictures in docs/screenshots/: the report (desktop, phone, print) and the CLI.
screenshots: $(STAMP) browser
	$(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) out build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
