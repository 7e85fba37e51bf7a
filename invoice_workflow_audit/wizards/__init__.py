from . import invoice_workflow_status_change
from . import invoice_activity_log_verify
