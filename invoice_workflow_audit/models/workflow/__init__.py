from . import invoice_workflow_status
from . import account_move
from . import ir_rule
