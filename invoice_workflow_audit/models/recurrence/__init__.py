from . import invoice_recurrence_schedule
from . import invoice_recurrence
from . import invoice_recurrence_prorate
from . import invoice_recurrence_generation
from . import invoice_recurrence_resume
from . import account_move
from . import account_journal
