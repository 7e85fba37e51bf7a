from . import invoice_recurrence
from . import account_move
from . import account_journal
