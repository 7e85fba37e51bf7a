from . import invoice_workflow_audit_demo
