from . import res_users
from . import res_groups
from . import account_move
from . import account_payment
