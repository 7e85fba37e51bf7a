from . import invoice_activity_log
from . import invoice_activity_log_mixin
from . import account_move
from . import res_company
from . import res_config_settings
