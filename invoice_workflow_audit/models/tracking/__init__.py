from . import account_move
from . import account_move_line
from . import account_move_send
from . import account_partial_reconcile
from . import account_payment
from . import ir_actions_report
from . import mail_notification
