# Development loop of the stock_lot_traceability add-on. See README.rst.
.PHONY: setup run test lint pytest bench compat load

setup:
	bash tools/setup.sh

run:
	bash tools/run.sh

test:
	bash tools/test.sh

lint:
	bash tools/lint.sh

pytest:
	bash tools/pytest.sh $(ARGS)
