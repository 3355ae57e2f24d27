# Development loop of the stock_lot_traceability add-on. See README.rst.
.PHONY: setup setup-selftest run test unit upgrade-check install-check jobs-check replica-check lint readme wheel pytest pot bench bench-smoke compat load load-all smoke run-smoke pytest-smoke pot-smoke compat-smoke load-smoke

setup:
	bash dev/tools/setup.sh

# The PostgreSQL part of setup against a throwaway cluster with no roles.
setup-selftest:
	bash dev/tools/setup_selftest.sh

run:
	bash dev/tools/run.sh

test:
	bash dev/tools/test.sh

# Database-free unit and property tests of the tools/ package (dev/tools/unit.py).
unit:
	bash dev/tools/unit.sh $(ARGS)

# In-place upgrades from the first and the last landed releases
# (dev/tools/upgrade_check.sh).
upgrade-check:
	bash dev/tools/upgrade_check.sh

lint:
	bash dev/tools/lint.sh

# Real install on a copy of the test template seeded with old duplicates.
install-check:
	bash dev/tools/install_check.sh

# Background jobs on a real server: websocket progress, kill and restart.
jobs-check:
	bash dev/tools/jobs_check.sh

# Read-only entry points served by a streaming replica on throwaway clusters.
replica-check:
	bash dev/tools/replica_check.sh

# README.rst and static/description/index.html from the readme/ fragments.
readme:
	.venv/bin/python dev/tools/readme.py

# The add-on's wheel, listed, without the development tooling (dev/, .ci/).
wheel:
	bash dev/tools/wheel_check.sh

pytest:
	bash dev/tools/pytest.sh $(ARGS)

pot:
	bash dev/tools/pot.sh

# Benchmarks P1-P4 (dev/bench/README.rst); builds or reuses the DB slt_bench
# and its aged copy slt_bench_aged (P1 on both, side by side).
BENCH_ARGS ?= --runs 7
bench:
	.venv/bin/python dev/bench/generate.py
	.venv/bin/python dev/bench/age.py
	.venv/bin/python dev/bench/run.py --aged-db slt_bench_aged $(BENCH_ARGS)

# The same chain on a tiny database (CI smoke): generate, age 3 months, one
# run of P1 fresh and aged without Odoo's report walk, and the genealogy
# drawn in Chromium; fails on an error, not on a target (the targets are
# for the 1M-line database). Rebuilt every time (--force): a database kept
# from an older checkout lacks its schema.
bench-smoke:
	.venv/bin/python dev/bench/generate.py --db slt_bench_smoke --scale 0.01 --force
	.venv/bin/python dev/bench/age.py --source slt_bench_smoke \
		--db slt_bench_smoke_aged --months 3 --force
	.venv/bin/python dev/bench/run.py --db slt_bench_smoke \
		--aged-db slt_bench_smoke_aged --no-update --only P1 --runs 1 \
		--report-runs 0 --out smoke.txt --fail-on-error
	.venv/bin/python dev/bench/genealogy_browser.py --db slt_bench_smoke --runs 1

# Odoo's own suites without/with the add-on (long: CI runs compat-smoke).
compat:
	bash dev/tools/compat.sh

# Locust load and fault test on a throwaway PostgreSQL cluster (dev/bench/load):
# LOAD_ARGS="--fault kill-worker" (terminate-backends, restart-postgres,
# statement-timeout); load-all runs every mode.
load:
	bash dev/bench/load/load.sh $(LOAD_ARGS)

load-all:
	bash dev/bench/load/load.sh --fault all $(LOAD_ARGS)

# Short forms of the long targets, run by CI (dev/tools/smoke.sh); pytest-smoke
# and pot-smoke read the database that make test leaves.
smoke:
	bash dev/tools/smoke.sh run pytest pot compat load

run-smoke:
	bash dev/tools/smoke.sh run

pytest-smoke:
	bash dev/tools/smoke.sh pytest

pot-smoke:
	bash dev/tools/smoke.sh pot

compat-smoke:
	bash dev/tools/smoke.sh compat

load-smoke:
	bash dev/tools/smoke.sh load
