# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The read-only entry points: each ``@api.readonly``
method and the read-only export route run on a read-only cursor, as they do
on a PostgreSQL replica (``db_replica_host``). The cursor is Odoo's
read-only test cursor (``SET TRANSACTION READ ONLY``): any write fails.
The real replica is checked by ``make replica-check``.
"""

import io
from unittest import SkipTest

from psycopg2.errors import ReadOnlySqlTransaction

from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..controllers.main import RecallExportController
from .common import TraceabilityChainBuilder
from .common_epcis import assert_valid_epcis, gs1_event_ids
from .common_recall import RecallCase


class TestReadonlyEntryPoints(RecallCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_chain("RO", serials=3)
        cls.recall = cls._new_recall(cls.raw_lot)
        cls.recall.with_user(cls.recall_manager).action_trace()
        cls.warehouse.out_type_id.sudo().use_create_lots = True

    def setUp(self):
        super().setUp()
        self.registry_enter_test_mode()
        self.env.flush_all()

    def _call_read_only(self, records, method, *args):
        """``records.method(*args)`` on a read-only cursor, as its user."""
        self.assertIs(
            getattr(type(records), method)._readonly,
            True,
            f"{records._name}.{method} is not @api.readonly",
        )
        with self.registry.cursor(readonly=True) as cr:
            self.assertTrue(cr.readonly)
            return getattr(records.with_env(records.env(cr=cr)), method)(*args)

    def test_trace_api(self):
        lots = self.raw_lot.with_user(self.stock_user)
        down = self._call_read_only(lots, "get_trace", "downstream")
        expected = self.env["stock.lot"].union(*self.chain["lots"])
        self.assertEqual(set(down["lot_ids"]), set(expected.ids))
        self.assertEqual(down["lot_ids"][0], self.raw_lot.id)
        self.assertEqual(down["depth"][str(self.finished[0].id)], 3)
        self.assertEqual(down["path"][str(self.raw_lot.id)], [self.raw_lot.id])
        deliveries = self.chain["deliveries"].move_line_ids
        self.assertLessEqual(set(deliveries.ids), set(down["move_line_ids"]))
        finished = self.finished[:1].with_user(self.stock_user)
        up = self._call_read_only(finished, "get_trace", "upstream")
        self.assertEqual(up["lot_ids"][-1], self.raw_lot.id)

    def test_trace_api_refuses_an_unknown_direction(self):
        with self.assertRaisesRegex(Exception, "Unknown trace direction sideways"):
            self.raw_lot.get_trace("sideways")

    def test_genealogy_data(self):
        lot_graph = self._call_read_only(
            self.raw_lot.with_user(self.stock_user), "get_genealogy"
        )
        recall_graph = self._call_read_only(
            self.recall.with_user(self.recall_manager), "get_genealogy"
        )
        for graph in (lot_graph, recall_graph):
            self.assertEqual(graph["lot_count"], 3 + len(self.finished))

    def test_health_check_listing(self):
        findings = self._call_read_only(
            self.env["stock.traceability.health"].with_user(self.stock_manager),
            "get_findings",
        )
        outgoing = [f for f in findings if f["category"] == "create_new_outgoing"]
        self.assertIn(
            self.warehouse.out_type_id.id, [f["picking_type_id"] for f in outgoing]
        )
        # nothing stored: the menu's action_open stores, this does not
        self.assertFalse(self.env["stock.traceability.health"].search([]))

    def test_a_write_fails_on_that_cursor(self):
        """The harness above can fail: the exports of the form store an
        attachment, which a read-only cursor refuses."""
        self.assertFalse(hasattr(type(self.recall).action_export_csv, "_readonly"))
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(ReadOnlySqlTransaction),
            self.registry.cursor(readonly=True) as cr,
        ):
            self.recall.with_env(self.env(cr=cr)).action_export_csv()


@tagged("post_install", "-at_install")
class TestReadonlyExportRoute(HttpCase):
    """The download route of the exports is read-only and writes nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        builder = TraceabilityChainBuilder(cls.env)
        if not builder.has_mrp:
            raise SkipTest("the recall chain needs mrp")
        chain = builder.build_chain(
            levels=2, prefix="ROX", serials=2, customers=2, raw_qty=10.0
        )
        cls.recall = cls.env["stock.recall"].create(
            {
                "lot_ids": [Command.set(chain["lots"][0].ids)],
                "direction": "downstream",
                "reason": "Read-only export",
            }
        )
        cls.recall.action_trace()

    def _url(self, name):
        return f"/stock_lot_traceability/recall/{self.recall.id}/export/{name}"

    def test_download_on_a_read_only_cursor(self):
        from openpyxl import load_workbook  # noqa: PLC0415

        self.authenticate("admin", "admin")
        attachments = self.env["ir.attachment"].search_count([])
        # a write would be retried on a read/write cursor with this warning
        with self.assertNoLogs("odoo.http", "WARNING"):
            xlsx = self.url_open(self._url("fsma.xlsx"))
            csv = self.url_open(self._url("customers.csv"))
        self.assertEqual(xlsx.status_code, 200)
        self.assertIn("_fsma204.xlsx", xlsx.headers["Content-Disposition"])
        book = load_workbook(io.BytesIO(xlsx.content))
        self.assertEqual(book.sheetnames[0], "FSMA events")
        self.assertEqual(csv.status_code, 200)
        self.assertIn("ROX Customer 1", csv.text)
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)
        self.assertEqual(self.url_open(self._url("fsma.pdf")).status_code, 404)

    def test_epcis_documents_on_a_read_only_cursor(self):
        """The recall's and a lot's EPCIS documents come through read-only
        routes (a replica can answer them) and store nothing."""
        self.authenticate("admin", "admin")
        attachments = self.env["ir.attachment"].search_count([])
        lot = self.recall.lot_ids[:1]
        with self.assertNoLogs("odoo.http", "WARNING"):
            recall_doc = self.url_open(self._url("epcis.jsonld"))
            lot_doc = self.url_open(
                f"/stock_lot_traceability/lot/{lot.id}/epcis.jsonld"
            )
            recall_xml = self.url_open(self._url("epcis.xml"))
            lot_xml = self.url_open(f"/stock_lot_traceability/lot/{lot.id}/epcis.xml")
        for response, xml in ((recall_doc, recall_xml), (lot_doc, lot_xml)):
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.headers["Content-Type"], "application/ld+json")
            assert_valid_epcis(response.json())
            self.assertEqual(xml.status_code, 200)
            self.assertEqual(xml.headers["Content-Type"], "application/xml")
            self.assertEqual(
                gs1_event_ids(xml.content),
                [e["eventID"] for e in response.json()["epcisBody"]["eventList"]],
            )
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)
        # a format that is not the export's is not served
        self.assertEqual(self.url_open(self._url("epcis.csv")).status_code, 404)
        self.assertIs(
            RecallExportController.lot_epcis.original_routing["readonly"], True
        )

    def test_route_is_read_only_and_needs_a_login(self):
        routing = RecallExportController.recall_export.original_routing
        self.assertIs(routing["readonly"], True)
        response = self.url_open(self._url("fsma.csv"), allow_redirects=False)
        self.assertIn(response.status_code, (303, 302))
