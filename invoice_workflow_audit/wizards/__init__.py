from . import invoice_workflow_status_change
