from . import invoice_workflow_status
from . import account_move
from . import account_move_time_limit
from . import account_move_payments_widget
from . import mail_followers
from . import ir_rule
from . import account_move_demo
