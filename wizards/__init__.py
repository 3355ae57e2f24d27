from . import stock_recall_product
from . import stock_recall_vendor
from . import stock_lot_block
from . import stock_lot_correct
from . import expiry_picking_confirmation
from . import stock_lot_assign
from . import stock_lot_deduplicate
from . import stock_recall_notify
