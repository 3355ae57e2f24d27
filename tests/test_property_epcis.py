# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Properties of the EPCIS writer and reader (``tools/epcis.py``) on
generated movements: every ``eventID`` is GS1's event hash (the reference
implementation computes the same for the event read back from the
document), and what a shipping event says is read back unchanged. No
database (``BaseCase``), run by ``make unit`` and by Odoo's runner."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase

from ..tools import epcis
from .common_epcis import gs1_event_ids
from .common_property import DB_TEXT, property_settings

BASE = "https://erp.example.com"
NOW = datetime.datetime(2026, 12, 6, 12, 0, 0)


@st.composite
def gtins(draw):
    """A GTIN-14 with its check digit, or none (the private form)."""
    if draw(st.booleans()):
        return ""
    body = draw(st.text(alphabet="0123456789", min_size=13, max_size=13))
    return body + epcis.check_digit(body)


@st.composite
def uris(draw):
    kind = draw(st.sampled_from(["location", "party", "gln"]))
    number = draw(st.integers(1, 10**6))
    if kind == "gln":
        body = str(number).zfill(12)
        return epcis.location_uri(BASE, body + epcis.check_digit(body), 0)
    if kind == "party":
        return epcis.party_uri(BASE, "", number)
    return epcis.location_uri(BASE, "", number)


@st.composite
def rows(draw, index):
    serial = draw(st.booleans())
    name = draw(DB_TEXT.filter(lambda text: text.strip()))
    kind = draw(
        st.sampled_from(
            sorted(epcis.OBJECT_EVENTS) + sorted(epcis.TRANSFORMATION_SIDES)
        )
    )
    document = draw(st.sampled_from(["", "mrp.production/1", "repair.order/2"]))
    return epcis.EventRow(
        key=f"{index}-{kind}",
        event_type=kind,
        date=NOW - datetime.timedelta(seconds=draw(st.integers(0, 10**8))),
        offset=epcis.time_offset(draw(st.integers(-12 * 60, 14 * 60)) // 15 * 15),
        epc=epcis.product_epc(BASE, draw(gtins()), index, name, serial),
        serial=serial,
        quantity=1.0 if serial else draw(st.floats(0.001, 10**6)).__round__(3),
        uom_code=draw(st.sampled_from(["EA", "KGM", "LTR", "GRM"])),
        read_point=draw(uris()),
        biz_location=draw(st.one_of(st.just(""), uris())),
        sources=draw(
            st.lists(
                st.tuples(st.sampled_from(["owning_party", "location"]), uris()),
                max_size=2,
            )
        ),
        destinations=draw(
            st.lists(
                st.tuples(st.sampled_from(["possessing_party", "location"]), uris()),
                max_size=2,
            )
        ),
        transactions=draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["po", "desadv", "prodorder"]),
                    st.sampled_from(
                        [epcis.document_uri(BASE, "stock.picking", n) for n in (1, 2)]
                    ),
                ),
                max_size=3,
            )
        ),
        transformation=epcis.document_uri(BASE, *document.split("/"))
        if document
        else "",
        transformation_kind=draw(st.sampled_from(sorted(epcis.TRANSFORMATION_STEPS))),
    )


@st.composite
def documents(draw):
    count = draw(st.integers(1, 6))
    return epcis.document([draw(rows(index)) for index in range(count)], NOW)


class TestEpcisProperties(BaseCase):
    @property_settings(150)
    @given(documents())
    def test_event_ids_are_gs1_event_hashes(self, document):
        written = [event["eventID"] for event in document["epcisBody"]["eventList"]]
        self.assertEqual(written, gs1_event_ids(document))

    @property_settings(200)
    @given(documents())
    def test_shipping_events_read_back_unchanged(self, document):
        shipped = [
            event
            for event in document["epcisBody"]["eventList"]
            if event["type"] == "ObjectEvent" and event["bizStep"] == "shipping"
        ]
        items, problems = epcis.received_items(epcis.dumps(document))
        if not shipped:
            self.assertEqual(problems, ["no shipping ObjectEvent in the document"])
            return
        self.assertEqual(problems, [])
        expected = sorted(
            [(uri, 1.0) for event in shipped for uri in event.get("epcList", [])]
            + [
                (element["epcClass"], element["quantity"])
                for event in shipped
                for element in event.get("quantityList", [])
            ]
        )
        read = sorted(
            (
                epcis.product_epc(
                    BASE,
                    item.gtin,
                    item.product_id,
                    item.serial or item.lot,
                    bool(item.serial),
                ),
                item.quantity,
            )
            for item in items
        )
        self.assertEqual(read, expected)
