# Two commands matter: `make demo` and `make test`. Both build .venv from scratch when needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck imports unit bench fuzz clean data chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts

typecheck: $(STAMP)
	$(VENV)/bin/mypy

imports: $(STAMP)
	$(VENV)/bin/lint-imports

unit: $(STAMP) chromium
	$(PY) -m pytest

test: chromium lint typecheck imports unit

# The report's browser test (tests/reporting/test_report_browser.py) drives Debian's chromium
# with Playwright; no browser is downloaded. Installed here when missing (root: apt-get); where
# it cannot be, the test is skipped and says that it did not run.
CHROMIUM := /usr/bin/chromium
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "installing Debian's chromium for the report's browser test"; \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) \
			|| echo "could not install chromium: the report's browser test will not run"; \
	fi

demo: $(STAMP)
	$(VENV)/bin/tradeplan lint strategies
	$(VENV)/bin/tradeplan explain strategies/usdjpy-grid.yaml
	$(VENV)/bin/tradeplan backtest strategies/usdjpy-grid.yaml \
		--data data/usdjpy_1m_2025.csv.gz --out out/demo

# The fuzz tests of `make test` with 50 times the examples (TRADEPLAN_FUZZ=N to choose).
fuzz: $(STAMP)
	TRADEPLAN_FUZZ=$${TRADEPLAN_FUZZ:-50} $(PY) -m pytest tests/fuzz -q

bench: $(STAMP)
	$(PY) bench/lint_bench.py
	$(PY) bench/indicators_bench.py
	$(PY) bench/backtest_bench.py
	$(PY) bench/stream_bench.py
	$(PY) bench/live_bench.py
	$(PY) bench/crash_bench.py
	$(PY) bench/binance_fake_bench.py
	$(PY) bench/oanda_fake_bench.py
	$(PY) bench/futu_bench.py
	$(PY) bench/report_bench.py
	$(PY) bench/lint_scaling.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache
