# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""EPCIS 2.0: the export of a recall and of a lot's history (validated
against GS1's schema) and the import of a supplier's shipping events on a
receipt."""

import base64
import json
from collections import Counter

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..tools import epcis
from .common_epcis import assert_valid_epcis, epcis_errors, gs1_event_ids
from .common_recall import RecallCase

# valid GTIN-13s (check digit included)
GTIN_FLOUR = "9501101020917"
GTIN_CAKE = "9501101020924"


def _document(recall):
    return recall.env["stock.traceability.epcis"]._get_recall_document(recall)


def _by_type(doc, event_type):
    return [e for e in doc["epcisBody"]["eventList"] if e["type"] == event_type]


@tagged("post_install", "-at_install")
class TestEpcisExport(RecallCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.tz = "Europe/Brussels"
        cls._setup_chain("EPC", serials=3)
        cls.recall = cls._new_recall(cls.raw_lot)
        cls.recall.action_trace()

    def test_recall_document_validates_and_maps_every_event(self):
        doc = _document(self.recall)
        assert_valid_epcis(doc)
        events = self.recall.event_ids
        kinds = Counter(events.mapped("event_type"))
        objects = _by_type(doc, "ObjectEvent")
        steps = Counter(e["bizStep"] for e in objects)
        self.assertEqual(steps["shipping"], kinds["shipping"])
        self.assertEqual(steps["receiving"], kinds["receiving"])
        # one TransformationEvent per manufacturing order, inputs and outputs
        productions = events.filtered(
            lambda e: e.event_type in ("consumption", "production")
        ).move_line_id.move_id
        orders = productions.production_id | productions.raw_material_production_id
        transformations = _by_type(doc, "TransformationEvent")
        self.assertEqual(len(transformations), len(orders))
        for event in transformations:
            # lots as quantities, serials as EPCs
            self.assertTrue(event.get("inputQuantityList") or event.get("inputEPCList"))
            self.assertTrue(
                event.get("outputQuantityList") or event.get("outputEPCList")
            )
            self.assertIn("prodorder", [t["type"] for t in event["bizTransactionList"]])
        # every shipment names its transfer and the customer as destination
        for event in (e for e in objects if e["bizStep"] == "shipping"):
            self.assertEqual(event["disposition"], "in_transit")
            self.assertIn("desadv", [t["type"] for t in event["bizTransactionList"]])
            self.assertEqual(event["destinationList"][0]["type"], "owning_party")

    def test_event_time_has_the_offset_of_the_user_time_zone(self):
        doc = _document(self.recall)
        event = doc["epcisBody"]["eventList"][0]
        # Brussels: +01:00 in winter, +02:00 in summer
        self.assertIn(event["eventTimeZoneOffset"], ("+01:00", "+02:00"))
        self.assertTrue(event["eventTime"].endswith(event["eventTimeZoneOffset"]))

    def test_event_ids_are_unique_and_stable_across_exports(self):
        first = [e["eventID"] for e in _document(self.recall)["epcisBody"]["eventList"]]
        second = [
            e["eventID"] for e in _document(self.recall)["epcisBody"]["eventList"]
        ]
        self.assertEqual(first, second)
        self.assertEqual(len(set(first)), len(first))
        self.assertTrue(all(i.startswith("ni:///sha-256;") for i in first))

    def test_identifiers_digital_link_or_private_form(self):
        product = self.raw_lot.product_id
        product.barcode = GTIN_FLOUR
        doc = _document(self.recall)
        classes = {
            q["epcClass"]
            for e in doc["epcisBody"]["eventList"]
            for key in ("quantityList", "inputQuantityList")
            for q in e.get(key, [])
        }
        self.assertIn(
            f"https://id.gs1.org/01/0{GTIN_FLOUR}/10/{self.raw_lot.name}", classes
        )
        # a product without a GTIN: the private form, which the reader reads
        private = next(c for c in classes if "/stock_lot_traceability/epc/" in c)
        item = epcis.parse_identifier(private)
        self.assertTrue(item.product_id)
        self.assertTrue(item.lot)

    def test_recall_export_action_stores_a_jsonld_file(self):
        action = self.recall.action_export_epcis()
        self.assertEqual(action["type"], "ir.actions.act_url")
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "stock.recall"), ("res_id", "=", self.recall.id)],
            order="id desc",
            limit=1,
        )
        self.assertEqual(attachment.mimetype, "application/ld+json")
        self.assertTrue(attachment.name.endswith("_epcis.jsonld"))
        assert_valid_epcis(json.loads(base64.b64decode(attachment.datas)))

    def test_lot_history_document(self):
        serial = self.chain["deliveries"].move_line_ids.lot_id[:1]
        filename, content, mimetype = serial._get_epcis_file()
        doc = json.loads(content)
        assert_valid_epcis(doc)
        self.assertEqual(mimetype, "application/ld+json")
        self.assertIn(serial.name, filename)
        # the serial was made (one transformation output), then shipped once
        events = doc["epcisBody"]["eventList"]
        steps = Counter(e.get("bizStep") for e in events)
        self.assertEqual(steps["shipping"], 1)
        self.assertEqual(steps["commissioning"], 1)
        made = next(e for e in events if e["type"] == "TransformationEvent")
        epc = self.env["stock.traceability.epcis"]._lot_uri(serial)
        self.assertEqual(made["outputEPCList"], [epc])

    def test_recall_xml_document_carries_the_same_events(self):
        """The XML binding, read by GS1's reference reader, gives every
        event the eventID of the JSON-LD document: the same events."""
        self.recall.action_export_epcis_xml()
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "stock.recall"), ("res_id", "=", self.recall.id)],
            order="id desc",
            limit=1,
        )
        self.assertEqual(attachment.mimetype, "application/xml")
        self.assertTrue(attachment.name.endswith("_epcis.xml"))
        content = base64.b64decode(attachment.datas)
        written = [
            e["eventID"] for e in _document(self.recall)["epcisBody"]["eventList"]
        ]
        self.assertEqual(gs1_event_ids(content), written)
        self.assertEqual(
            len(epcis.load(content)[0]), len(written), "the add-on's reader too"
        )

    def test_lot_history_xml_reads_back_the_shipped_serial(self):
        serial = self.chain["deliveries"].move_line_ids.lot_id[:1]
        filename, content, mimetype = serial._get_epcis_file("xml")
        self.assertEqual(mimetype, "application/xml")
        self.assertTrue(filename.endswith("_epcis.xml"))
        items, problems = epcis.received_items(content)
        self.assertEqual(problems, [])
        self.assertEqual([item.serial for item in items], [serial.name])
        json_ids = [
            e["eventID"]
            for e in json.loads(serial._get_epcis_file()[1])["epcisBody"]["eventList"]
        ]
        self.assertEqual(gs1_event_ids(content), json_ids)

    def test_event_id_check_can_fail(self):
        """The eventID check is real: an event changed after its ID was
        computed no longer matches GS1's hash."""
        doc = _document(self.recall)
        doc["epcisBody"]["eventList"][0]["eventTimeZoneOffset"] = "+05:00"
        with self.assertRaisesRegex(AssertionError, "GS1's hash"):
            assert_valid_epcis(doc)

    def test_schema_check_can_fail(self):
        """The check is real: a document without eventTime is refused."""
        doc = _document(self.recall)
        del doc["epcisBody"]["eventList"][0]["eventTime"]
        self.assertTrue(epcis_errors(doc))


@tagged("post_install", "-at_install")
class TestEpcisImport(RecallCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flour = cls.builder.create_product(
            "EPCIS Flour", tracking="lot", barcode=GTIN_FLOUR, expiration_time=90
        )
        cls.scale = cls.builder.create_product(
            "EPCIS Scale", tracking="serial", barcode=GTIN_CAKE
        )
        cls.mill = cls.builder.create_partner("EPCIS Mill")

    def _receipt(self, products, company=None):
        env = (
            self.env
            if company is None
            else self.env(
                context=dict(self.env.context, allowed_company_ids=company.ids)
            )
        )
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", (company or self.env.company).id)], limit=1
        )
        picking = env["stock.picking"].create(
            {
                "picking_type_id": warehouse.in_type_id.id,
                "partner_id": self.mill.id,
                "location_id": self.mill.property_stock_supplier.id,
                "location_dest_id": warehouse.lot_stock_id.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": self.mill.property_stock_supplier.id,
                            "location_dest_id": warehouse.lot_stock_id.id,
                        },
                    )
                    for product, qty in products.items()
                ],
            }
        )
        picking.action_confirm()
        return picking

    def _import(self, picking, data):
        wizard = (
            self.env["stock.picking.epcis.import"]
            .with_context(allowed_company_ids=picking.company_id.ids)
            .create(
                {
                    "picking_id": picking.id,
                    "file": base64.b64encode(data),
                    "filename": "asn.jsonld",
                }
            )
        )
        return wizard.action_import()

    @staticmethod
    def _lines(picking):
        return sorted(
            (ml.product_id.name, ml.lot_name or ml.lot_id.name, ml.quantity)
            for ml in picking.move_line_ids
        )

    def test_export_then_import_on_another_company_gives_the_same_lots(self):
        customer = self.builder.create_partner("EPCIS Bakery")
        self.builder.receive(self.flour, {"F-EP-1": 30, "F-EP-2": 20}, self.mill)
        self.builder.receive(self.scale, {"SC-1": 1, "SC-2": 1}, self.mill)
        self.builder.deliver(self.flour, {"F-EP-1": 30, "F-EP-2": 20}, customer)
        self.builder.deliver(self.scale, {"SC-1": 1, "SC-2": 1}, customer)
        lots = self.env["stock.lot"].search(
            [("name", "in", ["F-EP-1", "F-EP-2", "SC-1", "SC-2"])]
        )
        doc = self.env["stock.traceability.epcis"]._get_lots_document(lots)
        assert_valid_epcis(doc)

        other = self.env["res.company"].create({"name": "EPCIS Bakery Co"})
        self.env.user.company_ids |= other
        receipt = self._receipt({self.flour: 50, self.scale: 2}, company=other)
        self._import(receipt, epcis.dumps(doc))
        self.assertEqual(
            self._lines(receipt),
            [
                ("EPCIS Flour", "F-EP-1", 30.0),
                ("EPCIS Flour", "F-EP-2", 20.0),
                ("EPCIS Scale", "SC-1", 1.0),
                ("EPCIS Scale", "SC-2", 1.0),
            ],
        )
        receipt.with_context(allowed_company_ids=other.ids).button_validate()
        self.assertEqual(receipt.state, "done")
        self.assertEqual(
            sorted(receipt.move_line_ids.lot_id.mapped("name")),
            ["F-EP-1", "F-EP-2", "SC-1", "SC-2"],
        )

    def test_gs1_shapes_urn_identifiers_cbv_uris_and_expiry(self):
        """EPC URNs (sgtin, lgtin), CBV URIs for the business step, and an
        expiry date (AI 17) on a Digital Link, as suppliers send them."""
        # GTIN 09501101020917 = prefix 950110, item reference 0 + 102091
        doc = {
            "@context": [epcis.CONTEXT],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-12-01T08:00:00.000+01:00",
            "epcisBody": {
                "eventList": [
                    {
                        "type": "ObjectEvent",
                        "eventTime": "2026-12-01T07:00:00.000+01:00",
                        "eventTimeZoneOffset": "+01:00",
                        "action": "OBSERVE",
                        "bizStep": "https://ref.gs1.org/cbv/BizStep-shipping",
                        "quantityList": [
                            {
                                "epcClass": "urn:epc:class:lgtin:"
                                "950110.0102091.LOT-URN",
                                "quantity": 12,
                                "uom": "EA",
                            },
                            {
                                "epcClass": f"https://id.gs1.org/01/0{GTIN_FLOUR}"
                                "/10/LOT-DL?17=271231",
                                "quantity": 8,
                            },
                        ],
                        "epcList": ["urn:epc:id:sgtin:950110.0102092.SN-URN"],
                    },
                    {  # the supplier's own receiving: ignored
                        "type": "ObjectEvent",
                        "eventTime": "2026-11-01T07:00:00.000+01:00",
                        "eventTimeZoneOffset": "+01:00",
                        "action": "OBSERVE",
                        "bizStep": "receiving",
                        "epcList": ["urn:epc:id:sgtin:950110.0102092.OTHER"],
                    },
                ]
            },
        }
        assert_valid_epcis(doc)
        receipt = self._receipt({self.flour: 20, self.scale: 1})
        self._import(receipt, json.dumps(doc).encode())
        self.assertEqual(
            self._lines(receipt),
            [
                ("EPCIS Flour", "LOT-DL", 8.0),
                ("EPCIS Flour", "LOT-URN", 12.0),
                ("EPCIS Scale", "SN-URN", 1.0),
            ],
        )
        dated = receipt.move_line_ids.filtered(lambda ml: ml.lot_name == "LOT-DL")
        self.assertEqual(str(dated.expiration_date.date()), "2027-12-31")

    def test_xml_document(self):
        xml = b"""<?xml version="1.0" encoding="UTF-8"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"
    creationDate="2026-12-01T08:00:00.000+01:00">
  <EPCISBody><EventList>
    <ObjectEvent>
      <eventTime>2026-12-01T07:00:00.000+01:00</eventTime>
      <eventTimeZoneOffset>+01:00</eventTimeZoneOffset>
      <epcList><epc>https://id.gs1.org/01/09501101020924/21/SN-XML</epc></epcList>
      <action>OBSERVE</action>
      <bizStep>shipping</bizStep>
      <quantityList><quantityElement>
        <epcClass>https://id.gs1.org/01/09501101020917/10/LOT-XML</epcClass>
        <quantity>5</quantity><uom>EA</uom>
      </quantityElement></quantityList>
    </ObjectEvent>
  </EventList></EPCISBody>
</epcis:EPCISDocument>"""
        receipt = self._receipt({self.flour: 5, self.scale: 1})
        self._import(receipt, xml)
        self.assertEqual(
            self._lines(receipt),
            [("EPCIS Flour", "LOT-XML", 5.0), ("EPCIS Scale", "SN-XML", 1.0)],
        )

    def test_bad_document_names_every_problem_and_writes_nothing(self):
        other_product = self.builder.create_product(
            "EPCIS Sugar", tracking="lot", barcode="9501101020931"
        )
        dl = "https://id.gs1.org/01/0"
        doc = {
            "epcisBody": {
                "eventList": [
                    {
                        "type": "ObjectEvent",
                        "action": "OBSERVE",
                        "bizStep": "shipping",
                        "epcList": [
                            f"{dl}{GTIN_CAKE}/21/SN-DUP",
                            f"{dl}{GTIN_CAKE}/21/SN-DUP",
                            "urn:something:else",
                        ],
                        "quantityList": [
                            {"epcClass": f"{dl}{GTIN_FLOUR}/10/OK-LOT", "quantity": 1},
                            {
                                "epcClass": f"{dl}{GTIN_FLOUR}/10/BAD-QTY",
                                "quantity": "x",
                            },
                            {
                                "epcClass": "https://id.gs1.org/01/00000000000017/10/NOPE",
                                "quantity": 1,
                            },
                            {
                                "epcClass": f"{dl}{GTIN_CAKE}/10/LOT-FOR-SERIAL",
                                "quantity": 1,
                            },
                            {"epcClass": f"{dl}9501101020931/10/SUGAR", "quantity": 1},
                            {
                                "epcClass": f"{dl}{GTIN_FLOUR}/10/ODD-UNIT",
                                "quantity": 1,
                                "uom": "ZZZ",
                            },
                        ],
                    }
                ]
            }
        }
        receipt = self._receipt({self.flour: 3, self.scale: 2})
        before = self._lines(receipt)
        with self.assertRaises(UserError) as caught:
            self._import(receipt, json.dumps(doc).encode())
        message = str(caught.exception)
        for expected in (
            "SN-DUP",  # a serial twice
            "urn:something:else",
            "BAD-QTY",
            "00000000000017",  # no such product
            "LOT-FOR-SERIAL",
            other_product.display_name,  # not on the receipt
            "ZZZ",
        ):
            self.assertIn(expected, message)
        self.assertNotIn("OK-LOT", message)
        self.assertEqual(self._lines(receipt), before)

    def test_the_typed_entries_rules_apply(self):
        """A serial already on hand cannot be received again: the import
        fails with the rule's error and writes nothing."""
        self.builder.receive(self.scale, {"SN-TWICE": 1}, self.mill)
        receipt = self._receipt({self.scale: 1})
        before = self._lines(receipt)
        doc = {
            "epcisBody": {
                "eventList": [
                    {
                        "type": "ObjectEvent",
                        "action": "OBSERVE",
                        "bizStep": "shipping",
                        "epcList": [f"https://id.gs1.org/01/0{GTIN_CAKE}/21/SN-TWICE"],
                    }
                ]
            }
        }
        with self.assertRaises(UserError) as caught:
            self._import(receipt, json.dumps(doc).encode())
        self.assertIn("SN-TWICE", str(caught.exception))
        self.assertEqual(self._lines(receipt), before)

    def test_not_a_document(self):
        receipt = self._receipt({self.flour: 1})
        for data in (b"{not json", b"<a><b></a>", b'{"epcisBody": {}}'):
            with self.assertRaises(UserError):
                self._import(receipt, data)
