# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import csv
import io
import re

from lxml import etree

from .common_recall import RecallCase


class TestRecallProductTotals(RecallCase):
    """Quantities of different products are never added, even when they
    share a unit: summary, customer rows, report, notice and
    exports give each product its own quantity.

    One customer, H19 Deli, received 100 cookies (one lot) and 2 gift boxes
    (serials), both in Units, and after the recall started sent back 4
    cookies and one gift box: it still holds 96 cookies and one gift box.
    On hand: 30 kg of flour, 14 cookies, 2 gift boxes. The sums across
    products, wrong wherever they would show, are 102 Units shipped, 97
    Units held, 5 Units recovered and 16 Units on hand."""

    CROSS_PRODUCT_SUMS = ("102.00", "97.00", "5.00", "16.00")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        builder = cls.builder
        cls.flour = builder.create_product(
            "H19 Flour", uom_id=cls.env.ref("uom.product_uom_kgm").id
        )
        cls.cookie = builder.create_product("H19 Cookie")
        cls.giftbox = builder.create_product("H19 Gift Box", tracking="serial")
        vendor = builder.create_partner("H19 Mill")
        cls.customer = builder.create_partner(
            "H19 Deli", email="recalls@h19deli.example.com"
        )
        builder.receive(cls.flour, {"H19-F-001": 30.0}, vendor)
        builder.receive(cls.cookie, {"H19-C-001": 110.0}, vendor)
        builder.receive(
            cls.giftbox,
            dict.fromkeys(("H19-G-001", "H19-G-002", "H19-G-003"), 1.0),
            vendor,
        )
        cookies_out = builder.deliver(cls.cookie, {"H19-C-001": 100.0}, cls.customer)
        boxes_out = builder.deliver(
            cls.giftbox, {"H19-G-001": 1.0, "H19-G-002": 1.0}, cls.customer
        )
        lots = cls.env["stock.lot"].search([("name", "=like", "H19-%")])
        cls.cookie_lot = lots.filtered(lambda lot: lot.product_id == cls.cookie)
        cls.box_kept = lots.filtered(lambda lot: lot.name == "H19-G-001")
        # the recall starts first: only returns received since count as
        # recovered (timestamps have a one-second resolution)
        cls.recall = cls._new_recall(lots).with_user(cls.recall_manager)
        builder.return_delivery(cookies_out, {"H19-C-001": 4.0})
        builder.return_delivery(boxes_out, {"H19-G-002": 1.0})
        cls.recall.action_trace()

    def assertNoCrossProductSum(self, text):
        for total in self.CROSS_PRODUCT_SUMS:
            self.assertNotRegex(
                text, rf"(?<![\d.,]){re.escape(total)}(?!\d)", "a sum across products"
            )

    def test_summary_per_product(self):
        recall = self.recall
        self.assertEqual(
            recall.qty_shipped_display,
            "100.00 Units H19 Cookie, 2.00 Units H19 Gift Box",
        )
        self.assertEqual(
            recall.qty_on_hand_display,
            "14.00 Units H19 Cookie, 30.00 kg H19 Flour, 2.00 Units H19 Gift Box",
        )
        self.assertEqual(
            recall.qty_recovered_display,
            "4.00 Units H19 Cookie, 1.00 Units H19 Gift Box",
        )
        # the lowest product share: 4 of 100 cookies (gift boxes: 1 of 2)
        self.assertEqual(recall.recovered_pct, 4.0)
        self.assertEqual(recall.qty_unexplained_display, "0")
        self.assertEqual(recall.balance_pct, 100.0)
        self.assertEqual(recall.balance_flag_count, 0)

    def test_mass_balance_per_product(self):
        """The recall's share accounted for is its worst product, never a
        sum of products: 10 cookies lost are not hidden by the gift boxes
        (cookies 100 of 110 accounted for, 90.91 %; added to the gift boxes
        in the same unit, 103 of 113, 91.15 %)."""
        self.builder.inventory_loss(self.cookie, {self.cookie_lot: 10.0})
        self.recall.action_trace()
        self.assertEqual(self.recall.balance_pct, 90.91)
        self.assertEqual(self.recall.balance_flag_count, 1)
        self.assertEqual(self.recall.qty_unexplained_display, "10.00 Units H19 Cookie")
        self.assertEqual(
            self.recall.qty_on_hand_display,
            "4.00 Units H19 Cookie, 30.00 kg H19 Flour, 2.00 Units H19 Gift Box",
        )

    def test_summary_names_the_products_beyond_the_limit(self):
        recall = self.env["stock.recall"]
        products = self.env["product.product"].create(
            [{"name": f"H19 Product {index:02d}"} for index in range(12)]
        )
        totals = {(product, product.uom_id): 1.0 for product in products}
        text = recall._format_totals({key: (qty,) for key, qty in totals.items()}, 0)
        self.assertEqual(text.count("1.00 Units H19 Product"), recall.SUMMARY_PRODUCTS)
        self.assertTrue(text.endswith(", 2 more products"), text)

    def test_summary_queries_do_not_grow_with_products(self):
        """The figures per product come from grouped queries: a recall of
        nine products costs as many queries as one of three."""
        vendor = self.builder.create_partner("H19 Spice Mill")
        spices = [
            self.builder.create_product(f"H19 Spice {index}") for index in range(6)
        ]
        for index, spice in enumerate(spices):
            self.builder.receive(spice, {f"H19-S-{index}": 5.0}, vendor)
        lots = self.env["stock.lot"].search([("name", "=like", "H19-S-%")])
        bigger = self._new_recall(self.recall.lot_ids | lots).with_user(
            self.recall_manager
        )
        bigger.action_trace()
        self.assertEqual(len(bigger.affected_lot_ids.product_id), 9)

        def count(recall):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            recall.read(
                [
                    "qty_shipped_display",
                    "qty_on_hand_display",
                    "qty_unexplained_display",
                    "balance_pct",
                    "qty_recovered_display",
                    "recovered_pct",
                ]
            )
            recall._get_product_summary()
            return self.env.cr.sql_log_count - before

        count(self.recall)  # caches of the registry, not of the recall
        self.assertEqual(count(bigger), count(self.recall))

    def test_customer_rows_per_product(self):
        rows = self.recall.shipment_ids.filtered(
            lambda row: row.partner_id == self.customer
        )
        self.assertEqual(
            sorted(
                (row.product_id.name, row.lot_id.name, row.product_qty) for row in rows
            ),
            [
                ("H19 Cookie", "H19-C-001", -4.0),
                ("H19 Cookie", "H19-C-001", 100.0),
                ("H19 Gift Box", "H19-G-001", 1.0),
                ("H19 Gift Box", "H19-G-002", -1.0),
                ("H19 Gift Box", "H19-G-002", 1.0),
            ],
        )
        status = self.env["stock.recall.shipment"]._get_customer_status(self.recall)
        self.assertEqual(
            status[self.recall][self.customer]["lots"],
            {(self.cookie_lot, self.cookie): 96.0, (self.box_kept, self.giftbox): 1.0},
        )
        # grouped by customer, the list shows no total: it would add cookies
        # and gift boxes
        description = rows.fields_get(["quantity", "product_qty"], ["aggregator"])
        self.assertFalse(description["quantity"].get("aggregator"))
        self.assertFalse(description["product_qty"].get("aggregator"))

    def test_report_per_product(self):
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "stock_lot_traceability.report_stock_recall", self.recall.ids
            )[0]
            .decode()
        )
        document = etree.fromstring(html, etree.HTMLParser())
        [table] = document.xpath("//table[@name='product_summary']")
        header = [" ".join(th.itertext()).strip() for th in table.xpath(".//th")]
        lines = {}
        for tr in table.xpath(".//tbody/tr"):
            cells = [" ".join(td.itertext()).strip() for td in tr.xpath("./td")]
            lines[cells[0]] = dict(zip(header, cells, strict=True))
        self.assertEqual(sorted(lines), ["H19 Cookie", "H19 Flour", "H19 Gift Box"])
        self.assertEqual(
            {name: (line["Unit"], line["Shipped"]) for name, line in lines.items()},
            {
                "H19 Cookie": ("Units", "100.00"),
                "H19 Flour": ("kg", "0.00"),
                "H19 Gift Box": ("Units", "2.00"),
            },
        )
        self.assertEqual(lines["H19 Cookie"]["On hand"], "14.00")
        self.assertEqual(lines["H19 Gift Box"]["Recovered"], "1.00")
        self.assertEqual(lines["H19 Cookie"]["Recovered"], "4.00")
        [customers] = document.xpath("//table[@name='customers']")
        # the report writes a negative number with a zero-width no-break
        # space after its minus sign
        quantities = [
            " ".join(td.itertext()).replace("\ufeff", "").split()
            for td in customers.xpath(".//tbody/tr/td[last()]")
        ]
        self.assertIn(["100.00", "Units"], quantities)
        self.assertIn(["-4.00", "Units"], quantities)
        # the genealogy's customer box included
        self.assertNoCrossProductSum(" ".join(document.xpath("//body//text()")))

    def test_notice_per_product(self):
        recall = self.recall
        rows = recall._get_notices()[self.customer]
        _subject, body = recall._render_notice(self.customer, rows)
        document = etree.fromstring(str(body), etree.HTMLParser())
        lines = sorted(
            tuple(" ".join(td.itertext()).strip() for td in tr.xpath("./td")[2:])
            for tr in document.xpath("//tbody/tr")
        )
        self.assertEqual(
            lines,
            [
                ("H19 Cookie", "H19-C-001", "-4.00 Units"),
                ("H19 Cookie", "H19-C-001", "100.00 Units"),
                ("H19 Gift Box", "H19-G-001", "1.00 Units"),
            ],
        )
        self.assertNoCrossProductSum(" ".join(document.xpath("//text()")))
        wizard = self._notify_wizard(recall)
        [line] = wizard.line_ids
        self.assertEqual(
            line.lot_summary.splitlines(),
            [
                "H19-C-001 (H19 Cookie): 96.00 Units",
                "H19-G-001 (H19 Gift Box): 1.00 Units",
            ],
        )

    def test_fsma_export_per_product(self):
        _name, content, _mimetype = self.recall._get_export_file("fsma", "csv")
        events = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        shipping = sorted(
            (row["Product description"], float(row["Quantity"]), row["Unit of measure"])
            for row in events
            if row["Event type"] == "Shipping"
        )
        self.assertEqual(
            shipping,
            [
                ("H19 Cookie", 100.0, "Units"),
                ("H19 Gift Box", 1.0, "Units"),
                ("H19 Gift Box", 1.0, "Units"),
            ],
        )
        from openpyxl import load_workbook  # noqa: PLC0415

        _name, content, _mimetype = self.recall._get_export_file("fsma", "xlsx")
        book = load_workbook(io.BytesIO(content))
        for sheet in book.worksheets:
            header = [cell.value for cell in sheet[1]]
            for row in sheet.iter_rows(min_row=2, values_only=True):
                values = dict(zip(header, row, strict=True))
                for key, value in values.items():
                    if isinstance(value, float) and "%" not in key:
                        self.assertNotIn(value, (102.0, 97.0, 5.0, 16.0), (sheet, key))
        customers = [
            (row[5], row[6], row[7], row[8])
            for row in book["Customers"].iter_rows(min_row=2, values_only=True)
        ]
        self.assertIn(("H19 Cookie", "H19-C-001", 100.0, "Units"), customers)
        self.assertIn(("H19 Gift Box", "H19-G-001", 1.0, "Units"), customers)

    def test_customer_list_per_product(self):
        _name, content, _mimetype = self.recall._get_export_file("customers", "csv")
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
        self.assertEqual(
            sorted((row[0], row[5], row[6], row[7], row[8]) for row in rows),
            [
                ("H19 Deli", "H19 Cookie", "H19-C-001", "96.0", "Units"),
                ("H19 Deli", "H19 Gift Box", "H19-G-001", "1.0", "Units"),
            ],
        )

    def test_drill_quarantine_message_per_product(self):
        drill = self._new_recall(self.recall.lot_ids, is_mock=True).with_user(
            self.recall_manager
        )
        drill.action_trace()
        before = drill.message_ids
        drill.action_quarantine()
        [message] = drill.message_ids - before
        self.assertIn(
            "(14.00 Units H19 Cookie, 30.00 kg H19 Flour, 2.00 Units H19 Gift Box)",
            message.body,
        )
        self.assertNoCrossProductSum(message.body)

    def test_genealogy_customer_per_product(self):
        graph = self.recall.get_genealogy()
        [customer] = [node for node in graph["nodes"] if node["kind"] == "customer"]
        self.assertEqual(customer["label"], "H19 Deli")
        self.assertEqual(
            customer["quantities"],
            [
                [96.0, "Units", "H19 Cookie", self.cookie.id],
                [1.0, "Units", "H19 Gift Box", self.giftbox.id],
            ],
        )
        # the box says "Received", then one line per product
        texts = self.recall._get_genealogy_texts()
        self.assertEqual(texts["figure"](customer), "Received")
        self.assertEqual(
            [texts["item"](item) for item in customer["items"]],
            ["96.00 Units · H19 Cookie", "1.00 Units · H19 Gift Box"],
        )
