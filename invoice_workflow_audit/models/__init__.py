from . import invoice_activity_log
from . import invoice_workflow_status
from . import account_move
from . import ir_rule
from . import res_company
from . import res_config_settings
