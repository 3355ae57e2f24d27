# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One Odoo worker process of the concurrency tests (not a test module).

    python concurrency_worker.py ODOO_CONFIG DATABASE PICKING_ID

It opens its own registry and transaction on ``DATABASE``, reads the picking
(the transaction's snapshot is taken), writes ``ready`` on stdout, waits for
a line on stdin, then validates the picking through
``odoo.service.model.retrying`` as an RPC call would, commits, and writes one
JSON line: ``{"error": exception class name or null, "message": text}``.
Two of them, released together, are two concurrent Odoo workers.
"""

import json
import sys

CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "skip_backorder": True,
    "skip_expired": True,
    "skip_sms": True,
}


def _say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(config_file, dbname, picking_id):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.service.model import retrying  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", config_file, "--log-level=warn"])
    registry = Registry(dbname)
    attempts = []

    def validate(env):
        attempts.append(1)
        picking = env["stock.picking"].browse(picking_id)
        picking.fetch(["state"])  # take the snapshot
        if len(attempts) == 1:
            _say("ready")
            sys.stdin.readline()
        picking.button_validate()

    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
            retrying(lambda: validate(env), env)
    except Exception as error:  # noqa: BLE001 -- reported to the test
        _say(json.dumps({"error": type(error).__name__, "message": str(error)}))
    else:
        _say(json.dumps({"error": None, "message": ""}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
