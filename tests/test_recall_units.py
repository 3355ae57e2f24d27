# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest import SkipTest

from lxml import etree

from odoo.tests import Form

from .common import DEMO_EXPIRED_LOT
from .common_recall import RecallCase


class TestRecallUnits(RecallCase):
    """Quantities are never added across units of measure or products, and
    the recall form shows only what the recall's state makes meaningful.

    The demo chain: FLOUR-2026-003 (kg) went into COOKIE-2026-003 (Units)
    and GIFTBOX-0007 (Units); 100 cookies and 1 gift box were shipped, 20 kg
    of flour and 80 cookies are on hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.builder.has_mrp:
            raise SkipTest("the demo chain needs mrp to reach customers")
        cls.demo = cls.builder.build_demo_chain()
        cls.flour = cls.demo["lots"][DEMO_EXPIRED_LOT]
        cls.recall = cls._new_recall(cls.flour).with_user(cls.recall_manager)
        cls.recall.action_trace()

    def test_summary_totals_per_product(self):
        recall = self.recall
        self.assertEqual(
            recall.qty_shipped_display,
            "100.00 Units Butter Cookies, 1.00 Units Holiday Gift Box",
        )
        self.assertEqual(
            recall.qty_on_hand_display,
            "80.00 Units Butter Cookies, 20.00 kg Organic Wheat Flour",
        )
        self.assertEqual(recall.qty_unexplained_display, "0")
        self.assertEqual(recall.balance_pct, 100.0)
        self.assertEqual(recall.qty_recovered_display, "0")

    def test_worst_unit_percentage(self):
        recall = self.env["stock.recall"]
        self.assertEqual(recall._worst_pct([100.0, 98.0, 101.0]), 98.0)
        self.assertEqual(recall._worst_pct([100.0, 103.0]), 103.0)
        self.assertEqual(recall._worst_pct([]), 100.0)

    def test_tab_lists_have_no_cross_unit_total(self):
        """The quantity columns of the recall's tab lists carry no ``sum``:
        their rows mix kilograms and units."""
        for model in (
            "stock.recall.lot",
            "stock.recall.shipment",
            "stock.recall.stock",
            "stock.recall.event",
        ):
            arch = self.env[model].get_view(view_type="list")["arch"]
            summed = etree.fromstring(arch).xpath("//field[@sum or @avg]/@name")
            self.assertEqual(summed, [], model)

    def test_events_graph_and_pivot_group_by_product(self):
        action = self.env.ref("stock_lot_traceability.stock_recall_event_action")
        self.assertNotIn("group_by", action.context or "")
        graph = etree.fromstring(
            self.env["stock.recall.event"].get_view(view_type="graph")["arch"]
        )
        self.assertEqual(graph.xpath("//field/@name")[0], "product_id")
        pivot = etree.fromstring(
            self.env["stock.recall.event"].get_view(view_type="pivot")["arch"]
        )
        self.assertEqual(pivot.xpath("//field[@type='row']/@name"), ["product_id"])
        self.assertFalse(pivot.xpath("//field[@type='measure']"))

    def test_on_hand_tab_lists_stock_only(self):
        recall = self.recall
        self.assertEqual(set(recall.on_hand_stock_ids.mapped("kind")), {"on_hand"})
        self.assertIn("consumed", recall.moved_stock_ids.mapped("kind"))
        self.assertEqual(
            recall.on_hand_stock_ids | recall.moved_stock_ids, recall.stock_ids
        )

    def test_draft_is_new_without_percentages(self):
        form = Form(
            self.env["stock.recall"]
            .with_user(self.recall_manager)
            .with_context(recall_lot_ids=self.flour.ids)
        )
        self.assertEqual(form.name, "New")
        form.reason = "Listeria"
        recall = form.save()
        self.assertTrue(recall.name.startswith("RCL/"), recall.name)
        arch = etree.fromstring(
            self.env["stock.recall"].get_view(view_type="form")["arch"]
        )
        for fname in ("balance_pct", "recovered_pct"):
            [node] = arch.xpath(f"//page[@name='summary']//field[@name='{fname}']")
            hidden = node.xpath("ancestor-or-self::*[@invisible]/@invisible")
            self.assertIn("state == 'draft'", hidden, fname)

    def test_pdf_mass_balance_shows_units(self):
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "stock_lot_traceability.report_stock_recall", self.recall.ids
            )[0]
            .decode()
        )
        table = etree.fromstring(html, etree.HTMLParser()).xpath(
            "//table[@name='mass_balance']"
        )[0]
        self.assertIn("Unit", table.xpath(".//th/text()"))
        flour_row = table.xpath(f".//tr[td//text()='{DEMO_EXPIRED_LOT}']")[0]
        self.assertIn("kg", " ".join(flour_row.xpath(".//text()")))
        products = etree.fromstring(html, etree.HTMLParser()).xpath(
            "//table[@name='product_summary']/tbody/tr"
        )
        self.assertEqual(
            [[" ".join(td.itertext()).strip() for td in tr[:4]] for tr in products],
            [
                ["Butter Cookies", "Units", "100.00", "80.00"],
                ["Holiday Gift Box", "Units", "1.00", "0.00"],
                ["Organic Wheat Flour", "kg", "0.00", "20.00"],
            ],
        )

    def test_gear_menu_actions(self):
        """Print, exports and trace again are server actions bound to the
        recall's form (its gear menu), not header buttons."""
        recall = self.recall

        def run(xmlid):
            action = self.env.ref(f"stock_lot_traceability.{xmlid}")
            self.assertEqual(action.binding_model_id.model, "stock.recall")
            return (
                action.with_user(self.recall_manager)
                .with_context(
                    active_model="stock.recall",
                    active_id=recall.id,
                    active_ids=recall.ids,
                )
                .run()
            )

        self.assertEqual(
            run("stock_recall_action_server_print")["report_name"],
            "stock_lot_traceability.report_stock_recall",
        )
        self.assertIn(
            ".xlsx",
            self.env["ir.attachment"]
            .browse(
                int(
                    run("stock_recall_action_server_export_xlsx")["url"]
                    .split("/")[3]
                    .split("?")[0]
                )
            )
            .name,
        )
        traced_before = recall.date_traced
        self.assertFalse(run("stock_recall_action_server_trace_again"))
        self.assertEqual(recall.state, "traced")
        self.assertGreaterEqual(recall.date_traced, traced_before)
        self.assertFalse(
            self.env.ref(
                "stock_lot_traceability.action_report_stock_recall"
            ).binding_model_id
        )
        form = self.env["stock.recall"].get_view(view_type="form")["arch"]
        for name in ("action_print", "action_export_xlsx", "action_export_csv"):
            self.assertNotIn(f'name="{name}"', form)
