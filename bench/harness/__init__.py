"""One harness for the benchmarks of bench/: databases, workers, data, timing, results."""

from . import data
from .db import ADDON, die
from .report import (
    RATIO_HEADER,
    median,
    plans,
    ratio_row,
    rotation,
    spread,
    table,
    verdict,
)
from .run import Bench, alternate, rounds, what_if
from .server import Server
from .worker import Worker
