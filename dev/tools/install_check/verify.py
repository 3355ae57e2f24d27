# Run in `odoo-bin shell` after installing the add-on on the seeded
# database: what a user sees (health check, settings), then the fix.
import os
import sys

# The shell's output goes through dev/tools/clilog.py (install_check.sh
# names the folder).
sys.path.insert(0, os.environ["SLT_DEV_TOOLS"])
from clilog import out  # noqa: E402

env = env  # noqa: F821 (provided by odoo-bin shell)
findings = env["stock.traceability.health"]._collect_findings()
count = {}
for finding in findings:
    count[finding["category"]] = count.get(finding["category"], 0) + 1
out("FINDINGS", sorted(count.items()))
for finding in findings:
    if finding["category"] == "unique_key_conflict":
        out("GROUP", finding["description"])
out("WARNING", env["res.config.settings"].create({}).traceability_guarantee_warning)
manager = env.ref("base.user_admin")
for finding in findings:
    if finding["category"] != "unique_key_conflict":
        continue
    lots = env["stock.lot"].browse(finding["lot_ids"][0][2])
    action = lots.with_user(manager).action_open_deduplicate_wizard()
    wizard = (
        env[action["res_model"]]
        .with_user(manager)
        .with_context(action["context"])
        .create({"reason": "install check"})
    )
    for index, line in enumerate(wizard.line_ids[1:], start=2):
        line.new_name = f"{line.lot_id.name.strip()}-{index}"
    result = wizard.action_apply()
    out("FIX", result["params"]["type"], result["params"]["message"])
out(
    "WARNING AFTER FIX",
    repr(env["res.config.settings"].create({}).traceability_guarantee_warning),
)
env.cr.commit()
