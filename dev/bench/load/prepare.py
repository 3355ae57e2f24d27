"""Data of the load test, run by ``odoo-bin shell`` on the load database.

Reads the output path from LOAD_PREPARE_OUT; writes the JSON config the
locustfile reads (users and API keys per role, products, locations).
Not part of the add-on; run by dev/bench/load/run.py only.
"""

import json
import os
from datetime import timedelta

from odoo import fields

ROLES = {"clerk": 6, "picker": 6, "manager": 2, "quality": 2, "reader": 4}
SERIALS_ON_HAND = 120
LOTS_ON_HAND = 30


def prepare(env):
    company = env.company
    company.write({"serial_uniqueness_scope": "company"})
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", company.id)], limit=1
    )
    stock = warehouse.lot_stock_id
    groups = [
        env.ref("base.group_user").id,
        env.ref("stock.group_stock_manager").id,
        env.ref("product.group_product_manager").id,
        env.ref("stock.group_production_lot").id,
        env.ref("stock_lot_traceability.group_recall_manager").id,
    ]
    keys = {}
    for role, count in ROLES.items():
        users = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                [
                    {
                        "name": f"Load {role} {i}",
                        "login": f"load-{role}-{i}",
                        "group_ids": [(6, 0, groups)],
                    }
                    for i in range(1, count + 1)
                ]
            )
        )
        keys[role] = [
            env["res.users.apikeys"]
            .with_user(user)
            .sudo()
            ._generate(None, "load", None)
            for user in users
        ]
    Product = env["product.product"]
    serial = Product.create(
        {
            "name": "LOAD serial",
            "default_code": "LOAD-SN",
            "is_storable": True,
            "tracking": "serial",
        }
    )
    foreign = Product.create(
        {
            "name": "LOAD other serial",
            "default_code": "LOAD-FX",
            "is_storable": True,
            "tracking": "serial",
        }
    )
    lot_product = Product.create(
        {
            "name": "LOAD lot",
            "default_code": "LOAD-LOT",
            "is_storable": True,
            "tracking": "lot",
            "use_expiration_date": True,
            "expiration_time": 60,
        }
    )
    bins = env["stock.location"].create(
        [{"name": f"LOAD bin {i}", "location_id": stock.id} for i in range(1, 5)]
    )
    Lot = env["stock.lot"]
    serial_lots = Lot.create(
        [
            {"name": f"LOAD-SN-{i:04d}", "product_id": serial.id}
            for i in range(SERIALS_ON_HAND)
        ]
    )
    foreign_lots = Lot.create(
        [{"name": f"LOAD-FX-{i:04d}", "product_id": foreign.id} for i in range(40)]
    )
    now = fields.Datetime.now()
    lot_lots = Lot.create(
        [
            {
                "name": f"LOAD-LOT-{i:03d}",
                "product_id": lot_product.id,
                # a few expired already: pickers get them refused
                "expiration_date": now + timedelta(days=-3 if i % 10 == 0 else 90),
            }
            for i in range(LOTS_ON_HAND)
        ]
    )
    # Stock by inventory adjustment: it has incoming history.
    quants = (
        env["stock.quant"]
        .with_context(inventory_mode=True)
        .create(
            [
                {
                    "product_id": lot.product_id.id,
                    "location_id": stock.id,
                    "lot_id": lot.id,
                    "inventory_quantity": qty,
                }
                for lots, qty in ((serial_lots, 1), (foreign_lots, 1), (lot_lots, 40))
                for lot in lots
            ]
        )
    )
    quants.action_apply_inventory()
    env.flush_all()
    return {
        "keys": keys,
        "serial_product": serial.id,
        "foreign_product": foreign.id,
        "lot_product": lot_product.id,
        "serial_pool": 400,
        "lot_pool": 80,
        "stock": stock.id,
        "bins": bins.ids,
        "supplier": env.ref("stock.stock_location_suppliers").id,
        "customer": env.ref("stock.stock_location_customers").id,
        "in_type": warehouse.in_type_id.id,
        "out_type": warehouse.out_type_id.id,
        "partner": env["res.partner"].create({"name": "LOAD customer"}).id,
        "vendor": env["res.partner"].create({"name": "LOAD vendor"}).id,
        "seed_lots": lot_lots.ids[:20],
    }


config = prepare(env)  # noqa: F821 - odoo-bin shell's environment
env.cr.commit()  # noqa: F821
with open(os.environ["LOAD_PREPARE_OUT"], "w") as out:
    json.dump(config, out)
