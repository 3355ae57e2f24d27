# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import csv
import io
import json
import re

from odoo.exceptions import UserError
from odoo.fields import Command

from .common_recall import RecallCase


class TestRecallFieldSameNames(RecallCase):
    """Date-coded lots as a bakery names them: one yeast lot Y-101 went
    into a flour mix "D1201", a sugar mix "d1201" and a glaze "D 1201"
    (kg), all made the same day; a salt lot also named "D1201" never
    touched the yeast. The recall of Y-101 shows nothing of the salt, in
    any output, and gives each product its own quantity.

    Shipments: the shop got 3 flour mix, 1 sugar mix, the glaze once in
    grams (500 g) and once in kilograms (1 kg), and 5 salt; the bistro got
    the sugar mix twice (2 + 2); an outsider got 7 salt only. After the
    recall started the shop sent back 1 flour mix (not the sugar mix)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._require_mrp()
        builder = cls.builder
        kg = cls.env.ref("uom.product_uom_kgm")
        cls.gram = cls.env.ref("uom.product_uom_gram")
        create = builder.create_product
        cls.yeast = create("FD Yeast", uom_id=kg.id)
        cls.flour_mix = create("FD Flour mix")
        cls.sugar_mix = create("FD Sugar mix")
        cls.glaze = create("FD Glaze", uom_id=kg.id)
        cls.salt = create("FD Salt")
        vendor = builder.create_partner("FD Mill")
        cls.shop, cls.bistro, cls.outsider = builder.create_partners(
            ["FD Shop", "FD Bistro", "FD Outsider"]
        )
        for index, partner in enumerate(cls.shop | cls.bistro | cls.outsider):
            partner.email = f"quality{index}@fd.example.com"
        builder.receive(cls.yeast, {"Y-101": 10.0}, vendor)
        builder.receive(cls.salt, {"D1201": 20.0}, vendor)
        yeast = {cls.yeast: {"Y-101": 1.0}}
        builder.manufacture(cls.flour_mix, {"D1201": 4.0}, yeast)
        builder.manufacture(cls.sugar_mix, {"d1201": 6.0}, yeast)
        builder.manufacture(cls.glaze, {"D 1201": 2.0}, yeast)
        lot = builder.get_lots
        cls.yeast_lot = lot(cls.yeast, ["Y-101"])
        cls.flour_lot = lot(cls.flour_mix, ["D1201"])
        cls.sugar_lot = lot(cls.sugar_mix, ["d1201"])
        cls.glaze_lot = lot(cls.glaze, ["D 1201"])
        cls.salt_lot = lot(cls.salt, ["D1201"])
        flour_out = builder.deliver(cls.flour_mix, {"D1201": 3.0}, cls.shop)
        builder.deliver(cls.sugar_mix, {"d1201": 1.0}, cls.shop)
        cls._deliver_in(cls.glaze, cls.glaze_lot, 500.0, cls.gram, cls.shop)
        builder.deliver(cls.glaze, {"D 1201": 1.0}, cls.shop)
        builder.deliver(cls.salt, {"D1201": 5.0}, cls.shop)
        builder.deliver(cls.sugar_mix, {"d1201": 2.0}, cls.bistro)
        builder.deliver(cls.sugar_mix, {"d1201": 2.0}, cls.bistro)
        builder.deliver(cls.salt, {"D1201": 7.0}, cls.outsider)
        cls.recall = cls._new_recall(cls.yeast_lot).with_user(cls.recall_manager)
        builder.return_delivery(flour_out, {"D1201": 1.0})
        cls.recall.action_trace()

    @classmethod
    def _deliver_in(cls, product, lot, qty, uom, customer):
        """Deliver ``qty`` ``uom`` of ``lot``, the move and its line in
        ``uom`` (not the product's unit), as a user who types grams."""
        warehouse = cls.builder.warehouse
        src = warehouse.lot_stock_id
        dest = customer.property_stock_customer
        picking = cls.env["stock.picking"].create(
            {
                "picking_type_id": warehouse.out_type_id.id,
                "partner_id": customer.id,
                "location_id": src.id,
                "location_dest_id": dest.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom": uom.id,
                            "product_uom_qty": qty,
                            "location_id": src.id,
                            "location_dest_id": dest.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.move_line_ids.unlink()
        vals = picking.move_ids._prepare_move_line_vals()
        vals.update(lot_id=lot.id, quantity=qty, product_uom_id=uom.id, picked=True)
        cls.env["stock.move.line"].create(vals)
        picking.move_ids.picked = True
        cls.builder.validate(picking)
        return picking

    def _report_html(self):
        report = self.env["ir.actions.report"]
        html, _format = report._render_qweb_html(
            "stock_lot_traceability.report_stock_recall", self.recall.ids
        )
        return html.decode()

    def _outputs(self):
        """``{output: text}``: every output of the recall as text."""
        recall = self.recall
        outputs = {
            "summary": " ".join(
                str(recall[name])
                for name in (
                    "qty_shipped_display",
                    "qty_on_hand_display",
                    "qty_recovered_display",
                    "qty_unexplained_display",
                )
            ),
            "lots": repr(recall.affected_lot_ids.mapped("lot_id.display_name"))
            + repr(recall.affected_lot_ids.product_id.mapped("name")),
            "customers tab": repr(
                [
                    (row.partner_id.name, row.product_id.name, row.lot_id.name)
                    for row in recall.shipment_ids
                ]
            ),
            "events": repr(
                self.env["stock.recall.event"]
                .search([("recall_id", "=", recall.id)])
                .mapped(lambda event: (event.product_id.name, event.partner_id.name))
            ),
            "genealogy": json.dumps(recall.get_genealogy(), default=str),
            "genealogy svg": str(recall._get_genealogy_svg()),
            "report": self._report_html(),
            "mass balance": repr(
                [line["product"].name for line in recall._get_product_summary()]
            ),
        }
        for partner, rows in recall._get_notices().items():
            outputs[f"notice {partner.name}"] = str(
                recall._render_notice(partner, rows)[1]
            )
        wizard = self._notify_wizard(recall)
        outputs["notify"] = repr(
            [(line.partner_id.name, line.lot_summary) for line in wizard.line_ids]
        )
        for export, file_format in (
            ("fsma", "csv"),
            ("customers", "csv"),
            ("epcis", "jsonld"),
            ("epcis", "xml"),
        ):
            content = recall._get_export_file(export, file_format)[1]
            if isinstance(content, bytes):
                content = content.decode("utf-8-sig")
            outputs[f"{export} {file_format}"] = content
        from openpyxl import load_workbook  # noqa: PLC0415

        for export in ("fsma", "customers"):
            book = load_workbook(io.BytesIO(recall._get_export_file(export, "xlsx")[1]))
            outputs[f"{export} xlsx"] = repr(
                [
                    row
                    for sheet in book.worksheets
                    for row in sheet.iter_rows(values_only=True)
                ]
            )
        return outputs

    def test_unrelated_lot_of_the_same_name_appears_nowhere(self):
        recall = self.recall
        self.assertEqual(
            recall.affected_lot_ids.lot_id,
            self.yeast_lot | self.flour_lot | self.sugar_lot | self.glaze_lot,
        )
        salt_uri = f"/epc/{self.salt.id}/"
        for output, text in self._outputs().items():
            for unrelated in ("FD Salt", "FD Outsider", salt_uri):
                self.assertNotIn(unrelated, text, output)
        self.assertNotIn(
            f"lot-{self.salt_lot.id}",
            [node["id"] for node in recall.get_genealogy()["nodes"]],
        )
        self.assertGenealogyTrue(recall)

    def test_each_customer_gets_each_product_in_its_unit(self):
        """The shop holds 2 flour mix, 1 sugar mix and 1.5 kg of glaze (500
        g and 1 kg): never 501, 505 or 4.5 of anything; the bistro,
        shipped twice, holds 4 sugar mix."""
        recall = self.recall
        status = self.env["stock.recall.shipment"]._get_customer_status(recall)[recall]
        self.assertEqual(
            status[self.shop]["lots"],
            {
                (self.flour_lot, self.flour_mix): 2.0,
                (self.sugar_lot, self.sugar_mix): 1.0,
                (self.glaze_lot, self.glaze): 1.5,
            },
        )
        self.assertEqual(
            status[self.bistro]["lots"], {(self.sugar_lot, self.sugar_mix): 4.0}
        )
        self.assertEqual(
            recall.qty_shipped_display,
            "3.00 Units FD Flour mix, 1.50 kg FD Glaze, 5.00 Units FD Sugar mix",
        )
        self.assertEqual(
            recall.qty_on_hand_display,
            "2.00 Units FD Flour mix, 0.50 kg FD Glaze, 1.00 Units FD Sugar mix, "
            "7.00 kg FD Yeast",
        )
        self.assertEqual(recall.qty_recovered_display, "1.00 Units FD Flour mix")
        self.assertEqual(recall.balance_pct, 100.0)
        glaze = next(
            line
            for line in recall._get_product_summary()
            if line["product"] == self.glaze
        )
        self.assertEqual(
            (glaze["qty_in"], glaze["qty_customer_shipped"], glaze["qty_on_hand"]),
            (2.0, 1.5, 0.5),
        )
        [shop] = [
            node
            for node in recall.get_genealogy()["nodes"]
            if node["id"] == f"customer-{self.shop.id}"
        ]
        self.assertEqual(
            shop["quantities"],
            [
                [2.0, "Units", "FD Flour mix", self.flour_mix.id],
                [1.5, "kg", "FD Glaze", self.glaze.id],
                [1.0, "Units", "FD Sugar mix", self.sugar_mix.id],
            ],
        )
        _name, content, _mimetype = recall._get_export_file("customers", "csv")
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
        self.assertEqual(
            sorted((row[0], row[5], row[6], row[7], row[8]) for row in rows),
            [
                ("FD Bistro", "FD Sugar mix", "d1201", "4.0", "Units"),
                ("FD Shop", "FD Flour mix", "D1201", "2.0", "Units"),
                ("FD Shop", "FD Glaze", "D 1201", "1.5", "kg"),
                ("FD Shop", "FD Sugar mix", "d1201", "1.0", "Units"),
            ],
        )
        lines = {
            line.partner_id: line.lot_summary.splitlines()
            for line in self._notify_wizard(recall).line_ids
        }
        self.assertEqual(
            lines[self.shop],
            [
                "D 1201 (FD Glaze): 1.50 kg",
                "D1201 (FD Flour mix): 2.00 Units",
                "d1201 (FD Sugar mix): 1.00 Units",
            ],
        )
        # each row in the unit it moved in: 500 g is not 500 kg
        glaze_rows = recall.shipment_ids.filtered(
            lambda row: row.product_id == self.glaze
        )
        self.assertEqual(
            sorted(glaze_rows.mapped(lambda row: (row.product_qty, row.quantity))),
            [(0.5, 500.0), (1.0, 1.0)],
        )
        # 500 g + 1 kg added raw (501), the shop's products added (4.5
        # held, 505 raw); the genealogy's data (record ids) is checked above
        outputs = self._outputs()
        del outputs["genealogy"]
        for output, text in outputs.items():
            for cross_sum in ("501", "505", "4.5"):
                decimals = "0*" if "." in cross_sum else r"(\.0+)?"
                self.assertNotRegex(
                    text,
                    rf"(?<![\w.,%/-]){re.escape(cross_sum)}{decimals}(?![\w.]|,\d)",
                    f"a sum across units or products in {output}",
                )

    def test_archived_customer_and_product_stay_in_the_recall(self):
        """A customer or a product archived after the shipment (a closed
        account, a discontinued mix, the recalled yeast itself) is still
        recalled, found and notified."""
        self.bistro.action_archive()
        (self.sugar_mix | self.yeast).product_tmpl_id.action_archive()
        self.recall.action_trace()
        rows = self.recall.shipment_ids.filtered(
            lambda row: row.partner_id == self.bistro
        )
        self.assertEqual(rows.product_id, self.sugar_mix)
        self.assertEqual(sum(rows.mapped("product_qty")), 4.0)
        self.assertIn("FD Sugar mix", self.recall.qty_shipped_display)
        outputs = self._outputs()
        for output in ("notify", "customers csv", "genealogy", "report"):
            self.assertIn("FD Bistro", outputs[output], output)
        # the recall list's Customers column, its search and its grouping
        self.assertIn(self.bistro, self.recall.customer_ids)
        recalls = self.env["stock.recall"]
        self.assertEqual(
            recalls.search([("customer_ids", "ilike", "FD Bistro")]), self.recall
        )
        groups = recalls._read_group(
            [("id", "=", self.recall.id)], ["customer_ids"], ["__count"]
        )
        self.assertIn(self.bistro, [partner for partner, _count in groups])
        self.assertEqual(self.recall.product_ids, self.yeast)
        self.assertEqual(
            recalls.search([("product_ids", "ilike", "FD Yeast")]), self.recall
        )
        # Odoo emails no archived partner (it posts the message, notifies
        # nobody): the notice says so before anything is sent
        wizard = self._notify_wizard(self.recall)
        line = wizard.line_ids.filtered(lambda line: line.partner_id == self.bistro)
        self.assertEqual(line.recipient_ids, self.bistro)
        before = self.recall.message_ids
        with self.assertRaisesRegex(
            UserError, r"nothing was sent.*\nFD Bistro: FD Bistro is archived"
        ):
            wizard.action_apply()
        self.assertFalse(self.recall.message_ids - before)
        self.assertFalse(any(self.recall.shipment_ids.mapped("notified")))
        # its quality contact, still active, receives it
        contact = self.env["res.partner"].create(
            {
                "name": "FD Bistro Quality",
                "parent_id": self.bistro.id,
                "email": "quality@bistro.fd.example.com",
            }
        )
        line.recipient_ids = contact
        wizard.action_apply()
        notice = (self.recall.message_ids - before).filtered(
            lambda message: contact in message.partner_ids
        )
        self.assertEqual(
            notice.sudo().notification_ids.mapped(
                lambda n: (n.res_partner_id, n.notification_type)
            ),
            [(contact, "email")],
        )
        self.assertEqual(set(rows.mapped("delivery_state")), {"queued"})
