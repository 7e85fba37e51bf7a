from . import download_docs
from . import accountant_portal
