# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""GS1 EPCIS 2.0 documents (JSON-LD binding): writing a trace's events and
reading a supplier's shipping events. Plain code, no ORM.

Writing takes :class:`EventRow` values (one per classified stock movement,
built by ``stock.traceability.epcis`` from the trace) and returns the
document as a ``dict``. Reading takes the bytes of a JSON-LD or XML
document and returns :class:`ReceivedItem` values and a list of problems;
it never raises on bad input.

Identifiers
    A product whose barcode is a valid GTIN (8, 12, 13 or 14 digits with
    its check digit) is named by GS1 Digital Link URIs: a lot's class
    ``https://id.gs1.org/01/{GTIN-14}/10/{lot}``, a serial's instance
    ``https://id.gs1.org/01/{GTIN-14}/21/{serial}``. Any other product gets
    the private form under the database's own address,
    ``{base}/stock_lot_traceability/epc/{product id}/10/{lot}`` (``/21/``
    for a serial), which the reader of this add-on understands too.
    Locations and parties are GLN Digital Links (``/414/{GLN}``) where the
    partner's barcode is a valid GLN, else ``{base}/stock_lot_traceability/
    location/{id}`` and ``.../party/{id}``.
Event IDs
    GS1's event hash (CBV 2.0, section 8.9): ``ni:///sha-256;{hex}?ver=CBV2.0``
    of the event's canonical pre-hash string, so that the same movement
    exported twice, by this add-on or read by a third party's EPCIS
    repository, carries the same ID. :func:`pre_hash` writes that string for
    the elements this module writes (the reference implementation,
    ``epcis-event-hash-generator``, needs PyLD and expands the JSON-LD
    context: too slow for a recall of 24,000 events, and not a dependency an
    Odoo server should carry); the tests compare both on every flow.
