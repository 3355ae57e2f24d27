# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Quantities as people read them: with their unit, never added across
products or units. Plain functions, shared by the recall, its exports and
the error messages."""

from collections import defaultdict

from odoo.tools.float_utils import float_is_zero
from odoo.tools.misc import formatLang


def format_quantity(env, quantity, uom):
    """``"101.00 Units"``: ``quantity`` in ``uom``, in the user's language."""
    text = formatLang(env, quantity or 0.0, dp="Product Unit")
    return f"{text} {uom.name}" if uom else text


def product_label(product):
    """The product as the recall's lists show it (without its internal
    reference: the texts stay short)."""
    return product.with_context(display_default_code=False).display_name


def format_product_quantity(env, quantity, uom, product):
    """``"100.00 Units Butter Cookies"``: ``quantity`` of ``product`` in
    ``uom``."""
    return f"{format_quantity(env, quantity, uom)} {product_label(product)}"


def sorted_product_totals(totals):
    """``totals`` (``{(product, uom): value}``) as ``[(product, uom, value)]``
    by product name, then unit."""
    return sorted(
        ((product, uom, value) for (product, uom), value in totals.items()),
        key=lambda item: (product_label(item[0]), item[0].id, item[1].name),
    )


def format_product_quantities(env, totals, keep_zero=False, limit=None):
    """``"100.00 Units Butter Cookies, 1.00 Units Holiday Gift Box"``: one
    total per product and unit of ``totals`` (``{(product, uom): quantity}``),
    by product name; products of the same unit are never added together.
    Totals of zero are left out unless ``keep_zero``; beyond ``limit``
    products, the text ends with how many more there are. An empty text when
    nothing is left."""
    items = [
        (product, uom, quantity)
        for product, uom, quantity in sorted_product_totals(totals)
        if keep_zero or not float_is_zero(quantity, precision_digits=6)
    ]
    shown = items if limit is None else items[:limit]
    texts = [
        format_product_quantity(env, quantity, uom, product)
        for product, uom, quantity in shown
    ]
    if len(items) > len(shown):
        texts.append(env._("%(count)s more products", count=len(items) - len(shown)))
    return ", ".join(texts)


def totals_per_product(records, product_field, uom_field, qty_field):
    """``{(product, uom): quantity}``: ``qty_field`` of ``records`` summed
    per product and unit."""
    totals = defaultdict(float)
    for record in records:
        totals[record[product_field], record[uom_field]] += record[qty_field]
    return dict(totals)
