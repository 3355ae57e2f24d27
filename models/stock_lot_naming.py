# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""stock.lot: names typed, scanned, generated or imported (A4): normalisation,
GS1 element strings and the format check. The plain functions are in
``lot_naming``; this is their ORM side (products' formats, messages)."""

import datetime

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..exceptions import TraceabilityValidationError
from . import lot_naming
from .lot_naming import GS1_LOT_MAX_LENGTH

# Context marker of a write whose name is already read (see ``write``): an
# object, so that a context sent over RPC cannot carry it.
LOT_NAME_READY = object()


class StockLot(models.Model):
    _inherit = "stock.lot"

    gs1_name_too_long = fields.Boolean(
        string="Too Long for GS1",
        compute="_compute_gs1_name_too_long",
        help="GS1 labels carry at most 20 characters in AI (10)/(21).",
    )

    @api.depends("name", "product_id")
    @api.depends_context("uid")
    def _compute_gs1_name_too_long(self):
        gs1_labels = self.env.user.has_group("stock.group_stock_lot_print_gs1")
        for lot in self:
            lot.gs1_name_too_long = bool(
                gs1_labels and lot.name and len(lot.name) > GS1_LOT_MAX_LENGTH
            )

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

    @api.model
    def generate_lot_names(self, first_lot, count):
        if first_lot and self.env["res.company"]._traceability_strict():
            first_lot = self._normalize_lot_name(first_lot, None)
        return super().generate_lot_names(first_lot, count)

    @api.model
    def _normalize_lot_name(self, name, name_format):
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
        result["name"] = self._normalize_lot_name(result["name"], name_format)
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