"""

import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from lxml import etree

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SCHEMA_VERSION = "2.0"
DIGITAL_LINK = "https://id.gs1.org"
PRIVATE_PATH = "/stock_lot_traceability"

# Classified movement -> (bizStep, disposition, action) of its ObjectEvent
OBJECT_EVENTS = {
    "receiving": ("receiving", "in_progress", "OBSERVE"),
    "shipping": ("shipping", "in_transit", "OBSERVE"),
    # a subcontractor is another firm: the resupply ships to it, what it
    # made (or sends back) is received from it
    "subcontract_shipping": ("shipping", "in_transit", "OBSERVE"),
    "subcontract_receiving": ("receiving", "in_progress", "OBSERVE"),
    "customer_return": ("receiving", "returned", "OBSERVE"),
    "vendor_return": ("shipping", "returned", "OBSERVE"),
    "scrap": ("destroying", "destroyed", "OBSERVE"),
    "adjustment": ("cycle_counting", "sellable_accessible", "OBSERVE"),
    "internal": ("storing", "sellable_not_accessible", "OBSERVE"),
    "quarantine": ("holding", "non_sellable_other", "OBSERVE"),
    "assignment": ("commissioning", "active", "ADD"),
    "unclassified": ("other", "unknown", "OBSERVE"),
}
# Movements that are one side of a transformation, grouped by document
TRANSFORMATION_SIDES = {"consumption": "input", "production": "output"}
# Kind of transformation document -> bizStep
TRANSFORMATION_STEPS = {
    "production": "commissioning",
    "unbuild": "disassembling",
    "repair": "repairing",
}
# Odoo unit (xml id of uom.uom) -> UN/CEFACT Recommendation 20 code
UOM_CODES = {
    "uom.product_uom_unit": "EA",
    "uom.product_uom_dozen": "DZN",
    "uom.product_uom_kgm": "KGM",
    "uom.product_uom_gram": "GRM",
    "uom.product_uom_ton": "TNE",
    "uom.product_uom_lb": "LBR",
    "uom.product_uom_oz": "ONZ",
    "uom.product_uom_litre": "LTR",
    "uom.product_uom_milliliter": "MLT",
    "uom.product_uom_cubic_meter": "MTQ",
    "uom.product_uom_gal": "GLL",
    "uom.product_uom_qt": "QT",
    "uom.product_uom_floz": "OZA",
    "uom.product_uom_cubic_inch": "INQ",
    "uom.product_uom_cubic_foot": "FTQ",
    "uom.product_uom_meter": "MTR",
    "uom.product_uom_cm": "CMT",
    "uom.product_uom_millimeter": "MMT",
    "uom.product_uom_km": "KMT",
    "uom.product_uom_foot": "FOT",
    "uom.product_uom_inch": "INH",
    "uom.product_uom_yard": "YRD",
    "uom.product_uom_mile": "SMI",
    "uom.product_uom_square_meter": "MTK",
    "uom.product_uom_square_foot": "FTK",
    "uom.product_uom_minute": "MIN",
    "uom.product_uom_hour": "HUR",
    "uom.product_uom_day": "DAY",
    "uom.product_uom_kwh": "KWH",
}
CBV_PREFIXES = (
    "https://ref.gs1.org/cbv/BizStep-",
    "https://ref.gs1.org/cbv/Disp-",
    "urn:epcglobal:cbv:bizstep:",
    "urn:epcglobal:cbv:disp:",
)


@dataclass
class EventRow:
    """One classified movement of one lot, ready to be written."""

    key: str  # stable: the move line and the movement's kind
    event_type: str  # a key of OBJECT_EVENTS or TRANSFORMATION_SIDES
    date: datetime.datetime  # naive UTC, as Odoo stores it
    offset: str  # "+01:00": the time zone offset of the event's place
    epc: str  # the lot's class URI or the serial's instance URI
    serial: bool
    quantity: float
    uom_code: str
    read_point: str
    biz_location: str = ""
    sources: list = field(default_factory=list)  # [(type, uri)]
    destinations: list = field(default_factory=list)
    transactions: list = field(default_factory=list)  # [(type, uri)]
    transformation: str = ""  # the document's URI (MO, unbuild, repair)
    transformation_kind: str = "production"


@dataclass
class ReceivedItem:
    """One lot or serial a supplier says it shipped."""

    gtin: str
    product_id: int = 0  # the private form names the product directly
    lot: str = ""
    serial: str = ""
    quantity: float = 1.0
    uom_code: str = ""
    expiry: datetime.date | None = None
    event: int = 0  # 1-based position of the event in the document


# ----------------------------------------------------------------------
# identifiers
# ----------------------------------------------------------------------


def check_digit(body):
    """GS1 check digit of the digits ``body`` (GTIN, GLN, SSCC...)."""
    total = sum(
        int(digit) * (3 if index % 2 == 0 else 1)
        for index, digit in enumerate(reversed(body))
    )
    return str((10 - total % 10) % 10)


def gtin14(barcode):
    """The GTIN-14 of a barcode that is a valid GTIN-8/12/13/14, else ''."""
    code = (barcode or "").strip()
    if not re.fullmatch(r"\d{8}|\d{12,14}", code):
        return ""
    if check_digit(code[:-1]) != code[-1]:
        return ""
    return code.zfill(14)


def gln(barcode):
    """A valid 13-digit GLN, else ''."""
    code = (barcode or "").strip()
    if re.fullmatch(r"\d{13}", code) and check_digit(code[:-1]) == code[-1]:
        return code
    return ""


def product_epc(base, gtin, product_id, name, serial):
    """Class URI of a lot (AI 10) or instance URI of a serial (AI 21)."""
    ai = "21" if serial else "10"
    value = quote(name, safe="")
    if gtin:
        return f"{DIGITAL_LINK}/01/{gtin}/{ai}/{value}"
    return f"{base}{PRIVATE_PATH}/epc/{product_id}/{ai}/{value}"


def location_uri(base, gln_code, location_id):
    if gln_code:
        return f"{DIGITAL_LINK}/414/{gln_code}"
    return f"{base}{PRIVATE_PATH}/location/{location_id}"


def party_uri(base, gln_code, partner_id):
    if gln_code:
        return f"{DIGITAL_LINK}/417/{gln_code}"
    return f"{base}{PRIVATE_PATH}/party/{partner_id}"


def document_uri(base, model, record_id):
    return f"{base}{PRIVATE_PATH}/document/{model}/{record_id}"


def time_offset(offset_minutes):
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(int(offset_minutes)), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def event_time(date, offset):
    """ISO 8601 with the offset: the UTC instant shown in local time."""
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = (int(part) for part in offset[1:].split(":"))
    delta = datetime.timedelta(hours=hours, minutes=minutes) * sign
    local = (date + delta).replace(microsecond=0)
    return local.isoformat() + ".000" + offset


# ----------------------------------------------------------------------
# writing
# ----------------------------------------------------------------------


# Order of the elements in the pre-hash string; the lists name their
# items' own element (CBV 2.0, 8.9.2)
_HASH_LISTS = (
    ("epcList", "epc"),
    ("inputEPCList", "epc"),
    ("quantityList", "quantityElement"),
    ("inputQuantityList", "quantityElement"),
    ("outputEPCList", "epc"),
    ("outputQuantityList", "quantityElement"),
)
_HASH_VOCABULARY = {
    "bizStep": "https://ref.gs1.org/cbv/BizStep-",
    "disposition": "https://ref.gs1.org/cbv/Disp-",
}
# (list, item key, vocabulary of the item's type), written after the ordered
# elements, sorted by their text
_HASH_TYPED_LISTS = (
    ("bizTransactionList", "bizTransaction", "https://ref.gs1.org/cbv/BTT-"),
    ("destinationList", "destination", "https://ref.gs1.org/cbv/SDT-"),
    ("sourceList", "source", "https://ref.gs1.org/cbv/SDT-"),
)


def _hash_time(value):
    """The instant in UTC at millisecond precision, ``Z`` suffixed."""
    instant = datetime.datetime.fromisoformat(value).astimezone(datetime.UTC)
    return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _hash_number(value):
    number = float(value)
    return str(int(number)) if number == int(number) else str(number)


def _hash_quantity(element):
    return (
        f"quantityElementepcClass={element['epcClass']}"
        f"quantity={_hash_number(element['quantity'])}"
        + (f"uom={element['uom']}" if element.get("uom") else "")
    )


def pre_hash(event):
    """GS1's canonical pre-hash string of an event written by this module."""
    parts = [
        f"eventType={event['type']}",
        f"eventTime={_hash_time(event['eventTime'])}",
        f"eventTimeZoneOffset={event['eventTimeZoneOffset']}",
    ]
    for name, item in _HASH_LISTS:
        values = event.get(name)
        if not values:
            continue
        if item == "epc":
            texts = sorted(f"epc={value}" for value in values)
        else:
            texts = sorted(_hash_quantity(value) for value in values)
        parts.append(name + "".join(texts))
    for name in ("action", "transformationID"):
        if event.get(name):
            parts.append(f"{name}={event[name]}")
    for name, vocabulary in _HASH_VOCABULARY.items():
        if event.get(name):
            parts.append(f"{name}={vocabulary}{event[name]}")
    for name in ("readPoint", "bizLocation"):
        if event.get(name):
            parts.append(f"{name}id={event[name]['id']}")
    typed = []
    for name, key, vocabulary in _HASH_TYPED_LISTS:
        if event.get(name):
            texts = sorted(
                f"type={vocabulary}{item['type']}{key}={item[key]}"
                for item in event[name]
            )
            typed.append(name + "".join(texts))
    return "".join(parts) + "".join(sorted(typed))


