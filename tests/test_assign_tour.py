# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestAssignTour(HttpCase):
    """Retroactive assignment in the browser: serials and the import error."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.env.ref("base.user_admin")
        admin.group_ids |= cls.env.ref("stock.group_production_lot")
        admin.group_ids |= cls.env.ref("stock.group_stock_manager")
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", admin.company_id.id)], limit=1
        )
        cls.location = cls.env["stock.location"].create(
            {
                "name": "Tour Shelf",
                "barcode": "TOUR-LOC",
                "location_id": cls.warehouse.lot_stock_id.id,
            }
        )

    def _product(self, name, code, tracking):
        product = self.env["product.product"].create(
            {
                "name": name,
                "default_code": code,
                "is_storable": True,
                "tracking": "none",
            }
        )
        Quant = self.env["stock.quant"]
        Quant._update_available_quantity(product, self.warehouse.lot_stock_id, 3)
        Quant._update_available_quantity(product, self.location, 2)
        product.product_tmpl_id.tracking = tracking
        return product

    def _url(self, product):
        return (
            "/odoo/action-stock.product_template_action_product/"
            f"{product.product_tmpl_id.id}"
        )

    def test_serial_assignment_tour(self):
        product = self._product("Tour Serial Widget", "TOUR-SW", "none")
        self.start_tour(
            self._url(product),
            "stock_lot_traceability_assign_serials",
            login="admin",
            timeout=180,
        )
        lots = self.env["stock.lot"].search([("product_id", "=", product.id)])
        self.assertEqual(len(lots), 5)
        self.assertEqual(set(lots.mapped("product_qty")), {1.0})
        self.assertTrue(lots.retroactive_run_id)
        self.assertEqual(product.tracking, "serial")
        self.assertEqual(product.untracked_qty, 0)
        findings = self.env["stock.traceability.health"]._collect_findings()
        self.assertFalse(
            [f for f in findings if f.get("product_id") == product.id],
        )

    def test_import_error_tour(self):
        product = self._product("Tour Import Glue", "TOUR-IMP", "lot")
        self.start_tour(
            self._url(product),
            "stock_lot_traceability_assign_import_error",
            login="admin",
            timeout=180,
        )
        self.assertFalse(
            self.env["stock.lot"].search([("product_id", "=", product.id)])
        )
        self.assertEqual(product.untracked_qty, 5)
