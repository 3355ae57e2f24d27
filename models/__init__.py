from . import res_company
from . import res_config_settings
from . import stock_location
from . import stock_warehouse
from . import stock_lot
from . import stock_move_line
from . import stock_recall
from . import stock_recall_line_mixin
from . import stock_recall_lot
from . import stock_recall_stock
from . import stock_lot_format_mixin
from . import product_category
from . import product_template
from . import product_product
from . import stock_lot_assign_run
from . import stock_lot_assign_run_line

# views over the stored lots and the tables above: created after them
from . import stock_recall_notice
from . import stock_recall_line_customer
from . import stock_recall_event
from . import stock_recall_shipment
from . import stock_traceability_job
from . import stock_traceability_health
from . import stock_picking_type
from . import stock_quant
from . import stock_move
from . import stock_traceability_epcis
