# Two entry points that work on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

EXAMPLE := examples/backup-console
HUB     := examples/hub-and-spoke

# The check exits 2 because the example has an enforce-stage violation: that is the point.
# The hub-and-spoke check is clean when routes are evaluated (exit 0); a pathwarden without
# the routing step reports its transit-gateway paths as blocked (exit 2).
demo: $(STAMP)
	$(BIN)/pathwarden reach --snapshot $(EXAMPLE)/snapshot \
		--from segment:workstations --to segment:backup-console --policy $(EXAMPLE)/policy.yml
	@echo
	$(BIN)/pathwarden check --snapshot $(EXAMPLE)/snapshot --policy $(EXAMPLE)/policy.yml \
		|| test $$? -eq 2
	@echo
	$(BIN)/pathwarden reach --snapshot $(HUB)/snapshot \
		--from segment:jump-hosts --to segment:backup-console --policy $(HUB)/policy.yml
	@echo
	$(BIN)/pathwarden check --snapshot $(HUB)/snapshot --policy $(HUB)/policy.yml \
		|| test $$? -eq 2

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks plugins
	$(BIN)/mypy src/pathwarden

test: $(STAMP) lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
