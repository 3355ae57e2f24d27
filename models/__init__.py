from . import res_company
from . import res_config_settings
from . import stock_location
from . import stock_warehouse
from . import stock_lot
from . import stock_move_line
