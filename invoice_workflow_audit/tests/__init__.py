from . import test_workflow_status
