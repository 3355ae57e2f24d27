# Development loop of the stock_lot_traceability add-on. See README.rst.
.PHONY: setup setup-selftest run test unit upgrade-check install-check jobs-check lint pytest pot bench compat load

setup:
	bash tools/setup.sh

# The PostgreSQL part of setup against a throwaway cluster with no roles.
setup-selftest:
	bash tools/setup_selftest.sh

run:
	bash tools/run.sh

test:
	bash tools/test.sh

# Database-free unit tests (lot naming), plain unittest, about a second.
unit:
	bash tools/unit.sh $(ARGS)

# In-place upgrade from the last landed release (tools/upgrade_check.sh).
upgrade-check:
	bash tools/upgrade_check.sh

lint:
	bash tools/lint.sh

# Real install on a copy of the test template seeded with old duplicates (issue 11).
install-check:
	bash tools/install_check.sh

# Background jobs on a real server: websocket progress, kill and restart (issue 13).
jobs-check:
	bash tools/jobs_check.sh

pytest:
	bash tools/pytest.sh $(ARGS)

pot:
	bash tools/pot.sh

# Benchmarks P1-P4 (README.rst, Performance); builds or reuses the DB slt_bench.
bench:
	.venv/bin/python bench/generate.py
	.venv/bin/python bench/run.py

# Odoo's own suites without/with the add-on (long: not in CI).
compat:
	bash tools/compat.sh

# Load and fault test on a copy of a small DB (LOAD_ARGS=--kill for the fault mode).
load:
	.venv/bin/python bench/load.py $(LOAD_ARGS)
