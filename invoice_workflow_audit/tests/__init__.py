from . import test_activity_log
from . import test_activity_log_tour
from . import test_document_tracking
from . import test_workflow_status
from . import test_workflow_status_access
from . import test_workflow_status_config
from . import test_workflow_status_rpc
from . import test_workflow_status_tour