def event_id(event):
    """GS1's event hash of ``event``, as an ``ni:`` URI."""
    digest = hashlib.sha256(pre_hash(event).encode()).hexdigest()
    return f"ni:///sha-256;{digest}?ver=CBV2.0"


def _quantity(row):
    return {"epcClass": row.epc, "quantity": row.quantity, "uom": row.uom_code}


def _common(row):
    event = {
        "eventTime": event_time(row.date, row.offset),
        "eventTimeZoneOffset": row.offset,
        "readPoint": {"id": row.read_point},
    }
    if row.biz_location:
        event["bizLocation"] = {"id": row.biz_location}
    if row.transactions:
        event["bizTransactionList"] = [
            {"type": kind, "bizTransaction": uri}
            for kind, uri in sorted(set(row.transactions))
        ]
    if row.sources:
        event["sourceList"] = [
            {"type": kind, "source": uri} for kind, uri in row.sources
        ]
    if row.destinations:
        event["destinationList"] = [
            {"type": kind, "destination": uri} for kind, uri in row.destinations
        ]
    return event


def object_event(row):
    biz_step, disposition, action = OBJECT_EVENTS[row.event_type]
    event = {"type": "ObjectEvent", **_common(row), "action": action}
    if row.serial:
        event["epcList"] = [row.epc]
    else:
        event["quantityList"] = [_quantity(row)]
    event["bizStep"] = biz_step
    event["disposition"] = disposition
    event["eventID"] = event_id(event)
    return event


