# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Plain code of the add-on, without the ORM (as Odoo's ``mail/tools``).

Lot naming and the uniqueness key, the trace statement and its views, the
genealogy layout, assignment parsing, lot merging, the stock invariants,
spreadsheet writing and quantity formatting. Each module takes a cursor, an
environment or plain values as arguments and defines no model, so that most
of it is tested without a database (``make unit``).
"""
