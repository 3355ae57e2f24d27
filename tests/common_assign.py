# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Fixtures of the retroactive assignment tests: untracked stock on hand."""

import base64
import datetime

from odoo import fields

from .common import TraceabilityCase


class AssignCase(TraceabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Location = cls.env["stock.location"]
        cls.shelves = Location.create(
            [
                {"name": f"Shelf {index}", "location_id": cls.stock_location.id}
                for index in (1, 2, 3)
            ]
        )
        cls.shelf1, cls.shelf2, cls.shelf3 = cls.shelves
        cls.shelf1.barcode = "SLT-SHELF-1"

    @classmethod
    def _create_untracked_product(cls, name, code=None, **vals):
        return cls.env["product.product"].create(
            {
                "name": name,
                "is_storable": True,
                "tracking": "none",
                "default_code": code or name.upper().replace(" ", "-"),
                **vals,
            }
        )

    @classmethod
    def _put_stock(cls, product, location, qty, package=None, owner=None, in_date=None):
        cls.env["stock.quant"]._update_available_quantity(
            product,
            location,
            qty,
            package_id=package,
            owner_id=owner,
            in_date=in_date,
        )

    @classmethod
    def _track(cls, product, tracking):
        product.product_tmpl_id.write({"tracking": tracking})

    def _quants(self, product, lot=None, untracked=False):
        domain = [
            ("product_id", "=", product.id),
            ("location_id.usage", "=", "internal"),
        ]
        if untracked:
            domain.append(("lot_id", "=", False))
        elif lot is not None:
            domain.append(("lot_id", "=", lot.id))
        return self.env["stock.quant"].search(domain)

    def _wizard(self, products, **vals):
        return (
            self.env["stock.lot.assign"]
            .with_context(active_model="product.product", active_ids=products.ids)
            .create(vals)
        )

    @staticmethod
    def _b64(text, encoding="utf-8"):
        data = text.encode(encoding) if isinstance(text, str) else text
        return base64.b64encode(data)

    @staticmethod
    def _dt(*args):
        return fields.Datetime.to_datetime(datetime.datetime(*args))