def transformation_event(rows):
    """One TransformationEvent from the input and output rows of one
    document (a manufacturing order, an unbuild, a repair)."""
    first = min(rows, key=lambda r: (r.date, r.key))
    last = max(rows, key=lambda r: (r.date, r.key))
    event = {
        "type": "TransformationEvent",
        **_common(last),
        "transformationID": first.transformation,
    }
    for side in ("input", "output"):
        side_rows = sorted(
            (r for r in rows if TRANSFORMATION_SIDES[r.event_type] == side),
            key=lambda r: r.key,
        )
        serials = sorted({r.epc for r in side_rows if r.serial})
        quantities = _merge_quantities(r for r in side_rows if not r.serial)
        if serials:
            event[f"{side}EPCList"] = serials
        if quantities:
            event[f"{side}QuantityList"] = quantities
    event["bizStep"] = TRANSFORMATION_STEPS.get(
        first.transformation_kind, "commissioning"
    )
    event["disposition"] = "in_progress"
    event["eventID"] = event_id(event)
    return event


def _merge_quantities(rows):
    """One quantity element per lot and unit (several lines of one lot)."""
    totals = {}
    for row in rows:
        key = (row.epc, row.uom_code)
        totals[key] = totals.get(key, 0.0) + row.quantity
    return [
        {"epcClass": epc, "quantity": round(qty, 6), "uom": uom}
        for (epc, uom), qty in sorted(totals.items())
    ]


def events(rows):
    """The EPCIS events of classified rows, in time order: one ObjectEvent
    per movement, one TransformationEvent per transformation document."""
    out = []
    groups = {}
    for row in rows:
        if row.event_type in TRANSFORMATION_SIDES and row.transformation:
            groups.setdefault(row.transformation, []).append(row)
        else:
            # a kind this module does not know is written, not dropped
            if row.event_type not in OBJECT_EVENTS:
                row.event_type = "unclassified"
            out.append((row.date, row.key, object_event(row)))
    for uri, group in groups.items():
        last = max(group, key=lambda r: (r.date, r.key))
        out.append((last.date, uri, transformation_event(group)))
    out.sort(key=lambda item: (item[0], item[1]))
    return [event for _date, _key, event in out]


def document(rows, creation_date, sender=""):
    """The EPCIS 2.0 document (a ``dict``, JSON-LD binding) of ``rows``."""
    doc = {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": event_time(creation_date, "+00:00"),
    }
    if sender:
        doc["sender"] = sender
    doc["epcisBody"] = {"eventList": events(rows)}
    return doc


def dumps(doc):
    # compact: without ``indent`` the json module uses its C encoder, 3-4
    # times faster on a recall's tens of thousands of events
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


# The XML binding (EPCIS 2.0 XSD): the same document, elements in the
# schema's order, CBV words as their web vocabulary URIs
XML_NAMESPACE = "urn:epcglobal:epcis:xsd:2"
_XML_HEAD = ("eventTime", "eventTimeZoneOffset", "eventID")
_XML_TAIL = ("bizStep", "disposition", "readPoint", "bizLocation", "bizTransactionList")
_XML_ORDER = {
    "ObjectEvent": (
        *_XML_HEAD,
        "epcList",
        "action",
        *_XML_TAIL,
        "quantityList",
        "sourceList",
        "destinationList",
    ),
    "TransformationEvent": (
        *_XML_HEAD,
        "inputEPCList",
        "inputQuantityList",
        "outputEPCList",
        "outputQuantityList",
        "transformationID",
        *_XML_TAIL,
        "sourceList",
        "destinationList",
    ),
}
_XML_LIST_ITEMS = {
    "epcList": "epc",
    "inputEPCList": "epc",
    "outputEPCList": "epc",
    "quantityList": "quantityElement",
    "inputQuantityList": "quantityElement",
    "outputQuantityList": "quantityElement",
}
_XML_TYPED_ITEMS = {
    name: (key, vocabulary) for name, key, vocabulary in _HASH_TYPED_LISTS
}


