# One package per capability; the activity history comes first, as the other
# capabilities log through it and inherit its mixin. common defines the
# guards every capability shares (kept fields, append-only records).
from . import common
from . import activity_log
from . import workflow
from . import tracking
from . import recurrence
from . import accountant_portal
from . import user_profiles
