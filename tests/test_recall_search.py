# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Recalls found and grouped as a quality officer asks: by product,
customer, lot, vendor and state; the events of one recall at a time."""

from lxml import etree

from odoo.tools.safe_eval import safe_eval

from .common_recall import RecallCase


class TestRecallSearch(RecallCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_chain("RS", serials=4)
        cls.customers = cls.chain["customers"]
        cls.vendor = cls.chain["vendor"]
        cls.raw_product, cls.level1_product = cls.chain["products"][:2]
        cls.finished_product = cls.chain["products"][-1]
        cls.level1_lot = cls.chain["lots"][1]
        Recall = cls.env["stock.recall"].with_user(cls.recall_manager)
        # downstream from the raw lot: every lot, the three customers
        cls.downstream = Recall.browse(cls._new_recall(cls.raw_lot).id)
        # upstream from the first intermediate lot: the raw lot, no customer
        cls.upstream = Recall.browse(
            cls._new_recall(cls.level1_lot, direction="upstream").id
        )
        (cls.downstream | cls.upstream).action_trace()
        # a draft recall of a finished serial, never traced
        cls.draft = Recall.browse(cls._new_recall(cls.finished[:1]).id)
        cls.recalls = cls.downstream | cls.upstream | cls.draft

    def _search(self, domain):
        return self.env["stock.recall"].search(
            [("id", "in", self.recalls.ids), *domain]
        )

    def _groups(self, groupby):
        return {
            value: count
            for value, count in self.env["stock.recall"]._read_group(
                [("id", "in", self.recalls.ids)], [groupby], ["__count"]
            )
        }

    def _view_domain(self, field_name, value):
        """The domain the search view's field ``field_name`` makes of ``value``."""
        arch = self.env["stock.recall"].get_views([(False, "search")])["views"][
            "search"
        ]["arch"]
        [node] = etree.fromstring(arch).xpath(f"//field[@name='{field_name}']")
        if node.get("filter_domain"):
            return safe_eval(node.get("filter_domain"), {"self": value})
        return [(field_name, "ilike", value)]

    def test_customers_and_vendors_stored_by_the_trace(self):
        self.assertEqual(
            self.downstream.customer_ids, self.customers.commercial_partner_id
        )
        self.assertFalse(self.upstream.customer_ids)
        self.assertEqual(self.downstream.vendor_ids, self.vendor)
        self.assertEqual(self.upstream.vendor_ids, self.vendor)
        self.assertFalse(self.draft.customer_ids | self.draft.vendor_ids)
        self.assertEqual(self.draft.product_ids, self.finished_product)

    def test_search_by_customer_vendor_lot_product(self):
        for customer in self.customers:
            self.assertEqual(
                self._search(self._view_domain("customer_ids", customer.name)),
                self.downstream,
            )
        self.assertEqual(
            self._search(self._view_domain("vendor_ids", self.vendor.name)),
            self.downstream | self.upstream,
        )
        # a lot reached by the trace finds the recall, not only a seed lot
        self.assertEqual(
            self._search(self._view_domain("lot_ids", self.level1_lot.name)),
            self.downstream | self.upstream,
        )
        self.assertEqual(
            self._search(self._view_domain("lot_ids", self.finished[0].name)),
            self.downstream | self.draft,
        )
        self.assertEqual(
            self._search(self._view_domain("product_ids", self.raw_product.name)),
            self.downstream | self.upstream,
        )
        self.assertEqual(
            self._search(self._view_domain("product_ids", self.finished_product.name)),
            self.downstream | self.draft,
        )

    def test_filter_and_group_by_state(self):
        view = self.env["stock.recall"].get_views([(False, "search")])["views"][
            "search"
        ]["arch"]
        filters = {
            node.get("name"): node.get("domain") or node.get("context")
            for node in etree.fromstring(view).xpath("//filter")
        }
        self.assertEqual(
            self._search(safe_eval(filters["traced"])), self.downstream | self.upstream
        )
        self.assertEqual(self._search(safe_eval(filters["draft"])), self.draft)
        self.assertFalse(self._search(safe_eval(filters["closed"])))
        self.assertEqual(self._groups("state"), {"traced": 2, "draft": 1})
        for name, groupby in (
            ("group_product", "product_ids"),
            ("group_lot", "lot_ids"),
            ("group_customer", "customer_ids"),
            ("group_vendor", "vendor_ids"),
        ):
            self.assertEqual(safe_eval(filters[name])["group_by"], groupby)

    def test_group_by_product_lot_customer_vendor(self):
        products = self._groups("product_ids")
        self.assertEqual(
            products,
            {self.raw_product: 1, self.level1_product: 1, self.finished_product: 1},
        )
        self.assertEqual(
            self._groups("lot_ids"),
            {self.raw_lot: 1, self.level1_lot: 1, self.finished[0]: 1},
        )
        self.assertEqual(
            self._groups("customer_ids"),
            {
                **dict.fromkeys(self.customers.commercial_partner_id, 1),
                self.env["res.partner"]: 2,
            },
        )
        self.assertEqual(
            self._groups("vendor_ids"), {self.vendor: 2, self.env["res.partner"]: 1}
        )

    def test_events_of_one_recall_only(self):
        """Both recalls reach the raw lot's receipt: the pivot a recall opens
        counts its own events, each movement once."""
        shared = (
            self.downstream.event_ids.move_line_id
            & self.upstream.event_ids.move_line_id
        )
        self.assertTrue(shared)
        for recall in (self.downstream, self.upstream):
            action = recall.action_view_events()
            self.assertIn(recall.name, action["display_name"])
            Event = self.env[action["res_model"]].with_context(action["context"])
            [[count, lines]] = Event._read_group(
                action["domain"], [], ["__count", "move_line_id:count_distinct"]
            )
            self.assertEqual(count, recall.event_count)
            self.assertEqual(
                set(Event.search(action["domain"]).recall_id.ids), {recall.id}
            )
            self.assertLessEqual(lines, count)
        # the menu, across recalls, groups by recall
        menu_action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_lot_traceability.stock_recall_event_action"
        )
        self.assertEqual(
            safe_eval(menu_action["context"]), {"search_default_group_recall": 1}
        )

    def test_trace_again_rewrites_customers(self):
        self.builder.return_delivery(self.chain["deliveries"][:1])
        self.downstream.action_trace()
        # a customer who returned everything still received an affected lot
        self.assertEqual(
            self.downstream.customer_ids, self.customers.commercial_partner_id
        )
        self.downstream.write({"lot_ids": [(6, 0, self.finished[-1:].ids)]})
        self.downstream.action_trace()
        self.assertFalse(self.downstream.customer_ids)