def _xml_text(value):
    if isinstance(value, float):
        return _hash_number(value)
    return str(value)


def _xml_event(parent, event):
    node = etree.SubElement(parent, event["type"])
    for name in _XML_ORDER[event["type"]]:
        if name not in event:
            continue
        value = event[name]
        child = etree.SubElement(node, name)
        if name in _XML_LIST_ITEMS:
            for item in value:
                element = etree.SubElement(child, _XML_LIST_ITEMS[name])
                if isinstance(item, dict):
                    for key in ("epcClass", "quantity", "uom"):
                        if key in item:
                            etree.SubElement(element, key).text = _xml_text(item[key])
                else:
                    element.text = item
        elif name in _XML_TYPED_ITEMS:
            key, vocabulary = _XML_TYPED_ITEMS[name]
            for item in value:
                element = etree.SubElement(child, key, type=vocabulary + item["type"])
                element.text = item[key]
        elif name in ("readPoint", "bizLocation"):
            etree.SubElement(child, "id").text = value["id"]
        elif name in _HASH_VOCABULARY:
            child.text = _HASH_VOCABULARY[name] + value
        else:
            child.text = _xml_text(value)


def xml_dumps(doc):
    """The XML binding of a document written by :func:`document`."""
    root = etree.Element(
        f"{{{XML_NAMESPACE}}}EPCISDocument",
        nsmap={"epcis": XML_NAMESPACE},
        schemaVersion=doc["schemaVersion"],
        creationDate=doc["creationDate"],
    )
    event_list = etree.SubElement(etree.SubElement(root, "EPCISBody"), "EventList")
    for event in doc["epcisBody"]["eventList"]:
        _xml_event(event_list, event)
    return etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


# ----------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------

_DIGITAL_LINK_PATH = re.compile(
    r"/01/(?P<gtin>\d{14})/(?P<ai>10|21)/(?P<value>[^/?#]+)$"
)
_PRIVATE_PATH = re.compile(
    re.escape(PRIVATE_PATH) + r"/epc/(?P<product>\d+)/(?P<ai>10|21)/(?P<value>[^/?#]+)$"
)
_SGTIN = re.compile(r"^urn:epc:id:sgtin:(\d+)\.(\d+)\.(.+)$")
_LGTIN = re.compile(r"^urn:epc:class:lgtin:(\d+)\.(\d+)\.(.+)$")


def _gtin_from_urn(prefix, item_ref):
    """GTIN-14 of an EPC URN: indicator digit, company prefix, item
    reference and the check digit."""
    body = item_ref[:1] + prefix + item_ref[1:]
    if len(body) != 13:
        return ""
    return body + check_digit(body)


def _expiry(query):
    """AI 17 (expiration date, YYMMDD) of a Digital Link's query string."""
    match = re.search(r"(?:^|&)17=(\d{6})(?:&|$)", query or "")
    if not match:
        return None
    text = match.group(1)
    year, month, day = 2000 + int(text[:2]), int(text[2:4]), int(text[4:])
    if day == 0:  # GS1: day 00 is the month's last day
        day = 28
        while True:
            try:
                datetime.date(year, month, day + 1)
            except ValueError:
                break
            day += 1
    return datetime.date(year, month, day)


def parse_identifier(uri):
    """``ReceivedItem`` of a lot or serial URI (Digital Link, this add-on's
    private form, EPC URN), or ``None`` when the URI names neither."""
    uri = (uri or "").strip()
    match = _SGTIN.match(uri) or _LGTIN.match(uri)
    if match:
        gtin = _gtin_from_urn(match.group(1), match.group(2))
        if not gtin:
            return None
        value = unquote(match.group(3))
        if uri.startswith("urn:epc:id:"):
            return ReceivedItem(gtin=gtin, serial=value)
        return ReceivedItem(gtin=gtin, lot=value)
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https"):
        return None
    expiry = _expiry(parts.query)
    match = _DIGITAL_LINK_PATH.search(parts.path)
    if match and check_digit(match.group("gtin")[:-1]) == match.group("gtin")[-1]:
        item = ReceivedItem(gtin=match.group("gtin"), expiry=expiry)
    else:
        match = _PRIVATE_PATH.search(parts.path)
        if not match:
            return None
        item = ReceivedItem(gtin="", product_id=int(match.group("product")))
        item.expiry = expiry
    value = unquote(match.group("value"))
    if match.group("ai") == "21":
        item.serial = value
    else:
        item.lot = value
    return item


