# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Builder of lot/serial traceability chains for the tests.

It creates products, lots and real pickings (and manufacturing orders when
``mrp`` is installed) through the ORM, so quants and moves agree. Tests get
it from ``tests/common.py`` (``TraceabilityCase.builder``); the exact-lot
transfer helpers (``prepare_picking``, ``do_picking``, ``validate``) are
public, for the tests that need a transfer holding exactly the lots given.
``dev/tools/upgrade_check.py`` imports it too.

Quantities are always given as ``{lot: qty}`` maps, where ``lot`` is a lot
name or a ``stock.lot`` record. A serial number is ``{"SN-1": 1}``.
"""

from odoo import Command
from odoo.tools import convert_file

# Names of the demo chain, stable so that other demo data and tests can find
# the records (see ``TraceabilityChainBuilder.build_demo_chain``).
DEMO_FILE = "demo/stock_lot_traceability_demo.xml"
DEMO_CODE_PREFIX = "SLT-DEMO-"
DEMO_RAW_LOTS = ("FLOUR-2026-001", "FLOUR-2026-002", "FLOUR-2026-003")
DEMO_EXPIRED_LOT = "FLOUR-2026-003"
DEMO_ALERT_LOT = "FLOUR-2026-002"
DEMO_INTERMEDIATE_LOTS = ("COOKIE-2026-001", "COOKIE-2026-002", "COOKIE-2026-003")
DEMO_SERIALS = tuple(f"GIFTBOX-{i:04d}" for i in range(1, 8))


class TraceabilityChainBuilder:
    """Builds lot/serial chains: receipts, manufacturing, deliveries.

    Every operation goes through the documents a user would validate
    (``stock.picking``, ``mrp.production``, ``stock.scrap``, inventory
    adjustments), with the exact lots given, so that quants, move lines and
    the ``consume_line_ids``/``produce_line_ids`` links are the real ones.
    Nothing opens a wizard: quantities are set and picked exactly, so no
    backorder is needed, and Odoo's expiry confirmation dialog is skipped
    (``skip_expired``) while the add-on's rules, checked in
    ``_action_done``, still apply.

    Usage::

        builder = TraceabilityChainBuilder(env)
        flour = builder.create_product("Flour", tracking="lot", expiration_time=90)
        vendor = builder.create_partner("Mill")
        receipt = builder.receive(flour, {"F-001": 50}, vendor)
    """

    def __init__(self, env, warehouse=None):
        self.env = env
        self.warehouse = warehouse or env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        self.company = self.warehouse.company_id
        self.stock_location = self.warehouse.lot_stock_id

    @property
    def has_mrp(self):
        """True when manufacturing orders can be built (``mrp`` installed)."""
        return "mrp.production" in self.env

    # ------------------------------------------------------------------
    # Master data
    # ------------------------------------------------------------------

    def create_product(self, name, tracking="lot", **vals):
        """Create a storable tracked product.

        ``tracking`` is ``"lot"``, ``"serial"`` or ``"none"``. Any other
        ``product.product`` value can be passed, notably the product_expiry
        times in days: ``expiration_time`` (switches ``use_expiration_date``
        on), ``use_time``, ``removal_time``, ``alert_time``.
        """
        if "expiration_time" in vals:
            vals.setdefault("use_expiration_date", True)
        return self.env["product.product"].create(
            {
                "name": name,
                "is_storable": True,
                "tracking": tracking,
                "company_id": False,
                **vals,
            }
        )

    def create_partner(self, name, **vals):
        """Create a company partner (vendor or customer)."""
        return self.env["res.partner"].create(
            {"name": name, "is_company": True, **vals}
        )

    def create_partners(self, names):
        """Create several company partners at once."""
        return self.env["res.partner"].create(
            [{"name": name, "is_company": True} for name in names]
        )

    def get_lots(self, product, names, create=False):
        """Return the lots of ``product`` named ``names`` (in that order).

        With ``create``, missing lots are created, all in one ``create()``.
        """
        names = list(names)
        lots = self.env["stock.lot"].search(
            [
                ("product_id", "=", product.id),
                ("name", "in", names),
                ("company_id", "in", [self.company.id, False]),
            ]
        )
        missing = [name for name in names if name not in lots.mapped("name")]
        if missing and create:
            lots |= self.env["stock.lot"].create(
                [
                    {
                        "name": name,
                        "product_id": product.id,
                        "company_id": self.company.id,
                    }
                    for name in missing
                ]
            )
        by_name = {lot.name: lot for lot in lots}
        return self.env["stock.lot"].union(
            *(by_name[name] for name in names if name in by_name)
        )

    # ------------------------------------------------------------------
    # Transfers with exact lots (public: every test that needs one uses them)
    # ------------------------------------------------------------------

    def lot_lines(self, product, lot_qtys):
        """Move line values taking existing lots: ``lot_id`` and quantity."""
        if product.tracking == "none":
            return [{"quantity": self._total(lot_qtys)}]
        lots = self._resolve_lots(product, lot_qtys)
        return [
            {"lot_id": lot.id, "quantity": qty}
            for lot, qty in zip(lots, lot_qtys.values(), strict=True)
        ]

    def do_picking(self, picking_type, partner, src, dest, lines_by_product):
        """Create, confirm, fill with exact lots and validate a picking."""
        picking = self.prepare_picking(
            picking_type, partner, src, dest, lines_by_product
        )
        self.validate(picking)
        return picking

    def prepare_picking(self, picking_type, partner, src, dest, lines_by_product):
        """A confirmed picking holding exactly the given lot lines, picked,
        not validated (``lines_by_product``: ``{product: [line vals]}``)."""
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": partner.id,
                "location_id": src.id,
                "location_dest_id": dest.id,
                "company_id": self.company.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom": product.uom_id.id,
                            "product_uom_qty": sum(line["quantity"] for line in lines),
                            "location_id": src.id,
                            "location_dest_id": dest.id,
                        }
                    )
                    for product, lines in lines_by_product.items()
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.move_line_ids.unlink()
        self.set_lot_lines(picking.move_ids, lines_by_product)
        return picking

    def set_lot_lines(self, moves, lines_by_product):
        """Give ``moves`` exactly the given lot lines, picked."""
        vals_list = []
        for move in moves:
            for line in lines_by_product.get(move.product_id, []):
                vals = move._prepare_move_line_vals()
                vals.update(line, product_uom_id=move.product_id.uom_id.id)
                vals["picked"] = True
                vals_list.append(vals)
        self.env["stock.move.line"].create(vals_list)
        moves.picked = True

    def validate(self, pickings):
        """Validate ``pickings`` as they are: no backorder, no expiry or SMS
        dialog (the add-on's rules still apply); raises unless all are done."""
        result = pickings.with_context(
            skip_backorder=True,
            picking_ids_not_to_backorder=pickings.ids,
            skip_expired=True,
            skip_sms=True,
        ).button_validate()
        self._check_no_wizard(result, pickings)
        return pickings

    # ------------------------------------------------------------------
    # Stock operations
    # ------------------------------------------------------------------

    def receive(
        self,
        product,
        lot_qtys,
        partner,
        location=None,
        expiration_dates=None,
        picking_type=None,
    ):
        """Receive ``{lot_name: qty}`` of ``product`` from ``partner``.

        Lots are created by the receipt itself (``lot_name`` on the move
        lines), as a user does. ``expiration_dates`` optionally maps lot names
        to expiration datetimes (otherwise product_expiry computes them).
        Returns the validated picking; ``picking.move_line_ids.lot_id`` are
        the lots.
        """
        picking_type = picking_type or self.warehouse.in_type_id
        dest = location or picking_type.default_location_dest_id
        dates = expiration_dates or {}
        lines = [
            {
                "lot_name": lot if isinstance(lot, str) else lot.name,
                "quantity": qty,
                **(
                    {"expiration_date": dates[lot]}
                    if isinstance(lot, str) and lot in dates
                    else {}
                ),
            }
            for lot, qty in lot_qtys.items()
        ]
        return self.do_picking(
            picking_type,
            partner,
            partner.property_stock_supplier,
            dest,
            {product: lines},
        )

    def deliver(self, product, lot_qtys, customer, location=None, picking_type=None):
        """Deliver ``{lot: qty}`` of ``product`` to ``customer``.

        The given lots are taken from ``location`` (default: the warehouse
        stock); returns the validated picking.
        """
        picking_type = picking_type or self.warehouse.out_type_id
        src = location or picking_type.default_location_src_id
        return self.do_picking(
            picking_type,
            customer,
            src,
            customer.property_stock_customer,
            {product: self.lot_lines(product, lot_qtys)},
        )

    def transfer(self, product, lot_qtys, location_dest, location=None):
        """Move ``{lot: qty}`` between internal locations (internal picking)."""
        picking_type = self.warehouse.int_type_id
        return self.do_picking(
            picking_type,
            self.env["res.partner"],
            location or self.stock_location,
            location_dest,
            {product: self.lot_lines(product, lot_qtys)},
        )

    def return_picking(self, picking, lot_qtys=None):
        """Return a done picking through ``stock.return.picking``.

        ``lot_qtys`` maps lots (records, or names of lots in ``picking``) to
        the quantity returned; default: everything the picking moved. Works
        for a delivery (customer return) and a receipt (return to vendor).
        Returns the validated return picking.
        """
        done_lines = picking.move_line_ids.filtered(lambda ml: ml.state == "done")
        if lot_qtys is None:
            lot_qtys = {}
            for ml in done_lines:
                lot_qtys[ml.lot_id] = lot_qtys.get(ml.lot_id, 0.0) + ml.quantity
        lots_by_name = {lot.name: lot for lot in done_lines.lot_id}
        lot_qtys = {
            (lots_by_name[lot] if isinstance(lot, str) else lot): qty
            for lot, qty in lot_qtys.items()
        }
        wizard = (
            self.env["stock.return.picking"]
            .with_context(
                active_model="stock.picking",
                active_id=picking.id,
                active_ids=picking.ids,
            )
            .create({})
        )
        for line in wizard.product_return_moves:
            line.quantity = sum(
                qty
                for lot, qty in lot_qtys.items()
                if lot.product_id == line.product_id
            )
        return_picking = wizard._create_return()
        return_picking.move_ids.move_line_ids.unlink()
        self.set_lot_lines(
            return_picking.move_ids,
            {
                product: self.lot_lines(
                    product,
                    {
                        lot: qty
                        for lot, qty in lot_qtys.items()
                        if lot.product_id == product
                    },
                )
                for product in return_picking.move_ids.product_id
            },
        )
        self.validate(return_picking)
        return return_picking

    def return_delivery(self, picking, lot_qtys=None):
        """Customer return of a delivery; see ``return_picking``."""
        return self.return_picking(picking, lot_qtys)

    def scrap(self, product, lot, qty, location=None):
        """Scrap ``qty`` of ``lot`` (record or name); returns the done scrap."""
        lot = self._resolve_lots(product, {lot: qty})
        scrap = self.env["stock.scrap"].create(
            {
                "product_id": product.id,
                "lot_id": lot.id,
                "scrap_qty": qty,
                "location_id": (location or self.stock_location).id,
                "company_id": self.company.id,
            }
        )
        result = scrap.action_validate()
        self._check_no_wizard(result, scrap)
        return scrap

    def adjust_inventory(self, product, lot_qtys, location=None):
        """Apply an inventory count: ``{lot: counted_qty}`` in ``location``.

        Returns the inventory adjustment moves created.
        """
        location = location or self.stock_location
        lots = self._resolve_lots(product, lot_qtys, create=True)
        moves_before = self.env["stock.move"].search(
            [("product_id", "=", product.id), ("is_inventory", "=", True)]
        )
        quants = (
            self.env["stock.quant"]
            .with_context(inventory_mode=True)
            .create(
                [
                    {
                        "product_id": product.id,
                        "location_id": location.id,
                        "lot_id": lot.id,
                        "inventory_quantity": qty,
                    }
                    for lot, qty in zip(lots, lot_qtys.values(), strict=True)
                ]
            )
        )
        quants.action_apply_inventory()
        return (
            self.env["stock.move"].search(
                [("product_id", "=", product.id), ("is_inventory", "=", True)]
            )
            - moves_before
        )

    def inventory_loss(self, product, lot_qtys, location=None):
        """Record an inventory loss of ``{lot: lost_qty}`` in ``location``."""
        location = location or self.stock_location
        lots = self._resolve_lots(product, lot_qtys)
        quants = self.env["stock.quant"]
        counted = {
            lot: sum(
                quants._gather(product, location, lot_id=lot, strict=True).mapped(
                    "quantity"
                )
            )
            - qty
            for lot, qty in zip(lots, lot_qtys.values(), strict=True)
        }
        return self.adjust_inventory(product, counted, location)

    # ------------------------------------------------------------------
    # Manufacturing (mrp)
    # ------------------------------------------------------------------

    def get_bom(self, product, components):
        """A flexible BoM of ``product`` made of ``components``' products.

        ``components`` maps component products to ``{lot: qty}`` (or to a
        quantity). An existing BoM with the same component products is
        reused; otherwise one is created for one unit, with the ratios given.
        """
        boms = self.env["mrp.bom"].search(
            [("product_tmpl_id", "=", product.product_tmpl_id.id)]
        )
        wanted = set(components)
        for bom in boms:
            if set(bom.bom_line_ids.product_id) == wanted:
                return bom
        return self.env["mrp.bom"].create(
            {
                "product_tmpl_id": product.product_tmpl_id.id,
                "product_id": product.id,
                "product_qty": 1.0,
                "consumption": "flexible",
                "bom_line_ids": [
                    Command.create(
                        {
                            "product_id": component.id,
                            "product_qty": self._total(qtys),
                        }
                    )
                    for component, qtys in components.items()
                ],
            }
        )

    def manufacture(self, product, lot_qtys, components, bom=None):
        """Produce ``{lot_or_serial: qty}`` of ``product`` in one real MO.

        ``components`` maps each component product to the ``{lot: qty}``
        consumed (an untracked component maps to ``{False: qty}``). A lot
        product takes one lot; a serial product one or more serials of 1.
        Finished lots are created when missing. Returns the done
        ``mrp.production``; its finished move lines have ``consume_line_ids``
        set to the consumed component move lines.
        """
        if not self.has_mrp:
            raise RuntimeError("manufacture() needs the mrp module")
        lots = self._resolve_lots(product, lot_qtys, create=True)
        qty = self._total(lot_qtys)
        bom = bom or self.get_bom(
            product,
            {
                component: {lot: q / qty for lot, q in self._as_lot_qtys(qtys).items()}
                for component, qtys in components.items()
            },
        )
        production = self.env["mrp.production"].create(
            {
                "product_id": product.id,
                "product_qty": qty,
                "product_uom_id": product.uom_id.id,
                "bom_id": bom.id,
                "picking_type_id": self.warehouse.manu_type_id.id,
                "company_id": self.company.id,
            }
        )
        production.action_confirm()
        production.lot_producing_ids = [Command.set(lots.ids)]
        production.qty_producing = qty
        production.set_qty_producing()
        production.move_raw_ids.move_line_ids.unlink()
        self.set_lot_lines(
            production.move_raw_ids,
            {
                component: self.lot_lines(component, self._as_lot_qtys(qtys))
                for component, qtys in components.items()
            },
        )
        result = production.with_context(skip_redirection=True).button_mark_done()
        self._check_no_wizard(result, production)
        return production

    # ------------------------------------------------------------------
    # Chains
    # ------------------------------------------------------------------

    def build_chain(
        self, levels=3, prefix="CHAIN", serials=3, customers=2, raw_qty=100.0
    ):
        """Build a multi-level chain: raw lot → intermediate lots → serials.

        ``levels`` manufacturing steps (at least 1): the raw lot
        ``<prefix>-RAW-001`` (lot, with expiry) is received from a vendor,
        each level ``i`` (1..levels-1) makes lot ``<prefix>-L<i>-001`` from
        the previous lot, the last level makes ``serials`` serial numbers
        ``<prefix>-SN-001``... from the previous lot, one unit of the
        previous level per unit (raw material: ``raw_qty / 2`` consumed).
        The serials go round-robin to ``customers`` customers, one delivery
        each, and one serial stays on hand. Without ``mrp`` each level is
        received from the vendor instead (no manufacturing links; the
        ``productions`` list is empty). Use a distinct ``prefix`` per chain.

        Returns a dict: ``products`` (one per level, raw first), ``lots``
        (one recordset per level), ``vendor``, ``customers``, ``receipt``,
        ``productions``, ``deliveries``, ``on_hand_serials``.
        """
        assert levels >= 1 and serials >= 2
        products = [
            self.create_product(
                f"{prefix} Raw",
                tracking="lot",
                default_code=f"{prefix}-RAW",
                expiration_time=180,
                alert_time=30,
            )
        ]
        products += [
            self.create_product(
                f"{prefix} Level {level}",
                tracking="lot",
                default_code=f"{prefix}-L{level}",
            )
            for level in range(1, levels)
        ]
        products.append(
            self.create_product(
                f"{prefix} Finished", tracking="serial", default_code=f"{prefix}-FIN"
            )
        )
        vendor = self.create_partner(f"{prefix} Vendor")
        partners = self.create_partners(
            [f"{prefix} Customer {i}" for i in range(1, customers + 1)]
        )
        receipt = self.receive(products[0], {f"{prefix}-RAW-001": raw_qty}, vendor)
        lot_names = [[f"{prefix}-RAW-001"]]
        lot_names += [[f"{prefix}-L{level}-001"] for level in range(1, levels)]
        lot_names.append([f"{prefix}-SN-{i:03d}" for i in range(1, serials + 1)])
        productions = self.env["mrp.production"] if self.has_mrp else []
        # Each level makes as many units as the serials need downstream.
        level_qty = float(serials)
        for level in range(1, levels + 1):
            product = products[level]
            if level == levels:
                lot_qtys = dict.fromkeys(lot_names[level], 1.0)
            else:
                lot_qtys = {lot_names[level][0]: level_qty}
            consumed = raw_qty / 2 if level == 1 else level_qty
            components = {products[level - 1]: {lot_names[level - 1][0]: consumed}}
            productions += self.produce_or_receive(
                product, lot_qtys, components, vendor
            )
        deliveries = self.env["stock.picking"]
        shipped = lot_names[-1][:-1]
        for index, partner in enumerate(partners):
            mine = shipped[index :: len(partners)]
            if mine:
                deliveries |= self.deliver(
                    products[-1], dict.fromkeys(mine, 1.0), partner
                )
        lots = [
            self.get_lots(product, names)
            for product, names in zip(products, lot_names, strict=True)
        ]
        return {
            "products": products,
            "lots": lots,
            "vendor": vendor,
            "customers": partners,
            "receipt": receipt,
            "productions": productions,
            "deliveries": deliveries,
            "on_hand_serials": lots[-1][-1:],
        }

    def produce_or_receive(self, product, lot_qtys, components, vendor):
        """Manufacture when ``mrp`` is installed, else receive from ``vendor``.

        Returns the ``mrp.production`` made, or an empty recordset/list.
        """
        if self.has_mrp:
            return self.manufacture(product, lot_qtys, components)
        self.receive(product, lot_qtys, vendor)
        return []

    def build_demo_chain(self):
        """Load the add-on's demo data (the bakery recall chain) as an
        install with demo data does; returns a dict of its records.

        The records are those of ``demo/stock_lot_traceability_demo.xml``
        and, with ``mrp``, ``demo/stock_lot_traceability_demo_mrp.xml``
        (read them for the story and the quantities), found by their stable
        names: products by ``default_code`` (``SLT-DEMO-FLOUR``, ``-COOKIE``,
        ``-GIFTBOX``), lots by name. ``DEMO_EXPIRED_LOT`` (FLOUR-2026-003)
        expired after it was used and reached all three customers.

        The returned dict has ``products`` (keys ``flour``, ``cookie``,
        ``giftbox``), ``lots`` (by name), ``receipts``, ``deliveries``,
        ``productions``, ``expired_lot`` and ``alert_lot``. Calling it again
        on a database that has the chain does not load it twice.
        """
        if not self._demo_products():
            convert_file(
                self.env,
                "stock_lot_traceability",
                DEMO_FILE,
                {},
                mode="init",
                noupdate=True,
            )
        return self._demo_records()

    def _demo_products(self):
        return self.env["product.product"].search(
            [("default_code", "=like", f"{DEMO_CODE_PREFIX}%")]
        )

    def _demo_records(self):
        """The demo chain's records, looked up by their stable names."""
        products = self._demo_products()
        by_code = {
            product.default_code.removeprefix(DEMO_CODE_PREFIX).lower(): product
            for product in products
        }
        lots = self.env["stock.lot"].search([("product_id", "in", products.ids)])
        move_lines = self.env["stock.move.line"].search(
            [("lot_id", "in", lots.ids), ("state", "=", "done")]
        )
        pickings = move_lines.picking_id
        return {
            "products": by_code,
            "lots": {lot.name: lot for lot in lots},
            "receipts": pickings.filtered(lambda p: p.picking_type_code == "incoming"),
            "deliveries": pickings.filtered(
                lambda p: p.picking_type_code == "outgoing"
            ),
            "productions": move_lines.move_id.production_id if self.has_mrp else [],
            "expired_lot": lots.filtered(lambda lot: lot.name == DEMO_EXPIRED_LOT),
            "alert_lot": lots.filtered(lambda lot: lot.name == DEMO_ALERT_LOT),
        }

    # ------------------------------------------------------------------
    # Internals
    # ------------------------------------------------------------------

    @staticmethod
    def _as_lot_qtys(qtys):
        return qtys if isinstance(qtys, dict) else {False: qtys}

    @classmethod
    def _total(cls, qtys):
        return sum(cls._as_lot_qtys(qtys).values())

    def _resolve_lots(self, product, lot_qtys, create=False):
        """Lots of ``lot_qtys`` keys (names or records), in key order."""
        names = [lot if isinstance(lot, str) else lot.name for lot in lot_qtys]
        lots = self.get_lots(product, names, create=create)
        if len(lots) != len(names):
            raise ValueError(f"Unknown lots of {product.display_name}: {names}")
        return lots

    @staticmethod
    def _check_no_wizard(result, records):
        if isinstance(result, dict) and result.get("res_model"):
            raise AssertionError(
                f"{records} opened {result['res_model']} instead of being done"
            )
        states = set(records.mapped("state"))
        if states != {"done"}:
            raise AssertionError(f"{records} are {states}, not done")
