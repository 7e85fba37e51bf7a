from . import download_docs
from . import report
from . import accountant_portal
from . import external_api