def _local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _xml_events(root):
    """EPCIS XML events as the JSON binding's dicts (the parts read here)."""
    out = []
    for node in root.iter():
        name = _local(node.tag)
        if name not in ("ObjectEvent", "TransformationEvent", "AggregationEvent"):
            continue
        event = {"type": name, "epcList": [], "quantityList": []}
        for child in node:
            key = _local(child.tag)
            if key in ("action", "bizStep", "disposition", "eventTime"):
                event[key] = (child.text or "").strip()
            elif key == "epcList":
                event["epcList"] = [(e.text or "").strip() for e in child]
            elif key == "quantityList":
                for element in child:
                    values = {_local(c.tag): (c.text or "").strip() for c in element}
                    event["quantityList"].append(values)
            elif key == "extension":
                for sub in child:
                    if _local(sub.tag) == "quantityList":
                        for element in sub:
                            values = {
                                _local(c.tag): (c.text or "").strip() for c in element
                            }
                            event["quantityList"].append(values)
        out.append(event)
    return out


def load(data):
    """The events of a JSON-LD or XML EPCIS document, and a problem."""
    text = data.lstrip()
    if text[:1] in (b"{", "{"):
        try:
            doc = json.loads(data)
        except ValueError as error:
            return [], f"not valid JSON: {error}"
        if not isinstance(doc, dict):
            return [], "not an EPCIS document"
        body = doc.get("epcisBody") or {}
        if "eventList" in body:
            event_list = body["eventList"]
        else:  # a query document
            event_list = (
                (body.get("queryResults") or {}).get("resultsBody") or {}
            ).get("eventList")
        if not isinstance(event_list, list):
            return [], "no epcisBody.eventList in the document"
        return event_list, ""
    try:
        root = etree.fromstring(
            data if isinstance(data, bytes) else data.encode(),
            parser=etree.XMLParser(resolve_entities=False, no_network=True),
        )
    except etree.XMLSyntaxError as error:
        return [], f"neither JSON nor XML: {error}"
    return _xml_events(root), ""


def _is_shipping(event):
    step = str(event.get("bizStep") or "")
    for prefix in CBV_PREFIXES:
        if step.startswith(prefix):
            step = step[len(prefix) :]
    return step == "shipping"


def received_items(data):
    """``(items, problems)`` of the shipping ObjectEvents of a document.

    Every lot and serial of every shipping ObjectEvent is an item; the
    problems name the event (1-based position) and what is wrong. Other
    events (receiving, transformations...) are ignored: a supplier's
    document may carry its own history too.
    """
    event_list, problem = load(data)
    if problem:
        return [], [problem]
    items, problems = [], []
    shipping = [
        (index, event)
        for index, event in enumerate(event_list, start=1)
        if isinstance(event, dict)
        and event.get("type") == "ObjectEvent"
        and _is_shipping(event)
    ]
    if not shipping:
        problems.append("no shipping ObjectEvent in the document")
    for index, event in shipping:
        for uri in event.get("epcList") or []:
            item = parse_identifier(uri)
            if item is None or not item.serial:
                problems.append(f"event {index}: {uri!r} is not a serial's identifier")
                continue
            item.event = index
            items.append(item)
        for element in event.get("quantityList") or []:
            item = parse_identifier(element.get("epcClass"))
            if item is None or not item.lot:
                epc_class = element.get("epcClass")
                problems.append(
                    f"event {index}: {epc_class!r} is not a lot's identifier"
                )
                continue
            try:
                item.quantity = float(element.get("quantity", 0))
            except (TypeError, ValueError):
                problems.append(
                    f"event {index}: quantity {element.get('quantity')!r} of "
                    f"{item.lot!r} is not a number"
                )
                continue
            if item.quantity <= 0:
                problems.append(
                    f"event {index}: quantity of {item.lot!r} must be positive"
                )
                continue
            item.uom_code = element.get("uom") or ""
            item.event = index
            items.append(item)
    return items, problems
