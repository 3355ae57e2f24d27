# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""GS1's own EPCIS example documents through the add-on's EPCIS reader.

GS1 publishes its examples in its EPCIS repository (``JSON/`` and ``XML/``
folders of https://github.com/gs1/EPCIS); they are GS1's, so they are not
kept in this repository and no registry reachable from CI ships them. Give
this script a folder holding them (any depth)::

    .venv/bin/python dev/tools/gs1_examples.py .odoorc <folder>

For every ``.json``, ``.jsonld`` and ``.xml`` file it reads the document
twice, independently:

* with the add-on's reader (``tools/epcis.received_items``, what *Import
  EPCIS* on a receipt runs), which returns the shipped lots and serials or
  the problems it found, and must never raise;
* with GS1's reference reader (``epcis-event-hash-generator``, installed by
  ``make setup``), from which the script collects the identifiers of every
  shipping ObjectEvent, normalised by GS1's own Digital Link normaliser.

A document agrees when both give the same (GTIN, lot or serial, quantity)
items. A document with no shipping event agrees when the add-on says so.

Where the folder holds GS1's XML schema (``XSD/EPCglobal-epcis-2_0.xsd``),
a document the add-on writes, with an event of every kind it knows, is
validated against it too (the JSON-LD binding is validated by the tests).
The script prints one line per document and exits 1 on any disagreement,
crash or invalid document.
"""

import datetime
import logging
import re
import sys
import warnings
from pathlib import Path
from urllib.parse import unquote

from odoo.modules.module import initialize_sys_path
from odoo.tools import config

DIGITAL_LINK = re.compile(r"^https://id\.gs1\.org/01/(\d{14})/(10|21)/([^/?#]+)$")
SUFFIXES = (".json", ".jsonld", ".xml")


def reference_items(path):
    """Shipped items of ``path`` as GS1's reference reader sees them, or
    ``None`` when it cannot read the document."""
    from epcis_event_hash_generator import events_from_file_reader
    from epcis_event_hash_generator.dl_normaliser import normaliser

    try:
        events = events_from_file_reader.event_list_from_file(str(path))
    except Exception:  # noqa: BLE001 - a document GS1's reader refuses
        return None
    if not events:
        return None
    items = []
    for name, _value, children in events[2]:
        step = next((c[1] for c in children if c[0] == "bizStep"), "")
        if name != "ObjectEvent" or not step.endswith(("-shipping", ":shipping")):
            continue
        for child in children:
            if child[0] == "epcList":
                items += [(normaliser(epc[1]) or epc[1], 1.0) for epc in child[2]]
            if child[0] == "quantityList":
                for element in child[2]:
                    fields = {f[0]: f[1] for f in element[2]}
                    uri = normaliser(fields.get("epcClass", "")) or fields.get(
                        "epcClass", ""
                    )
                    items.append((uri, float(fields.get("quantity") or 0)))
    keyed = []
    for uri, quantity in items:
        match = DIGITAL_LINK.match(uri)
        keyed.append(
            (match.group(1), match.group(2), unquote(match.group(3)), quantity)
            if match
            else ("?", "?", uri, quantity)
        )
    return sorted(keyed)


def addon_items(data):
    from odoo.addons.stock_lot_traceability.tools import epcis

    items, problems = epcis.received_items(data)
    keyed = sorted(
        (
            item.gtin,
            "21" if item.serial else "10",
            item.serial or item.lot,
            item.quantity,
        )
        for item in items
    )
    return keyed, problems


def check(path):
    """``(agrees, line)`` for one document."""
    try:
        ours, problems = addon_items(path.read_bytes())
    except Exception as error:  # noqa: BLE001 - the reader must never raise
        return False, f"CRASH {type(error).__name__}: {error}"
    theirs = reference_items(path)
    if theirs is None:
        return True, f"not an event document for GS1's reader; add-on: {problems[:1]}"
    if not theirs:
        agrees = not ours and problems == ["no shipping ObjectEvent in the document"]
        return agrees, "no shipping event" + ("" if agrees else f": {ours} {problems}")
    if ours == theirs and not problems:
        return True, f"{len(ours)} shipped item(s) read as GS1's reader reads them"
    if ours == [t for t in theirs if t[0] != "?"] and problems:
        return True, (
            f"{len(ours)} item(s) read; refused as GS1's normaliser does: "
            + "; ".join(problems)
        )
    return False, f"DIFFER add-on {ours} {problems} / GS1 {theirs}"


def written_xml_errors(xsd):
    """Schema errors of an XML document the add-on writes (every kind)."""
    from lxml import etree

    from odoo.addons.stock_lot_traceability.tools import epcis

    base, date = "https://erp.example.com", datetime.datetime(2026, 12, 6, 9, 0)
    gtin = "0950110102091" + epcis.check_digit("0950110102091")
    kinds = sorted(epcis.OBJECT_EVENTS) + sorted(epcis.TRANSFORMATION_SIDES)
    rows = [
        epcis.EventRow(
            key=f"{index}-{kind}",
            event_type=kind,
            date=date,
            offset="+01:00",
            epc=epcis.product_epc(base, gtin, 1, f"L/{index}", index % 2 == 0),
            serial=index % 2 == 0,
            quantity=1.0 if index % 2 == 0 else 2.5,
            uom_code="KGM",
            read_point=epcis.location_uri(base, "", index),
            biz_location=epcis.location_uri(base, "", 100 + index),
            sources=[("owning_party", epcis.party_uri(base, "", 1))],
            destinations=[("owning_party", epcis.party_uri(base, "", 2))],
            transactions=[("desadv", epcis.document_uri(base, "stock.picking", 1))],
            transformation=epcis.document_uri(base, "mrp.production", 1)
            if kind in epcis.TRANSFORMATION_SIDES
            else "",
        )
        for index, kind in enumerate(kinds)
    ]
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    document = etree.fromstring(epcis.xml_dumps(epcis.document(rows, date)))
    schema.validate(document)
    return [str(error) for error in schema.error_log]


def main(folder):
    paths = sorted(p for p in Path(folder).rglob("*") if p.suffix in SUFFIXES)
    if not paths:
        print(f"no .json, .jsonld or .xml file under {folder}")
        return 2
    failures = 0
    # GS1's reader logs what it refuses at ERROR on the root logger
    logging.disable(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in paths:
            agrees, line = check(path)
            failures += not agrees
            print(f"{'ok  ' if agrees else 'FAIL'} {path.relative_to(folder)}: {line}")
    print(f"{len(paths)} documents, {len(paths) - failures} agree, {failures} do not")
    xsd = Path(folder) / "XSD" / "EPCglobal-epcis-2_0.xsd"
    if xsd.exists():
        errors = written_xml_errors(xsd)
        failures += bool(errors)
        print(
            f"{'FAIL' if errors else 'ok  '} the add-on's XML against {xsd.name}: "
            + ("; ".join(errors) or "valid")
        )
    return 1 if failures else 0


if __name__ == "__main__":
    config.parse_config(["-c", sys.argv[1]])
    initialize_sys_path()
    sys.exit(main(sys.argv[2]))
