# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""stock.move.line of the add-on: lot names on entry and the integrity rules
checked at validation (uniqueness, single unit, expiry, blocked lots,
operation type creation rights), each rule set-based over the lines.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_datetime

from ..exceptions import TraceabilityError
from ..tools import lot_naming, quantity_format, traceability_invariants
from ..tools.lot_naming import GS1_LOT_MAX_LENGTH

# Context marker of move lines being done, whose batch check makes the quant
# guard step aside; an object, so that an RPC context cannot carry it.
LINES_CHECKED = object()


class StockMoveLine(models.Model):
    """Lot names of move lines as the strict rules read them: typed, scanned,
    generated or imported (A4); done lines keep their lot (A5); then the
    rules checked when lines are done (``_check_traceability_rules``)."""

    _inherit = "stock.move.line"

    @api.model_create_multi
    def create(self, vals_list):
        self._prepare_lot_name_vals_list(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("lot_name"):
            if len(self.product_id) > 1:
                # Normalisation depends on the product: one write per product.
                for lines in self.grouped("product_id").values():
                    lines.write(vals)
                return True
            vals = dict(vals)
            self._prepare_lot_name_vals_list([vals], self[:1])
        if "lot_id" in vals and not vals["lot_id"]:
            self._check_done_lines_keep_lot()
        return super().write(vals)

    @api.onchange("lot_name")
    def _onchange_lot_name_traceability(self):
        if not self.lot_name or not self.product_id:
            return None
        if not self.env["res.company"]._traceability_strict(self.company_id):
            return None
        Lot = self.env["stock.lot"]
        result = Lot._read_lot_name(
            self.lot_name,
            self.product_id,
            self.product_id.product_tmpl_id._get_lot_name_format(),
        )
        self.lot_name = result["name"]
        if result["expiration_date"] and "expiration_date" in self._fields:
            self.expiration_date = result["expiration_date"]
        errors = result["errors"]
        if (
            not errors
            and len(self.lot_name) > GS1_LOT_MAX_LENGTH
            and self.env.user.has_group("stock.group_stock_lot_print_gs1")
        ):
            errors = [
                self.env._(
                    "longer than the %(max)s characters a GS1 label can carry",
                    max=GS1_LOT_MAX_LENGTH,
                )
            ]
        return Lot._get_lot_name_warning(self.product_id, self.lot_name, errors)

    @api.onchange("lot_name", "lot_id")
    def _onchange_lot_traceability_warning(self):
        """Warn while typing what validation would refuse, as Odoo warns
        about a serial number typed twice (``_onchange_serial_number``): a
        name that differs from an existing lot, or from the name on another
        line, only in case or surrounding spaces (the uniqueness rule
        compares names that way), and a blocked lot. Runs after the name is
        normalised (``_onchange_lot_name_traceability``, alphabetical order
        of the onchange methods)."""
        messages = self._get_traceability_lot_warnings()
        if not messages:
            return None
        return {
            "warning": {
                "title": self.env._("Lot/serial number"),
                "message": "\n".join(messages),
            }
        }

    def _action_done(self):
        # The batch is checked here; the quant-level guard of stock.quant
        # would repeat the checks quant by quant.
        lines = self.with_context(traceability_lines_checked=LINES_CHECKED)
        lines._check_traceability_rules()
        return super(StockMoveLine, lines)._action_done()

    def _create_and_assign_production_lot(self):
        # The lines were checked against their operation type's "Create New"
        # (``_check_traceability_lot_creation``); the caller's context, which
        # may name another picking, must not decide for them.
        lines = self.with_context(traceability_picking_type_id=False)
        return super(StockMoveLine, lines)._create_and_assign_production_lot()

    def _prepare_lot_name_vals_list(self, vals_list, lines=None):
        """Normalise/decompose ``lot_name`` in create/write values and check
        its format; raise one error listing every bad name."""
        Lot = self.env["stock.lot"]
        todo = [vals for vals in vals_list if vals.get("lot_name")]
        if not todo:
            return
        moves = self.env["stock.move"].browse(
            {vals["move_id"] for vals in todo if vals.get("move_id")}
        )
        products = self.env["product.product"].browse(
            {vals["product_id"] for vals in todo if vals.get("product_id")}
        )
        vals_products = []
        for vals in todo:
            move = moves.browse(vals.get("move_id"))
            product = (
                products.browse(vals.get("product_id"))
                or move.product_id
                or (lines.product_id if lines else products.browse())
            )
            company = (
                self.env["res.company"].browse(vals.get("company_id"))
                or move.company_id
                or (lines.company_id if lines else self.env.company)
            )
            if product and self.env["res.company"]._traceability_strict(company):
                vals_products.append((vals, product))
        Lot._read_lot_names_in_vals(vals_products)

    def _get_traceability_lot_warnings(self):
        """The warnings of :meth:`_onchange_lot_traceability_warning` for
        the line: one query finds the lot whose uniqueness key the typed
        name would take (:func:`.lot_naming.unique_key`)."""
        self.ensure_one()
        product = self.product_id
        if (
            not product
            or product.tracking == "none"
            or not self.env["res.company"]._traceability_strict(self.company_id)
        ):
            return []
        Lot = self.env["stock.lot"]
        messages = []
        lot = self.lot_id
        typed = not lot and self.lot_name
        if typed:
            name_key = Lot._get_traceability_name_key(self.lot_name)
            others = (self._get_similar_move_lines() - self).filtered(
                lambda ml: ml.lot_name
                and ml.lot_name != self.lot_name
                and Lot._get_traceability_name_key(ml.lot_name) == name_key
            )
            if others:
                messages.append(
                    self.env._(
                        "%(name)s is typed as %(other)s on another line: lot/serial "
                        "numbers that differ only in case or surrounding spaces are "
                        "the same number.",
                        name=self.lot_name,
                        other=others[0].lot_name,
                    )
                )
            lot = self._get_traceability_lot_by_key(name_key)
            if lot and (lot.name != self.lot_name or lot.product_id != product):
                messages.append(
                    self.env._(
                        "%(name)s is already used by %(existing)s (%(product)s): "
                        "lot/serial numbers are compared without surrounding "
                        "spaces and case, so validation will refuse it. Type "
                        "%(existing)s to use that lot, or another number.",
                        name=self.lot_name,
                        existing=lot.name,
                        product=lot.product_id.display_name,
                    )
                )
                return messages
        if (
            lot.is_blocked
            and not self.is_inventory
            and not (
                self.location_dest_id and self.location_dest_id._accepts_blocked_lots()
            )
        ):
            messages.append(
                self.env._(
                    "%(lot)s is blocked (%(reason)s): it can only move to a "
                    "quarantine, scrap or vendor location, so validation will "
                    "refuse this line.",
                    lot=lot.name,
                    reason=lot.blocked_reason or self.env._("no reason given"),
                )
            )
        return messages

    def _get_traceability_lot_by_key(self, name_key):
        """The lot holding the uniqueness key a lot of this line named
        ``name_key`` would take (with the line's company, or none for a
        product shared between companies), in one query."""
        self.ensure_one()
        Lot = self.env["stock.lot"]
        scope = Lot._traceability_scope_of(self.company_id, self.product_id.tracking)
        keys = {
            lot_naming.unique_key(scope, name_key, company.id, self.product_id.id)
            for company in (self.company_id, self.env["res.company"])
        }
        # sudo: a lot of a company the user may not read still takes the
        # key; the warning names it
        return Lot.sudo().search_fetch(
            [("traceability_unique_key", "in", [key for key in keys if key])],
            ["name", "product_id", "is_blocked", "blocked_reason"],
            limit=1,
        )

    def _check_done_lines_keep_lot(self):
        strict = self.company_id._traceability_strict_companies()
        lines = self.filtered(
            lambda ml: ml.state == "done" and ml.lot_id and ml.company_id in strict
        )
        if lines:
            raise TraceabilityError(
                self.env._(
                    "The lot/serial number of a done move line cannot be removed:"
                    "\n%(lines)s",
                    lines=self._format_traceability_violations(
                        [
                            ml._traceability_violation(self.env._("done line"))
                            for ml in lines
                        ]
                    ),
                )
            )

    # ----------------------------------------------------------------------
    # The strict rules checked when move lines are done: blocked lots (A6),
    # expired lots (A7), a lot required and created only where the operation
    # type allows it, on hand at the source (A3), one unit per serial number
    # (A2). The whole batch is checked in a constant number of queries,
    # after the lots involved are locked, so that concurrent validations are
    # serialised; one error lists every offending line.
    # ----------------------------------------------------------------------

    def _get_traceability_rule_checks(self):
        """Return the rule methods run before move lines are done.

        Each method receives the lines under strict traceability and returns
        a list of violations, as made by ``_traceability_violation``. Extend
        this list (call ``super()``) to add a rule.
        """
        return [
            self._check_traceability_blocked_lots,
            self._check_traceability_expired_lots,
            self._check_traceability_lot_required,
            self._check_traceability_lot_creation,
            self._check_traceability_on_hand,
            self._check_traceability_single_unit,
        ]

    def _traceability_strict_lines(self):
        """Lines whose company enforces the strict rules."""
        strict = self.company_id._traceability_strict_companies()
        return self.filtered(lambda ml: ml.company_id in strict)

    def _traceability_violation(self, reason):
        """One violation on one line: product, lot/serial, location, document."""
        self.ensure_one()
        return {
            "line": self,
            "reason": reason,
        }

    def _format_traceability_violations(self, violations):
        lines = []
        for violation in violations:
            ml = violation["line"]
            lines.append(
                self.env._(
                    "- %(product)s, lot/serial %(lot)s, %(src)s → %(dest)s, "
                    "%(document)s: %(reason)s",
                    product=ml.product_id.display_name,
                    lot=ml.lot_id.name or ml.lot_name or self.env._("(none)"),
                    src=ml.location_id.display_name,
                    dest=ml.location_dest_id.display_name,
                    document=ml.reference or ml.move_id.reference or "",
                    reason=violation["reason"],
                )
            )
        return "\n".join(lines)

    def _check_traceability_rules(self):
        lines = self._traceability_strict_lines()
        if not lines:
            return
        lines._traceability_lock_lots()
        violations = []
        for check in lines._get_traceability_rule_checks():
            violations += check(lines)
        if violations:
            raise TraceabilityError(
                self.env._(
                    "Strict traceability blocked this validation:\n%(lines)s",
                    lines=self._format_traceability_violations(violations),
                )
            )

    # ------------------------------------------------------------------
    # Rules checked at _action_done
    # ------------------------------------------------------------------

    def _check_traceability_blocked_lots(self, lines):
        """A6: a blocked lot only moves to quarantine, scrap or a vendor,
        whether the line picks it or names it (a receipt typing its name)."""
        lots = lines._traceability_existing_lots()
        return [
            ml._traceability_violation(
                self.env._(
                    "the lot is blocked (%(reason)s); it can only move to a "
                    "quarantine, scrap or vendor location",
                    reason=lots[ml].blocked_reason or "",
                )
            )
            for ml in lines
            if ml in lots
            and lots[ml].is_blocked
            and not ml.is_inventory
            and not ml.location_dest_id._accepts_blocked_lots()
        ]

    def _check_traceability_expired_lots(self, lines):
        """A7: a lot past its expiration date is not shipped to a customer
        nor consumed in manufacturing, unless the company only warns or a
        manager overrides with a reason (``slt_expired_lot_reason``)."""
        now = fields.Datetime.now()
        expired = lines.filtered(
            lambda ml: ml.lot_id.expiration_date
            and ml.lot_id.expiration_date <= now
            and ml.location_dest_id.usage in ("customer", "production")
            and ml.company_id.expired_lot_policy != "warn"
        )
        if not expired:
            return []
        reason = (self.env.context.get("slt_expired_lot_reason") or "").strip()
        may_override = reason and self.env.user.has_group("stock.group_stock_manager")
        overridden = expired.filtered(
            lambda ml: may_override and ml.company_id.expired_lot_policy == "override"
        )
        if overridden:
            overridden._log_expired_lot_override(reason)
        return [
            ml._traceability_violation(
                self.env._(
                    "the lot expired on %(date)s%(hint)s",
                    date=format_datetime(self.env, ml.lot_id.expiration_date),
                    hint=self.env._(" (a stock manager may ship it with a reason)")
                    if ml.company_id.expired_lot_policy == "override"
                    else "",
                )
            )
            for ml in expired - overridden
        ]

    def _log_expired_lot_override(self, reason):
        for ml in self:
            body = self.env._(
                "Expired lot %(lot)s (expired on %(date)s) moved to %(dest)s by "
                "%(user)s overriding the expiry rule: %(reason)s",
                lot=ml.lot_id.name,
                date=format_datetime(self.env, ml.lot_id.expiration_date),
                dest=ml.location_dest_id.display_name,
                user=self.env.user.name,
                reason=reason,
            )
            ml.lot_id.message_post(body=body)
            if ml.picking_id:
                ml.picking_id.message_post(body=body)

    # --- helpers --------------------------------------------------------

    def _traceability_positive(self):
        """Tracked, storable lines that move a positive quantity."""
        return self.filtered(
            lambda ml: ml.product_id.tracking != "none"
            and ml.product_id.is_storable
            and ml.product_uom_id.compare(ml.quantity, 0) > 0
        )

    def _traceability_existing_lots(self):
        """{line: lot} for every line: its lot, or the existing lot its typed
        ``lot_name`` designates (one query for the batch)."""
        result = {ml: ml.lot_id for ml in self if ml.lot_id}
        named = self.filtered(lambda ml: not ml.lot_id and ml.lot_name)
        if not named:
            return result
        Lot = self.env["stock.lot"]
        lots = Lot.sudo().search(
            [
                ("product_id", "in", named.product_id.ids),
                (
                    "traceability_name_key",
                    "in",
                    [
                        Lot._get_traceability_name_key(name)
                        for name in named.mapped("lot_name")
                    ],
                ),
            ]
        )
        by_key = {}
        for lot in lots:
            by_key[(lot.product_id, lot.traceability_name_key, lot.company_id)] = lot
        for ml in named:
            key = (ml.product_id, Lot._get_traceability_name_key(ml.lot_name))
            lot = by_key.get((*key, ml.company_id)) or by_key.get(
                (*key, self.env["res.company"])
            )
            if lot:
                result[ml] = lot.with_env(self.env)
        return result

    def _traceability_produced_after(self):
        """Lines of subcontracted receipts (``mrp_subcontracting``): their lot
        is not yet in the subcontracting location when they are done, the
        subcontractor's manufacturing order puts it there right after, in the
        same validation (``stock.picking._action_done`` of
        ``mrp_subcontracting``), so no negative quant remains."""
        if "is_subcontract" not in self.env["stock.move"]._fields:
            return self.browse()
        return self.filtered(
            lambda ml: ml.move_id.is_subcontract
            and ml.move_id.move_orig_ids.production_id.filtered(
                lambda mo: mo.state not in ("done", "cancel")
            )
        )

    def _traceability_received_before(self):
        """Finished lines of subcontracting manufacturing orders whose
        receipt (the move they feed, done just before them in the same
        validation, see ``_traceability_produced_after``) already took the
        same lot out of the subcontracting location: they bring back the
        unit that receipt moved, not a second one."""
        if "is_subcontract" not in self.env["stock.move"]._fields:
            return self.browse()
        return self.filtered(
            lambda ml: ml.move_id.production_id
            and any(
                dest.is_subcontract
                and dest.state == "done"
                and ml.lot_id in dest.move_line_ids.lot_id
                for dest in ml.move_id.move_dest_ids
            )
        )

    def _traceability_lock_lots(self):
        """Serialise concurrent validations of the same lots."""
        self.env["stock.lot"].union(
            *self._traceability_existing_lots().values()
        )._traceability_lock()

    # --- checks -----------------------------------------------------------

    def _check_traceability_lot_required(self, lines):
        """A3: a tracked product never moves without a lot through an
        operation type that uses lots, and no inventory adjustment adds
        untracked stock of it (Odoo lets inventory adjustments through).
        Moves without operation type keep Odoo's rule (scraps of legacy
        untracked stock stay possible)."""
        violations = []
        for ml in lines._traceability_positive():
            picking_type = ml.move_id.picking_type_id
            if not (
                ml.is_inventory
                or picking_type.use_create_lots
                or picking_type.use_existing_lots
            ):
                continue
            if ml.lot_id or (ml.lot_name and not ml.is_inventory):
                continue
            if ml.is_inventory and ml.location_dest_id.usage not in (
                "internal",
                "transit",
            ):
                # Counting legacy untracked stock down to zero removes
                # untracked stock; it is how it gets cleaned up.
                continue
            violations.append(
                ml._traceability_violation(
                    self.env._("a lot/serial number is required for this product")
                )
            )
        return violations

    def _check_traceability_lot_creation(self, lines):
        """A3: a lot is only created by an operation type with Create New."""
        lines = lines._traceability_positive().filtered(
            lambda ml: not ml.lot_id
            and ml.lot_name
            and ml.move_id.picking_type_id
            and not ml.move_id.picking_type_id.use_create_lots
        )
        existing = lines._traceability_existing_lots()
        return [
            ml._traceability_violation(
                self.env._(
                    "the operation type %(type)s does not allow creating new "
                    "lots/serial numbers and %(lot)s does not exist",
                    type=ml.move_id.picking_type_id.display_name,
                    lot=ml.lot_name,
                )
            )
            for ml in lines
            if ml not in existing
        ]

    def _check_traceability_on_hand(self, lines):
        """A3: a lot leaves an internal location (or one of its children)
        only if it is on hand there: no negative lot quants."""
        lines = lines._traceability_positive().filtered(
            lambda ml: ml.location_id.usage == "internal"
            and (ml.lot_id or ml.lot_name)
            and ml.company_id.traceability_no_phantom_lots
        )
        lines -= lines._traceability_produced_after()
        if not lines:
            return []
        lots = lines._traceability_existing_lots()
        needed = defaultdict(float)
        for ml in lines:
            needed[(lots.get(ml), ml.location_id)] += ml.quantity_product_uom
        known = [lot.id for lot, _location in needed if lot]
        on_hand = {}
        if known:
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT src.id, net.lot_id, SUM(net.quantity)
                      FROM stock_location src
                      JOIN stock_location loc
                        ON loc.parent_path LIKE src.parent_path || '%%'
                      JOIN (%s) net ON net.location_id = loc.id
                     WHERE src.id = ANY(%s)
                     GROUP BY src.id, net.lot_id
                    """,
                    traceability_invariants.lot_stock(lot_ids=known),
                    lines.location_id.ids,
                    to_flush=self.env["stock.quant"]._fields["quantity"],
                )
            )
            on_hand = {(lot_id, src_id): qty for src_id, lot_id, qty in rows}
        violations = []
        for ml in lines:
            lot = lots.get(ml)
            available = on_hand.get((lot.id, ml.location_id.id), 0.0) if lot else 0.0
            uom = ml.product_id.uom_id
            if uom.compare(available, needed[(lot, ml.location_id)]) >= 0:
                continue
            violations.append(
                ml._traceability_violation(
                    self.env._(
                        "%(lot)s is not on hand in %(location)s (on hand: %(qty)s)",
                        lot=lot.name if lot else ml.lot_name,
                        location=ml.location_id.display_name,
                        qty=quantity_format.format_quantity(self.env, available, uom),
                    )
                )
            )
        return violations

    def _check_traceability_single_unit(self, lines):
        """A2: a serial number has at most one unit on hand across the
        company's internal and transit locations. Receiving it (from outside
        the company's stock) while it is on hand is refused, naming where it
        is and which document put it there; a return of a serial shipped out
        is not on hand, so it passes."""
        lines = lines._traceability_positive().filtered(
            lambda ml: ml.product_id.tracking == "serial"
            and (ml.lot_id or ml.lot_name)
            and ml.company_id.traceability_single_unit
            and ml.location_dest_id.usage in ("internal", "transit")
            and not (
                ml.location_id.usage in ("internal", "transit")
                and ml.location_id.company_id
                in (ml.location_dest_id.company_id, self.env["res.company"])
            )
        )
        lines -= lines._traceability_received_before()
        if not lines:
            return []
        lots = lines._traceability_existing_lots()
        violations = []
        seen = set()
        Lot = self.env["stock.lot"]
        for ml in lines:
            lot = lots.get(ml)
            key = lot or (ml.product_id, Lot._get_traceability_name_key(ml.lot_name))
            if ml.product_id.uom_id.compare(ml.quantity_product_uom, 1) > 0:
                violations.append(
                    ml._traceability_violation(
                        self.env._(
                            "a serial number is one unit, not %(qty)s",
                            qty=ml.quantity_product_uom,
                        )
                    )
                )
            elif key in seen:
                violations.append(
                    ml._traceability_violation(
                        self.env._("this serial number is received twice")
                    )
                )
            seen.add(key)
        where = lines._traceability_serials_on_hand(
            Lot.union(*(lots[ml] for ml in lines if ml in lots))
        )
        for ml in lines:
            # the unit this line moves (from a stock of another company or
            # into a transit location shared between companies) is no copy
            places = [
                place
                for location, place in where.get((lots.get(ml), ml.company_id), [])
                if location != ml.location_id
            ]
            if not places:
                continue
            violations.append(
                ml._traceability_violation(
                    self.env._(
                        "serial number %(lot)s is already on hand in %(places)s",
                        lot=lots[ml].name,
                        places=", ".join(places),
                    )
                )
            )
        return violations

    def _traceability_serials_on_hand(self, lots):
        """{(lot, company): [(location, "location (document)")]} for the
        serial numbers of ``lots`` on hand in internal or transit locations."""
        if not lots:
            return {}
        rows = self.env.execute_query(
            SQL(
                """
                SELECT net.lot_id, net.location_id, net.company_id,
                       (SELECT ml.id FROM stock_move_line ml
                         WHERE ml.lot_id = net.lot_id AND ml.state = 'done'
                           AND ml.location_dest_id = net.location_id
                         ORDER BY ml.date DESC, ml.id DESC LIMIT 1)
                  FROM (%s) net
                 WHERE net.quantity > 0
                """,
                traceability_invariants.lot_stock(lot_ids=lots.ids),
                to_flush=self.env["stock.quant"]._fields["quantity"],
            )
        )
        Location = self.env["stock.location"]
        MoveLine = self.env["stock.move.line"]
        locations = Location.browse({row[1] for row in rows})
        origins = MoveLine.browse({row[3] for row in rows if row[3]})
        origins.fetch(["reference", "picking_id"])
        locations.fetch(["complete_name"])
        companies = self.company_id
        where = defaultdict(list)
        for lot_id, location_id, company_id, origin_id in rows:
            origin = MoveLine.browse(origin_id)
            document = (
                origin.picking_id.name
                or origin.reference
                or self.env._("unknown document")
            )
            location = Location.browse(location_id)
            place = self.env._(
                "%(location)s (put there by %(document)s)",
                location=location.display_name,
                document=document,
            )
            lot = lots.browse(lot_id)
            # Transit locations shared between companies count for each.
            targets = companies.browse(company_id) if company_id else companies
            for company in targets:
                where[(lot, company)].append((location, place))
        return where
