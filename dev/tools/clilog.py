"""Output of the development scripts (dev/tools, dev/bench).

The scripts report through ``out()``, a logger that writes plain lines to
stdout, instead of ``print()``: the tooling follows the add-on's lint rules.
The logger has its own handler and does not propagate, so that Odoo's
logging configuration, when a script runs inside Odoo, leaves its lines as
they are (other checks read them).
"""

import logging
import sys

_logger = logging.getLogger("stock_lot_traceability.dev")
if not _logger.handlers:
    _handler = logging.StreamHandler(sys.stdout)
    _handler.setFormatter(logging.Formatter("%(message)s"))
    _logger.addHandler(_handler)
    _logger.setLevel(logging.INFO)
    _logger.propagate = False


def out(*parts, sep=" "):
    """Write one line made of ``parts`` (as ``print`` would join them)."""
    _logger.info(sep.join(str(part) for part in parts))
