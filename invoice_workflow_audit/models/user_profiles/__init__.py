from . import res_users
from . import account_move
from . import account_payment
