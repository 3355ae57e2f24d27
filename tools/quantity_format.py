# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Quantities as people read them: with their unit, never added across units.
Plain functions, shared by the recall, its exports and the error messages."""

from collections import defaultdict

from odoo.tools.float_utils import float_is_zero
from odoo.tools.misc import formatLang


def format_quantity(env, quantity, uom):
    """``"101.00 Units"``: ``quantity`` in ``uom``, in the user's language."""
    text = formatLang(env, quantity or 0.0, dp="Product Unit")
    return f"{text} {uom.name}" if uom else text


def format_quantities(env, totals, keep_zero=False):
    """``"101.00 Units, 240.00 kg"``: one total per unit from ``totals``
    (``{uom: quantity}``); units whose total is zero are left out unless
    ``keep_zero``. An empty text when nothing is left."""
    return ", ".join(
        format_quantity(env, quantity, uom)
        for uom, quantity in sorted(totals.items(), key=lambda item: item[0].name)
        if keep_zero or not float_is_zero(quantity, precision_digits=6)
    )


def totals_per_unit(records, uom_field, qty_field):
    """``{uom: quantity}``: ``qty_field`` of ``records`` summed per unit."""
    totals = defaultdict(float)
    for record in records:
        totals[record[uom_field]] += record[qty_field]
    return dict(totals)
