"""Timing statistics, machine information and Markdown tables."""

import datetime
import os
import platform
import statistics


def median(values):
    return statistics.median(list(values))


def spread(values, digits=1):
    """min / median / max."""
    values = list(values)
    return f"{min(values):.{digits}f} / {median(values):.{digits}f} / {max(values):.{digits}f}"


def verdict(value, target, inclusive=False):
    return "PASS" if value < target or (inclusive and value == target) else "FAIL"


def ratio_row(label, tops, bottoms, target=None, inclusive=False, digits=2, unit="s"):
    """Measure, both medians, median ratio, min ratio, target, result."""
    by_median, by_min = median(tops) / median(bottoms), min(tops) / min(bottoms)
    sign = "≤" if inclusive else "<"
    return [
        label,
        f"{median(tops):.{digits}f} {unit} / {median(bottoms):.{digits}f} {unit}",
        f"{by_median:.3f}",
        f"{by_min:.3f}",
        f"{sign} {target:.2f}" if target else "-",
        verdict(by_median, target, inclusive) if target else "-",
    ]


RATIO_HEADER = ["Measure", "Medians", "Median ratio", "Min ratio", "Target", "Result"]


def rotation(kinds, round_index):
    """The order of round ``round_index``: every kind takes every place in
    turn, the order reversed every other cycle."""
    shift = round_index % len(kinds)
    order = kinds[shift:] + kinds[:shift]
    return order[::-1] if round_index // len(kinds) % 2 else order


def machine():
    def first(path, prefix, default="?"):
        try:
            with open(path) as handle:
                return next(line.split(":", 1)[1].strip() for line in handle if line.startswith(prefix))
        except (OSError, StopIteration):
            return default

    memory = first("/proc/meminfo", "MemTotal")
    memory = f"{int(memory.split()[0]) / 1024 / 1024:.1f} GiB" if memory != "?" else memory
    cpu = first("/proc/cpuinfo", "model name", platform.processor() or "?")
    return {
        "cpu": f"{cpu}, {os.cpu_count()} logical CPUs",
        "memory": memory,
        "system": platform.platform(),
        "python": platform.python_version(),
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "load": os.getloadavg()[0],
    }


def table(header, rows):
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def plans(statements_by_kind, heavy=("page: search_fetch", "page: count", "count (search_count)")):
    """Markdown of EXPLAIN ANALYZE results: a table of statements per kind,
    then the SQL and plan of the heavy ones."""
    text = []
    for kind, statements in statements_by_kind.items():
        rows = [[s["label"], f"{s['ms']:.3f}"] for s in statements]
        rows.append(["total", f"{sum(s['ms'] for s in statements):.3f}"])
        text += [f"{kind}:", "", table(["Statement", "ms"], rows), ""]
    for kind, statements in statements_by_kind.items():
        for s in (s for s in statements if s["label"].startswith(heavy)):
            sql = " ".join(s["sql"].split())
            text += [f"### {kind}: {s['label']}", "", "```sql", sql, "```", "", "```", s["plan"], "```", ""]
    return text
