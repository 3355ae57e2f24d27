# Run in `odoo-bin shell` on a database WITHOUT the add-on: standard Odoo
# data that the add-on's rules forbid. Lots that differ by case or
# spaces, a serial on hand twice, a negative lot quant, a lot without history.
import os
import sys

# The shell's output goes through dev/tools/clilog.py (install_check.sh
# names the folder).
sys.path.insert(0, os.environ["SLT_DEV_TOOLS"])
from clilog import out  # noqa: E402

env = env  # noqa: F821 (provided by odoo-bin shell)
stock = env.ref("stock.warehouse0").lot_stock_id
Quant = env["stock.quant"]


def product(name, tracking):
    return env["product.product"].create(
        {"name": name, "default_code": name, "is_storable": True, "tracking": tracking}
    )


def adjust(lot, qty):
    Quant.with_context(inventory_mode=True).create(
        {
            "product_id": lot.product_id.id,
            "location_id": stock.id,
            "lot_id": lot.id,
            "inventory_quantity": qty,
        }
    ).action_apply_inventory()


flour = product("IC-FLOUR", "lot")
meter = product("IC-METER", "serial")
Lot = env["stock.lot"]
for name, qty in (("ABC", 5), ("abc", 3), (" ABC ", 0)):
    adjust(Lot.create({"name": name, "product_id": flour.id}), qty)
for name in ("SN-1", "sn-1"):
    adjust(Lot.create({"name": name, "product_id": meter.id}), 1)
twice, negative, no_history = Lot.create(
    [{"name": n, "product_id": meter.id} for n in ("SN-TWICE", "SN-NEG", "SN-NOHIST")]
)
Quant._update_available_quantity(meter, stock, 2, lot_id=twice)
Quant._update_available_quantity(meter, stock, -1, lot_id=negative)
Quant._update_available_quantity(meter, stock, 1, lot_id=no_history)
env.cr.commit()
out("SEEDED", Lot.search_count([]))
