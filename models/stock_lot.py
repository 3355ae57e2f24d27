# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""stock.lot of the add-on.

Create/write/unlink and locking; lot creation by operation type; names
typed, scanned or imported (format, GS1 element strings); the uniqueness
key and its unique index; renaming or merging lots that share a key;
blocking, name correction and immutability; the trace API, the genealogy
and the recalls of a lot. Plain helpers live in ``tools/`` (``lot_naming``,
``lot_merge``, ``trace_engine``).
"""

import datetime
import logging
from collections import defaultdict

import psycopg2
from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tools import SQL, convert_file, sql
from odoo.tools.sql import column_exists, create_column

from ..exceptions import TraceabilityError, TraceabilityValidationError
from ..tools import epcis, lot_merge, lot_naming, trace_engine
from ..tools.lot_naming import GS1_LOT_MAX_LENGTH

# Context marker of a write whose name is already read (see ``write``): an
# object, so that a context sent over RPC cannot carry it.
LOT_NAME_READY = object()

_logger = logging.getLogger(__name__)

# Serial uniqueness scope (A1): the database index on normalised names
UNIQUE_KEY_INDEX = "stock_lot_traceability_unique_key_uniq"

UNIQUE_KEY_INDEX_DEFINITION = (
    "(traceability_unique_key) WHERE traceability_unique_key IS NOT NULL"
)


def unique_key_message(env, diagnostics=None):
    return env._(
        "This lot/serial number already exists in the uniqueness scope set in "
        "Inventory › Settings › Strict Traceability (names are compared without "
        "surrounding spaces and without case)."
    )


BLOCK_FIELDS = {"is_blocked", "blocked_reason", "blocked_by_id", "blocked_date"}

# Context markers of the add-on's own privileged lot writes (name correction,
# blocking). Objects, not flags: a context sent over RPC (JSON) cannot carry
# them, so a client cannot pass itself off as these paths.
LOT_CORRECTION = object()

LOT_BLOCK = object()

DEMO_MRP_FILE = "demo/stock_lot_traceability_demo_mrp.xml"


class StockLot(models.Model):
    _inherit = "stock.lot"

    # Retroactive assignment: set by stock.lot.assign only.
    retroactive_run_id = fields.Many2one(
        "stock.lot.assign.run",
        string="Retroactive Assignment",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The run that assigned this lot/serial to stock that was on hand "
        "without one.",
    )
    retroactive_date = fields.Datetime(
        string="Assigned Retroactively On", readonly=True, copy=False
    )
    retroactive_user_id = fields.Many2one(
        "res.users", string="Assigned Retroactively By", readonly=True, copy=False
    )

    gs1_name_too_long = fields.Boolean(
        string="Too Long for GS1",
        compute="_compute_gs1_name_too_long",
        help="GS1 labels carry at most 20 characters in AI (10)/(21).",
    )

    traceability_name_key = fields.Char(
        string="Normalised Name",
        compute="_compute_traceability_keys",
        store=True,
        index=True,
        readonly=True,
        copy=False,
        help="The name as compared by the uniqueness rule: trimmed, lower-case.",
    )
    traceability_unique_key = fields.Char(
        string="Uniqueness Key",
        compute="_compute_traceability_keys",
        store=True,
        readonly=True,
        copy=False,
        help="Unique in the database: the normalised name within the scope of "
        "the company's serial uniqueness setting. Empty when strict "
        "traceability is off.",
    )

    is_blocked = fields.Boolean(
        string="Blocked",
        readonly=True,
        copy=False,
        tracking=True,
        help="A blocked (quarantined) lot is never reserved and can only move "
        "to quarantine, scrap or return-to-vendor locations.",
    )
    blocked_reason = fields.Char(readonly=True, copy=False, tracking=True)
    blocked_by_id = fields.Many2one(
        "res.users", string="Blocked By", readonly=True, copy=False
    )
    blocked_date = fields.Datetime(string="Blocked On", readonly=True, copy=False)

    recall_count = fields.Integer(
        string="Recalls",
        compute="_compute_recall_count",
        help="Recalls that start from this lot or reached it.",
    )

    _traceability_unique_key_uniq = models.UniqueIndex(
        UNIQUE_KEY_INDEX_DEFINITION,
        unique_key_message,
    )

    @api.depends("name", "product_id")
    @api.depends_context("uid")
    def _compute_gs1_name_too_long(self):
        gs1_labels = self.env.user.has_group("stock.group_stock_lot_print_gs1")
        for lot in self:
            lot.gs1_name_too_long = bool(
                gs1_labels and lot.name and len(lot.name) > GS1_LOT_MAX_LENGTH
            )

    @api.depends(
        "name",
        "product_id.tracking",
        "company_id.strict_traceability",
        "company_id.serial_uniqueness_scope",
    )
    def _compute_traceability_keys(self):
        for lot in self:
            name_key = lot._get_traceability_name_key(lot.name)
            lot.traceability_name_key = name_key or False
            lot.traceability_unique_key = lot._traceability_build_key(name_key)

    def _compute_recall_count(self):
        """Recalls listing each lot as seed or affected lot (two grouped reads)."""
        recalls = defaultdict(set)
        for lot, recall_ids in self.env["stock.recall.lot"]._read_group(
            [("lot_id", "in", self.ids)], ["lot_id"], ["recall_id:array_agg"]
        ):
            recalls[lot].update(recall_ids)
        for lot, recall_ids in self.env["stock.recall"]._read_group(
            [("lot_ids", "in", self.ids)], ["lot_ids"], ["id:array_agg"]
        ):
            recalls[lot].update(recall_ids)
        for lot in self:
            lot.recall_count = len(recalls.get(lot, ()))

    @api.constrains("name", "product_id")
    def _check_lot_name_format(self):
        errors = []
        formats = {}
        for lot in self:
            if not self.env["res.company"]._traceability_strict(lot.company_id):
                continue
            tmpl = lot.product_id.product_tmpl_id
            if tmpl not in formats:
                formats[tmpl] = tmpl._get_lot_name_format()
            errors += [
                lot._format_lot_name_error(lot.product_id, lot.name, reason)
                for reason in self._get_lot_name_format_errors(lot.name, formats[tmpl])
            ]
        self._raise_lot_name_errors(errors)

    @api.onchange("name", "product_id")
    def _onchange_name_traceability(self):
        if not self.name or not self.product_id:
            return None
        if not self.env["res.company"]._traceability_strict(self.company_id):
            return None
        result = self._read_lot_name(
            self.name,
            self.product_id,
            self.product_id.product_tmpl_id._get_lot_name_format(),
        )
        self.name = result["name"]
        if result["expiration_date"]:
            self.expiration_date = result["expiration_date"]
        return self._get_lot_name_warning(self.product_id, self.name, result["errors"])

    @api.constrains("name", "product_id", "company_id")
    def _check_traceability_unique(self):
        """Clear error for duplicates in the scope, before the unique index
        fires at flush; also covers the lots of companies using another scope,
        which the index (one key per lot) cannot compare."""
        lots = self.filtered("traceability_unique_key")
        if not lots:
            return
        # Raw SQL without flush: flushing would send pending key updates and
        # turn a duplicate into a bare unique violation.
        rows = self.env.execute_query(
            SQL(
                """
                SELECT lot.id, lot.name, lot.company_id, lot.product_id,
                       tmpl.tracking, lot.traceability_name_key
                  FROM stock_lot lot
                  JOIN product_product product ON product.id = lot.product_id
                  JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
                 WHERE lot.traceability_name_key = ANY(%s)
                   AND lot.id != ALL(%s)
                """,
                list(set(lots.mapped("traceability_name_key"))),
                lots.ids,
            )
        )
        others = [
            {
                "name": name,
                "company": self.env["res.company"].browse(company_id),
                "product": self.env["product.product"].browse(product_id),
                "tracking": tracking,
                "key": name_key,
            }
            for _id, name, company_id, product_id, tracking, name_key in rows
        ]
        infos = {lot: lot._traceability_key_info() for lot in lots}
        by_key = defaultdict(list)
        for info in others + list(infos.values()):
            by_key[info["key"]].append(info)
        errors = []
        for lot, mine in infos.items():
            clashes = [
                other
                for other in by_key[mine["key"]]
                if other is not mine and self._traceability_keys_clash(mine, other)
            ]
            errors += [
                self.env._(
                    "- %(product)s, %(name)s: already used by %(other)s "
                    "(%(other_name)s)",
                    product=lot.product_id.display_name,
                    name=lot.name,
                    other=other["product"].sudo().display_name,
                    other_name=other["name"],
                )
                for other in clashes[:1]
            ]
        if errors:
            raise TraceabilityValidationError(
                self.env._(
                    "Lot/serial numbers must be unique (compared without surrounding "
                    "spaces and case, in the scope set in Inventory › Settings):\n"
                    "%(lines)s",
                    lines="\n".join(errors),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_traceability_lot_creation()
        if any(BLOCK_FIELDS & set(vals) for vals in vals_list):
            self._check_lot_block_write(set().union(*vals_list))
        self._prepare_lot_name_vals_list(vals_list)
        try:
            with self.env.cr.savepoint():
                return super().create(vals_list)
        except UniqueViolation as error:
            # Concurrent transactions: the index is the last word. Make it the
            # add-on's error, not a bare database error.
            if error.diag.constraint_name != UNIQUE_KEY_INDEX:
                raise
            raise TraceabilityValidationError(
                unique_key_message(self.env)
                + "\n"
                + "\n".join(
                    f"- {vals.get('name')}" for vals in vals_list if vals.get("name")
                )
            ) from error

    def write(self, vals):
        if (
            vals.get("name")
            and self.env.context.get("slt_lot_name") is not LOT_NAME_READY
        ):
            name_vals = self._prepare_lot_name_write_vals(vals)
            if len(name_vals) > 1:
                # Normalisation differs per product: one write per product.
                for lots, lot_vals in name_vals:
                    lots.with_context(slt_lot_name=LOT_NAME_READY).write(lot_vals)
                return True
            vals = name_vals[0][1] if name_vals else vals
        self._check_lot_immutable(vals)
        self._check_lot_block_write(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done_moves(self):
        lots = self._get_lots_with_done_moves()
        if lots:
            raise TraceabilityError(
                self.env._(
                    "These lots/serial numbers have done stock moves and cannot be "
                    "deleted (their history would lose them):\n%(lots)s",
                    lots="\n".join(
                        f"- {lot.product_id.display_name}, {lot.name}" for lot in lots
                    ),
                )
            )

    def _auto_init(self):
        cr = self.env.cr
        if not column_exists(cr, "stock_lot", "traceability_unique_key"):
            create_column(cr, "stock_lot", "traceability_name_key", "varchar")
            create_column(cr, "stock_lot", "traceability_unique_key", "varchar")
            self._traceability_install_keys(SQL("TRUE"))
        return super()._auto_init()

    def init(self):
        # Install and upgrade: Odoo gives up on the unique key index when old
        # lots share a key (one ERROR line in the log); say what blocks it,
        # and create it once the conflicts are gone.
        super().init()
        self._traceability_ensure_unique_index()

    def _register_hook(self):
        # Registry load: one catalog query when the index exists.
        super()._register_hook()
        self._traceability_ensure_unique_index()

    def action_open_deduplicate_wizard(self):
        """Rename or merge these lots that share a name (health check fix)."""
        self.env["stock.lot.deduplicate"]._check_deduplicate_rights()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Lots/Serial Numbers Sharing a Name"),
            "res_model": "stock.lot.deduplicate",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lot_ids": [Command.set(self.ids)]},
        }

    def action_open_block_wizard(self):
        return self._action_open_block_wizard("block")

    def action_open_unblock_wizard(self):
        return self._action_open_block_wizard("unblock")

    def action_open_correct_wizard(self):
        self.ensure_one()
        self.env["stock.lot.correct"]._check_correct_rights()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Correct Lot/Serial Number"),
            "res_model": "stock.lot.correct",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lot_id": self.id, "default_new_name": self.name},
        }

    def action_start_recall(self):
        """Open a new recall seeded with these lots (form button, list action)."""
        return self.env["stock.recall"].action_new_from_lots(self)

    def action_open_genealogy(self):
        """The genealogy client action of this lot (form button)."""
        self.ensure_one()
        return {
            "type": "ir.actions.client",
            "tag": "stock_lot_traceability.genealogy",
            "name": self.env._("Genealogy of %(lot)s", lot=self.display_name),
            "params": {"res_model": self._name, "res_id": self.id},
        }

    def action_export_epcis(self, file_format="jsonld"):
        """The EPCIS 2.0 document of the lot's history (``jsonld`` or
        ``xml``), downloaded through the read-only route (nothing stored)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/stock_lot_traceability/lot/{self.id}/epcis.{file_format}",
            "target": "download",
        }

    def action_export_epcis_xml(self):
        return self.action_export_epcis("xml")

    def action_view_recalls(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_lot_traceability.stock_recall_action"
        )
        action["domain"] = self._get_recall_domain()
        action["context"] = {}
        return action

    def _traceability_lock(self):
        """Serialise concurrent transactions that move or count these lots.

        Odoo runs transactions in REPEATABLE READ: a row lock alone would let
        the second transaction read a stale snapshot once the first commits.
        Updating the lot rows makes it fail with a serialisation error instead,
        and Odoo retries it, when it sees the committed stock."""
        if not self:
            return
        self.env.execute_query(
            SQL(
                """
                UPDATE stock_lot SET write_date = write_date
                 WHERE id IN (SELECT id FROM stock_lot WHERE id = ANY(%s)
                               ORDER BY id FOR NO KEY UPDATE)
                """,
                sorted(self.ids),
            )
        )

    # --- lot creation by operation type (A3) ---------------------------

    @api.model
    def _traceability_context_picking_type(self):
        """The operation type a lot is being created for, from the context
        (form views, RPC calls, serial generation)."""
        ctx = self.env.context
        if "traceability_picking_type_id" in ctx:
            # Set by the add-on where it knows the operation type (or that
            # there is none): it wins over what the caller's context says.
            type_id = ctx["traceability_picking_type_id"]
            return self.env["stock.picking.type"].browse(type_id or []).exists()
        picking_id = ctx.get("active_picking_id") or ctx.get("default_picking_id")
        if not picking_id and ctx.get("active_model") == "stock.picking":
            picking_id = ctx.get("active_id")
        if picking_id and isinstance(picking_id, int):
            picking = self.env["stock.picking"].browse(picking_id).exists()
            if picking:
                return picking.picking_type_id
        type_id = ctx.get("default_picking_type_id")
        if not type_id and ctx.get("active_model") == "stock.picking.type":
            type_id = ctx.get("active_id")
        if type_id and isinstance(type_id, int):
            return self.env["stock.picking.type"].browse(type_id).exists()
        return self.env["stock.picking.type"]

    @api.model
    def _check_traceability_lot_creation(self):
        picking_type = self._traceability_context_picking_type()
        if not picking_type or picking_type.use_create_lots:
            return
        if not self.env["res.company"]._traceability_strict(picking_type.company_id):
            return
        raise TraceabilityError(
            self.env._(
                "The operation type %(type)s does not allow creating lots/serial "
                "numbers (Create New is off): take an existing one.",
                type=picking_type.display_name,
            )
        )

    @api.model
    def generate_lot_names(self, first_lot, count):
        if first_lot and self.env["res.company"]._traceability_strict():
            first_lot = self._clean_lot_name(first_lot, None)
        return super().generate_lot_names(first_lot, count)

    @api.model
    def _clean_lot_name(self, name, name_format):
        """The name to store for ``name`` as typed: control characters and
        surrounding spaces dropped, upper-cased if ``name_format`` says so
        (``lot_naming.clean_name``)."""
        return lot_naming.clean_name(
            name, uppercase=bool(name_format and name_format["uppercase"])
        )

    @api.model
    def _get_lot_name_format_errors(self, name, name_format):
        """Reasons why ``name`` breaks ``name_format`` (empty list if none)."""
        return [
            self._get_lot_name_violation_message(code, params)
            for code, params in lot_naming.format_violations(name, name_format)
        ]

    @api.model
    def _get_lot_name_violation_message(self, code, params):
        if code == "empty":
            return self.env._("the name is empty")
        if code == "min_length":
            return self.env._("shorter than %(min)s characters", min=params["min"])
        if code == "max_length":
            return self.env._("longer than %(max)s characters", max=params["max"])
        return self.env._(
            "does not match the pattern %(pattern)s", pattern=params["pattern"]
        )

    @api.model
    def _format_lot_name_error(self, product, name, reason):
        return self.env._(
            "- %(product)s, lot/serial %(name)s: %(reason)s",
            product=product.display_name,
            name=name or "",
            reason=reason,
        )

    @api.model
    def _process_lot_name(self, raw_name, product, name_format):
        """Turn what was typed, scanned, generated or imported into the name
        to store. A GS1 element string is decomposed: AI (10)/(21) give the
        name, AI (17) the expiry, AI (01) must be the product's GTIN.

        :returns: dict with ``name``, ``expiration_date`` (or ``None``) and
            ``errors`` (list of reasons)
        """
        result = {"name": raw_name, "expiration_date": None, "errors": []}
        if not raw_name or not isinstance(raw_name, str):
            return result
        scanned = lot_naming.strip_scan(raw_name)
        if self._looks_like_gs1(scanned):
            result.update(self._parse_gs1_lot_string(scanned, product))
            if result["errors"]:
                return result
        result["name"] = self._clean_lot_name(result["name"], name_format)
        return result

    @api.model
    def _read_lot_name(self, raw_name, product, name_format, check_format=True):
        """``_process_lot_name`` then (unless ``check_format`` is False) the
        format check: what a name typed, scanned, generated or imported for
        ``product`` goes through. A GS1 string that cannot be read is left as
        it was typed."""
        result = self._process_lot_name(raw_name, product, name_format)
        if result["errors"]:
            return dict(result, name=raw_name, expiration_date=None)
        if check_format:
            result["errors"] = self._get_lot_name_format_errors(
                result["name"], name_format
            )
        return result

    @api.model
    def _read_lot_names_in_vals(
        self, vals_products, field_name="lot_name", check_format=True
    ):
        """Read the names in ``vals_products``, pairs of (values, product),
        in place (name and expiry); raise one error listing every name that
        cannot be read or breaks its format."""
        formats = {}
        errors = []
        for vals, product in vals_products:
            if product not in formats:
                formats[product] = product.product_tmpl_id._get_lot_name_format()
            raw_name = vals[field_name]
            result = self._read_lot_name(
                raw_name, product, formats[product], check_format=check_format
            )
            errors += [
                self._format_lot_name_error(product, raw_name, reason)
                for reason in result["errors"]
            ]
            vals[field_name] = result["name"]
            if result["expiration_date"] and not vals.get("expiration_date"):
                vals["expiration_date"] = result["expiration_date"]
        self._raise_lot_name_errors(errors)

    @api.model
    def _get_lot_name_warning(self, product, name, errors):
        """The onchange warning listing ``errors`` of a typed name, if any."""
        if not errors:
            return None
        return {
            "warning": {
                "title": self.env._("Lot/serial number"),
                "message": "\n".join(
                    self._format_lot_name_error(product, name, reason)
                    for reason in errors
                ),
            }
        }

    @api.model
    def _looks_like_gs1(self, value):
        return lot_naming.looks_like_gs1(value)

    @api.model
    def _get_gs1_nomenclature(self):
        nomenclature = self.env.company.nomenclature_id
        if nomenclature.is_gs1_nomenclature:
            return nomenclature
        return self.env.ref("barcodes_gs1_nomenclature.default_gs1_nomenclature")

    @api.model
    def _parse_gs1_lot_string(self, value, product):
        """Decompose a GS1 element string with Odoo's GS1 nomenclature."""
        element_string = lot_naming.to_element_string(value)
        try:
            elements = (
                self._get_gs1_nomenclature()
                .sudo()
                .gs1_decompose_extended(element_string)
            )
        except (ValidationError, ValueError) as error:
            return {"errors": [str(error)]}
        if not elements:
            return {"errors": [self._get_gs1_failure_reason(element_string)]}
        by_ai = {element["ai"]: element for element in elements}
        errors = []
        gtin = by_ai.get("01")
        if gtin:
            barcode = (product.barcode or "").strip()
            if not lot_naming.gtin_matches(barcode, gtin["value"]):
                errors.append(
                    self.env._(
                        "the GTIN %(gtin)s (AI 01) is not the barcode of the "
                        "product (%(barcode)s)",
                        gtin=gtin["value"],
                        barcode=barcode or self.env._("none"),
                    )
                )
        name_element = lot_naming.gs1_name_element(by_ai, product.tracking)
        if not name_element or not name_element["value"]:
            errors.append(
                self.env._("the GS1 string has no lot (AI 10) or serial number (AI 21)")
            )
        expiry = next(
            (el["value"] for el in elements if el["type"] == "expiration_date"), None
        )
        return {
            "name": name_element["value"] if name_element else value,
            "expiration_date": datetime.datetime.combine(expiry, datetime.time.min)
            if expiry
            else None,
            "errors": errors,
        }

    @api.model
    def _get_gs1_failure_reason(self, element_string):
        gtin = lot_naming.gtin_check_digit_error(element_string)
        if gtin:
            return self.env._(
                "the GTIN %(gtin)s (AI 01) has an invalid check digit", gtin=gtin
            )
        return self.env._("not a valid GS1 element string")

    def _prepare_lot_name_vals_list(self, vals_list):
        """Normalise/decompose ``name`` in create values; raise one error
        listing every name that cannot be read (the format of the name is
        checked by ``_check_lot_name_format``)."""
        products = self.env["product.product"].browse(
            {vals["product_id"] for vals in vals_list if vals.get("product_id")}
        )
        vals_products = []
        for vals in vals_list:
            if not vals.get("name") or not vals.get("product_id"):
                continue
            product = products.browse(vals["product_id"])
            company = (
                self.env["res.company"].browse(vals.get("company_id"))
                or product.company_id
            )
            if self.env["res.company"]._traceability_strict(company):
                vals_products.append((vals, product))
        self._read_lot_names_in_vals(vals_products, "name", check_format=False)

    def _prepare_lot_name_write_vals(self, vals):
        """[(lots, vals)] with the name processed for each product."""
        result = []
        errors = []
        for product, lots in self.grouped("product_id").items():
            if not self.env["res.company"]._traceability_strict(lots[:1].company_id):
                result.append((lots, vals))
                continue
            processed = self._process_lot_name(
                vals["name"], product, product.product_tmpl_id._get_lot_name_format()
            )
            errors += [
                self._format_lot_name_error(product, vals["name"], reason)
                for reason in processed["errors"]
            ]
            lot_vals = dict(vals, name=processed["name"])
            if processed["expiration_date"]:
                lot_vals["expiration_date"] = processed["expiration_date"]
            result.append((lots, lot_vals))
        self._raise_lot_name_errors(errors)
        if len({(v["name"], v.get("expiration_date")) for _lots, v in result}) <= 1:
            return [(self, result[0][1])] if result else []
        return result

    @api.model
    def _raise_lot_name_errors(self, errors):
        if errors:
            raise TraceabilityValidationError(
                self.env._(
                    "Invalid lot/serial numbers:\n%(lines)s", lines="\n".join(errors)
                )
            )

    @api.model
    def _traceability_install_keys(self, condition):
        """Fill the key columns of the lots matching ``condition`` (SQL on
        the alias ``lot``) at install, without the ORM: computing them
        through the ORM would load every lot of a large database. The new
        company setting starts at "per product" everywhere, so the key is
        per product."""
        self._traceability_fill_name_keys(condition)
        self.env.execute_query(
            SQL(
                "UPDATE stock_lot lot SET traceability_unique_key = %s WHERE %s",
                lot_naming.unique_key_sql(
                    "product",
                    SQL("lot.traceability_name_key"),
                    SQL("lot.company_id"),
                    SQL("lot.product_id"),
                ),
                condition,
            )
        )

    @api.model
    def _traceability_fill_name_keys(self, condition):
        """Set ``traceability_name_key`` of the lots matching ``condition``
        (SQL on the alias ``lot``) to ``lot_naming.name_key`` of their name,
        without the ORM (install, migration): in SQL, except for the names
        PostgreSQL may not normalise as Python does
        (``lot_naming.sql_unsafe_name``: tabs, line breaks, non-ASCII,
        blank), which are normalised in Python. Else duplicates appear, or
        hide, at the first recompute. Returns the number of lots given a key.
        """
        unsafe = lot_naming.sql_unsafe_name(SQL("lot.name"))
        self.env.cr.execute(
            SQL(
                "UPDATE stock_lot lot SET traceability_name_key = %s "
                "WHERE %s AND NOT %s",
                lot_naming.name_key_sql(SQL("lot.name")),
                condition,
                unsafe,
            )
        )
        count = self.env.cr.rowcount
        rows = self.env.execute_query(
            SQL(
                "SELECT lot.id, lot.name FROM stock_lot lot WHERE %s AND %s",
                condition,
                unsafe,
            )
        )
        keys = {lot_id: lot_naming.name_key(name) for lot_id, name in rows}
        values = [SQL("(%s, %s)", lot_id, key) for lot_id, key in keys.items() if key]
        if values:
            self.env.execute_query(
                SQL(
                    """
                    UPDATE stock_lot lot
                       SET traceability_name_key = v.name_key
                      FROM (VALUES %s) AS v(id, name_key)
                     WHERE lot.id = v.id
                    """,
                    SQL(", ").join(values),
                )
            )
        return count + len(values)

    # --- serial uniqueness scope (A1) ---------------------------------

    @api.model
    def _get_traceability_name_key(self, name):
        """The stored ``name`` as the uniqueness rule compares it
        (``traceability_name_key``: trimmed, lower-case; not stored as the
        name, see ``_clean_lot_name``)."""
        return lot_naming.name_key(name)

    @api.model
    def _traceability_scope_of(self, company, tracking):
        """Uniqueness scope of a lot of ``company`` with ``tracking``: the
        company's setting for serial numbers; lots are always unique per
        product. Lots without a company (products shared between companies)
        follow the current company."""
        return lot_naming.uniqueness_scope(
            tracking, (company or self.env.company).serial_uniqueness_scope
        )

    def _traceability_build_key(self, name_key):
        self.ensure_one()
        if not (
            name_key
            and self.product_id
            and self.env["res.company"]._traceability_strict(self.company_id)
        ):
            return False
        scope = self._traceability_scope_of(self.company_id, self.product_id.tracking)
        return lot_naming.unique_key(
            scope, name_key, self.company_id.id, self.product_id.id
        )

    def _traceability_key_info(self):
        self.ensure_one()
        return {
            "name": self.name,
            "company": self.company_id,
            "product": self.product_id,
            "tracking": self.product_id.tracking,
            "key": self.traceability_name_key,
        }

    @api.model
    def _traceability_keys_clash(self, mine, other):
        """Whether two lots with the same normalised name break the scope of
        either one (a company's scope is its promise to its users)."""
        return self._traceability_scope_breaks(mine, other) or bool(
            other["company"]._traceability_strict_companies()
            and self._traceability_scope_breaks(other, mine)
        )

    @api.model
    def _traceability_scope_breaks(self, first, second):
        scope = self._traceability_scope_of(first["company"], first["tracking"])
        same_company = (
            not first["company"]
            or not second["company"]
            or first["company"] == second["company"]
        )
        if scope == "product":
            return first["product"] == second["product"] and same_company
        if second["tracking"] != "serial":
            return False
        return scope == "global" or same_company

    @api.model
    def _check_traceability_scope_change(self, companies, scope):
        """Refuse a scope that the existing serial numbers already break."""
        if scope == "product":
            return
        company_ids = companies.ids
        if scope == "global":
            company_ids = (
                self.env["res.company"]
                .sudo()
                .search([("serial_uniqueness_scope", "=", "global")])
                .ids
                + company_ids
            )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT lot.traceability_name_key, array_agg(lot.name ORDER BY lot.id)
                  FROM stock_lot lot
                  JOIN product_product product ON product.id = lot.product_id
                  JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
                 WHERE tmpl.tracking = 'serial'
                   AND (lot.company_id = ANY(%s) OR lot.company_id IS NULL)
                 GROUP BY lot.traceability_name_key, %s
                HAVING count(*) > 1
                 LIMIT 20
                """,
                company_ids,
                SQL("1") if scope == "global" else SQL("COALESCE(lot.company_id, 0)"),
            )
        )
        if rows:
            raise TraceabilityValidationError(
                self.env._(
                    "These serial numbers are used several times and would break "
                    "the new uniqueness scope; rename them first:\n%(lines)s",
                    lines="\n".join(f"- {', '.join(names)}" for _key, names in rows),
                )
            )

    @api.model
    def _traceability_recompute_keys(self, companies):
        """Recompute the keys after a settings change of ``companies``."""
        for company in companies:
            lots = (
                self.sudo()
                .search([("company_id", "in", [company.id, False])])
                .with_company(company)
            )
            self.env.add_to_compute(self._fields["traceability_name_key"], lots)
            self.env.add_to_compute(self._fields["traceability_unique_key"], lots)
            lots._recompute_recordset(
                ["traceability_name_key", "traceability_unique_key"]
            )
            lots._check_traceability_new_keys()

    def _check_traceability_new_keys(self):
        """New keys of these lots (computed, not yet flushed) that the unique
        index would refuse: one error listing them, instead of the index's
        bare message at flush. Without the index (duplicates made before the
        add-on) nothing is refused here; the health check lists them."""
        if not self._traceability_unique_index_exists():
            return
        by_key = defaultdict(list)
        for lot in self.filtered("traceability_unique_key"):
            by_key[lot.traceability_unique_key].append(lot.name)
        rows = self.env.execute_query(
            SQL(
                "SELECT traceability_unique_key, name FROM stock_lot "
                "WHERE traceability_unique_key = ANY(%s) AND id != ALL(%s)",
                list(by_key),
                self.ids,
            )
        )
        for key, name in rows:
            by_key[key].append(name)
        groups = [names for names in by_key.values() if len(names) > 1]
        if groups:
            raise TraceabilityValidationError(
                self.env._(
                    "With this setting these lots/serial numbers would share a "
                    "name (spaces and case ignored) in their uniqueness scope; "
                    "correct their names first:\n%(lines)s",
                    lines="\n".join(
                        f"- {', '.join(repr(name) for name in names)}"
                        for names in groups[:20]
                    ),
                )
            )

    @api.model
    def _traceability_unique_index_exists(self):
        """Whether the database enforces serial uniqueness (A1) with its unique
        index (one catalog query)."""
        return bool(sql.index_exists(self.env.cr, UNIQUE_KEY_INDEX))

    @api.model
    def _traceability_unique_key_conflicts(self, company_ids=None):
        """``[(key, [lot ids])]``: the lots that share a uniqueness key (made
        before the add-on, or while the index was missing). They block the
        unique index. ``company_ids`` keeps the groups with a lot of these
        companies or without company."""
        self.flush_model(["traceability_unique_key", "company_id"])
        having = SQL()
        if company_ids is not None:
            having = SQL(
                "AND bool_or(company_id IS NULL OR company_id = ANY(%s))",
                list(company_ids),
            )
        return self.env.execute_query(
            SQL(
                """
                SELECT traceability_unique_key, array_agg(id ORDER BY id)
                  FROM stock_lot
                 WHERE traceability_unique_key IS NOT NULL
                 GROUP BY traceability_unique_key
                HAVING count(*) > 1 %s
                 ORDER BY traceability_unique_key
                """,
                having,
            )
        )

    @api.model
    def _traceability_ensure_unique_index(self):
        """Create the unique key index (A1) if it is missing and no lots
        share a key; never touches the lots. Called at install, upgrade,
        registry load and after a fix. Returns whether the index exists."""
        if self._traceability_unique_index_exists():
            return True
        conflicts = self._traceability_unique_key_conflicts()
        if conflicts:
            _logger.warning(
                "Serial uniqueness is not enforced by the database: %s groups of "
                "lots/serial numbers share a name (spaces and case ignored) in "
                "their uniqueness scope, e.g. lots %s. Nothing was changed; "
                "rename or merge them from Inventory > Reporting > Traceability "
                "Health, then the unique index %s is created.",
                len(conflicts),
                conflicts[0][1],
                UNIQUE_KEY_INDEX,
            )
            return False
        index = self._table_objects[UNIQUE_KEY_INDEX]
        try:
            with self.env.cr.savepoint(flush=False):
                sql.add_index(
                    self.env.cr,
                    UNIQUE_KEY_INDEX,
                    self._table,
                    UNIQUE_KEY_INDEX_DEFINITION,
                    unique=True,
                    comment=index.get_definition(self.pool),
                )
        except psycopg2.Error as error:
            # e.g. a duplicate committed meanwhile: the next check retries.
            _logger.warning(
                "Could not create the unique index %s: %s", UNIQUE_KEY_INDEX, error
            )
            return False
        _logger.info("Serial uniqueness: unique index %s created", UNIQUE_KEY_INDEX)
        return True

    @api.model
    def _traceability_unique_index_warning(self):
        """Why the database does not enforce serial uniqueness, for the
        settings page; empty when the index exists. Read from the catalog,
        never from a stored flag."""
        if self._traceability_unique_index_exists():
            return ""
        conflicts = len(self._traceability_unique_key_conflicts())
        if not conflicts:
            return self.env._(
                "Serial uniqueness is not enforced by the database: its unique "
                "index is missing although no lots/serial numbers share a name "
                "any more. It is created at the next server start or module "
                "update, or by resolving duplicates from the health check."
            )
        return self.env._(
            "Serial uniqueness is not enforced by the database: %(count)s groups "
            "of lots/serial numbers share a name (spaces and case ignored) in "
            "their uniqueness scope, so its unique index cannot be created. New "
            "duplicates are still refused by the application checks, but "
            "concurrent writes are not protected. Rename or merge them from the "
            "health check (finding 'Lots/serials sharing a name').",
            count=conflicts,
        )

    def _action_rename_duplicates(self, new_names, reason):
        """Rename lots sharing a key, each with the logged correction that
        immutable lots (A5) allow.

        :param new_names: ``{lot: new name}``; unchanged names are skipped."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("A reason is required to rename lots."))
        for lot, new_name in new_names.items():
            if new_name and new_name != lot.name:
                lot._action_correct_name(new_name, reason)
        return True

    def _action_merge_into(self, kept, reason):
        """Merge these lots into ``kept``: their move lines, quants (merged
        per location), chatter and every other reference move onto ``kept``,
        then they are deleted. Refused for lots of another product or
        company, and for a serial that would be on hand more than once. The
        caller checks the user's rights."""
        kept.ensure_one()
        merged = self - kept
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("A reason is required to merge lots."))
        if not merged:
            raise UserError(self.env._("Select at least one lot to merge."))
        self._check_merge_allowed(kept)
        body = self.env._(
            "Merged %(lots)s into this lot by %(user)s: %(reason)s",
            lots=", ".join(f"{lot.name} (id {lot.id})" for lot in merged),
            user=self.env.user.name,
            reason=reason,
        )
        # Serialise with validations that move these lots (see the method).
        (merged | kept)._traceability_lock()
        self.env.flush_all()
        # All or nothing, also for a caller that catches the error.
        with self.env.cr.savepoint(flush=False):
            changes = lot_merge.repoint_references(self.env, kept, merged)
        for records, _field_name in changes:
            if records._name == "stock.quant":
                # Quants of the same place now share the kept lot: one row each.
                records._merge_quants()
        self.env.invalidate_all()
        for records, field_name in changes:
            records.exists().modified([field_name])
        merged.sudo().unlink()
        kept.message_post(body=body)
        return kept

    def _check_merge_allowed(self, kept):
        lots = self | kept
        others = lots.filtered(
            lambda lot: (lot.product_id, lot.company_id)
            != (kept.product_id, kept.company_id)
        )
        if others:
            raise UserError(
                self.env._(
                    "Only lots of the same product and company can be merged; "
                    "rename these instead:\n%(lots)s",
                    lots="\n".join(
                        f"- {lot.product_id.display_name}, {lot.name}, "
                        f"{lot.company_id.name or '-'}"
                        for lot in others
                    ),
                )
            )
        if kept.product_id.tracking != "serial":
            return
        rows = self.env.execute_query(lot_merge.on_hand_by_lot_query(lots.ids))
        if sum(qty for _lot, _loc, qty in rows) > 1:
            locations = self.env["stock.location"].browse({r[1] for r in rows})
            raise UserError(
                self.env._(
                    "Merging would put the serial number %(name)s on hand more "
                    "than once (one unit per serial); rename instead:\n%(lines)s",
                    name=kept.name,
                    lines="\n".join(
                        f"- {self.browse(lot_id).name}: {qty:g} in "
                        f"{locations.browse(loc_id).display_name}"
                        for lot_id, loc_id, qty in rows
                    ),
                )
            )

    def _action_open_block_wizard(self, mode):
        self.env["stock.lot.block"]._check_block_rights()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Block Lots")
            if mode == "block"
            else self.env._("Unblock Lots"),
            "res_model": "stock.lot.block",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_lot_ids": [Command.set(self.ids)],
                "default_mode": mode,
            },
        }

    def _action_block(self, reason):
        """Block these lots with ``reason``; log who, when and why on each.

        Business method for the block wizard and the recall workbench; the
        caller is responsible for the user's rights. Already blocked lots are
        left as they are. Returns the lots that were blocked."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("A reason is required to block a lot."))
        return self.filtered(lambda lot: not lot.is_blocked)._write_blocked_state(
            {
                "is_blocked": True,
                "blocked_reason": reason,
                "blocked_by_id": self.env.uid,
                "blocked_date": fields.Datetime.now(),
            },
            self.env._(
                "Blocked by %(user)s: %(reason)s",
                user=self.env.user.name,
                reason=reason,
            ),
        )

    def _action_unblock(self, reason):
        """Unblock these lots with ``reason``, logged on each lot."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("A reason is required to unblock a lot."))
        return self.filtered("is_blocked")._write_blocked_state(
            dict.fromkeys(BLOCK_FIELDS, False),
            self.env._(
                "Unblocked by %(user)s: %(reason)s",
                user=self.env.user.name,
                reason=reason,
            ),
        )

    def _write_blocked_state(self, vals, body):
        """Write the block fields (only written here) and log ``body``."""
        self.with_context(slt_lot_block=LOT_BLOCK).write(vals)
        for lot in self:
            lot.message_post(body=body)
        return self

    def _action_correct_name(self, new_name, reason):
        """Rename a lot, even one with done moves, logging the reason.

        Business method of the correction wizard; the caller checks rights."""
        self.ensure_one()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("A reason is required to correct a lot."))
        old_name = self.name
        self.with_context(slt_lot_correction=LOT_CORRECTION).write({"name": new_name})
        self.message_post(
            body=self.env._(
                "Name corrected from %(old)s to %(new)s by %(user)s: %(reason)s",
                old=old_name,
                new=self.name,
                user=self.env.user.name,
                reason=reason,
            )
        )
        return True

    # --- immutability (A5) and the block fields ------------------------

    def _get_lots_with_done_moves(self):
        """The lots of ``self`` (under strict traceability) with done moves."""
        strict = self.env["res.company"]._traceability_strict
        lots = self.filtered(lambda lot: strict(lot.company_id))
        if not lots:
            return lots
        groups = (
            self.env["stock.move.line"]
            .sudo()
            ._read_group(
                [("lot_id", "in", lots.ids), ("state", "=", "done")], ["lot_id"]
            )
        )
        return self.browse([lot.id for (lot,) in groups])

    def _check_lot_immutable(self, vals):
        """A lot with done moves keeps its name, product and company, except
        through the correction wizard (name only)."""
        changed = self.browse()
        for field_name in ("name", "product_id", "company_id"):
            if field_name not in vals:
                continue
            if (
                field_name == "name"
                and self.env.context.get("slt_lot_correction") is LOT_CORRECTION
            ):
                continue
            changed |= self.filtered(
                lambda lot, f=field_name: lot._get_immutable_value(f) != vals[f]
            )
        lots = changed._get_lots_with_done_moves()
        if lots:
            raise TraceabilityError(
                self.env._(
                    "These lots/serial numbers have done stock moves: their name, "
                    "product and company cannot change (a manager can correct a "
                    "name with the Correct name button):\n%(lots)s",
                    lots="\n".join(
                        f"- {lot.product_id.display_name}, {lot.name}" for lot in lots
                    ),
                )
            )

    def _get_immutable_value(self, field_name):
        value = self[field_name]
        return value.id if isinstance(value, models.BaseModel) else value

    def _check_lot_block_write(self, vals):
        if not BLOCK_FIELDS & set(vals) or self.env.su:
            return
        if self.env.context.get("slt_lot_block") is not LOT_BLOCK:
            raise AccessError(
                self.env._(
                    "Lots are blocked and unblocked with the Block/Unblock buttons, "
                    "with a reason."
                )
            )

    # The trace engine over RPC: read only, so that a deployment with a
    # PostgreSQL replica (``db_replica_host``) serves it there.
    @api.readonly
    def get_trace(self, direction=trace_engine.DOWNSTREAM):
        """Where these lots went (``downstream``) or came from
        (``upstream``), to any depth, within the allowed companies.

        :returns: ``{"direction", "lot_ids" (by depth, seeds first),
            "move_line_ids" (oldest first), "depth": {lot_id: depth},
            "path": {lot_id: [seed_lot_id, ..., lot_id]}}``, lot ids as
            strings in the keys (JSON)
        """
        if direction not in (trace_engine.DOWNSTREAM, trace_engine.UPSTREAM):
            raise UserError(
                self.env._(
                    "Unknown trace direction %(direction)s: use %(down)s or %(up)s.",
                    direction=direction,
                    down=trace_engine.DOWNSTREAM,
                    up=trace_engine.UPSTREAM,
                )
            )
        self.check_access("read")
        trace = self._trace_lots(direction)
        return {
            "direction": direction,
            "lot_ids": trace.lots.ids,
            "move_line_ids": trace.move_lines.ids,
            "depth": {str(lot_id): depth for lot_id, depth in trace.depth.items()},
            "path": {str(lot_id): list(path) for lot_id, path in trace.path.items()},
        }

    def _trace_downstream(self, company_ids=None):
        """Where these lots went, to any depth.

        Follows manufacturing (``consume_line_ids`` / ``produce_line_ids``)
        and unbuilds into the lots made from these lots, recursively; the
        transfers, deliveries, returns and scraps of every reached lot are in
        ``move_lines``. Two queries whatever the depth or breadth.

        :param company_ids: ids of the companies whose move lines are
            followed; defaults to the allowed companies (``env.companies``)
        :returns: a :class:`~.trace_engine.LotTrace`
        """
        return self._trace_lots(trace_engine.DOWNSTREAM, company_ids)

    def _trace_upstream(self, company_ids=None):
        """Where these lots came from, to any depth: the component lots
        consumed to make them, recursively, and (in ``move_lines``) their
        receipts from vendors. Same contract as :meth:`_trace_downstream`."""
        return self._trace_lots(trace_engine.UPSTREAM, company_ids)

    def _trace_graph(self, direction, company_ids):
        """Rows ``(lot_id, depth, path)`` of the lots reached from these lots
        (seeds included), in one query; see
        :func:`~.trace_engine.lot_graph_query`."""
        self.env["stock.move.line"].flush_model(
            [
                "lot_id",
                "state",
                "company_id",
                "date",
                "consume_line_ids",
                "move_id",
                "product_id",
                "location_id",
                "location_dest_id",
            ]
        )
        follow_unbuild = "unbuild_id" in self.env["stock.move"]._fields
        if follow_unbuild:
            self.env["stock.move"].flush_model(["unbuild_id"])
        # The planner's estimate of lines per lot is far too high on large
        # databases, and would have PostgreSQL compile the statement (JIT),
        # which costs more than the index lookups it runs. SET LOCAL: back to
        # the server's setting at the end of the transaction (one round trip).
        return self.env.execute_query(
            SQL(
                "SET LOCAL jit = off; %s",
                trace_engine.lot_graph_query(
                    self.ids, direction, company_ids, follow_unbuild=follow_unbuild
                ),
            )
        )

    def _trace_lots(self, direction, company_ids=None):
        if company_ids is None:
            company_ids = self.env.companies.ids
        rows = self._trace_graph(direction, company_ids)
        rows.sort(key=lambda row: (row[1], row[0]))
        lot_ids = [row[0] for row in rows]
        line_ids = [
            row[0]
            for row in self.env.execute_query(
                trace_engine.lot_move_lines_query(lot_ids, company_ids)
            )
        ]
        return trace_engine.LotTrace(
            direction,
            self.browse(lot_ids),
            self.env["stock.move.line"].browse(line_ids),
            {row[0]: row[1] for row in rows},
            {row[0]: tuple(row[2]) for row in rows},
        )

    @api.readonly
    def get_genealogy(self, threshold=None):
        """The genealogy of this lot as a recall of it would draw it, without
        creating the recall (see ``stock.recall.get_genealogy``)."""
        self.ensure_one()
        self.check_access("read")
        recall = self.env["stock.recall"]
        lot_rows, shipment_rows = recall._get_genealogy_live_rows(self)
        return recall._get_genealogy_graph(
            lot_rows, shipment_rows, "stock.move.line", threshold
        )

    def _get_epcis_file(self, file_format="jsonld"):
        """``(filename, content, mimetype)`` of the lot's EPCIS document."""
        self.ensure_one()
        document = self.env["stock.traceability.epcis"]._get_lots_document(self)
        filename = f"{self.name.replace('/', '_')}_epcis.{file_format}"
        if file_format == "xml":
            return filename, epcis.xml_dumps(document), "application/xml"
        return filename, epcis.dumps(document), "application/ld+json"

    def _get_recall_domain(self):
        return [
            "|",
            ("lot_ids", "in", self.ids),
            ("affected_lot_ids.lot_id", "in", self.ids),
        ]

    @api.model
    def _demo_load_manufacturing(self):
        """Load the manufacturing part of the demo chain when ``mrp`` is
        installed (called from the demo data).

        The add-on does not depend on ``mrp``; Odoo's way would be a bridge
        module auto-installed with both, which a one-add-on repository cannot
        ship. The file holds XML records and ``<function>`` calls only.
        """
        if "mrp.production" not in self.env:
            return
        convert_file(
            self.env,
            "stock_lot_traceability",
            DEMO_MRP_FILE,
            {},
            mode="init",
            noupdate=True,
        )
