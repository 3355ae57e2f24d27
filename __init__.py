from . import controllers
from . import models
from . import wizards


def post_init_hook(env):
    """Existing warehouses get their Quarantine location (blocked lots)."""
    env["stock.warehouse"].with_context(active_test=False).search(
        []
    )._create_quarantine_locations()
