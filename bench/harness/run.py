"""The driver of one benchmark run: options, databases, workers, results file."""

import argparse
import os
import sys
import time
from functools import partial

from . import db
from .report import machine, median, rotation, table
from .worker import WorkerProcess, serve


class Bench:
    """A benchmark declares its options, then ``args = bench.start()``,
    ``bench.databases(...)``, its measures through ``bench.workers``, and
    ``bench.write(...)``; ``bench.close()`` in a ``finally``."""

    def __init__(self, name, title, worker_class, doc, creation=None):
        self.name, self.title, self.worker_class = name, title, worker_class
        self.parser = argparse.ArgumentParser(
            description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        self.workers, self.info, self.templates = {}, {}, {}
        self.option("--output", default=os.path.join(db.BENCH_DIR, "results", f"{name}.md"), help="results")
        self.options(
            """
            --addon-ref none measure the addon as of this git revision (git archive), not the working tree
            --rebuild - rebuild the template databases
            --keep - keep the run's databases (iwa_bench_run_*)
            --db none (worker)
            --source-root none (worker)
            --worker - (worker)
            """
        )
        if creation:  # the invoice creation rounds of rounds(): (invoices, rounds, warm-up) by default
            self.options(
                """
                --invoices {} invoices created per database
                --rounds {} rounds the invoices are created in
                --warmup {} invoices of the unmeasured warm-up round
                """.format(*creation)
            )

    def option(self, *names, **kwargs):
        self.parser.add_argument(*names, **kwargs)

    def options(self, text):
        """Options, one a line: ``--name default help``; the default's type is
        the option's (``-``: a flag, ``none``: a string); help ``(worker)``: hidden."""
        for line in filter(None, map(str.strip, text.splitlines())):
            name, default, text = line.split(None, 2)
            text = argparse.SUPPRESS if text == "(worker)" else text
            if default in ("-", "none"):
                self.option(name, **({"action": "store_true"} if default == "-" else {}), help=text)
            else:
                kind = float if "." in default else int
                self.option(name, type=kind, default=kind(default.replace("_", "")), help=text)

    def start(self):
        """The options; in a worker subprocess, the worker's loop, then exit."""
        args = self.parser.parse_args()
        if args.worker:
            sys.exit(serve(self.worker_class, args.db, args.source_root))
        try:
            import odoo.release
        except ImportError as exc:
            db.die(f"Odoo 18.0 is not importable from {sys.executable} ({exc}).")
        if tuple(odoo.release.version_info[:2]) != (18, 0):
            db.die(f"Odoo {odoo.release.version} found: the benchmarks need Odoo 18.0.")
        self.args, self.started, self.machine = args, time.perf_counter(), machine()
        self.source = db.Source(args.addon_ref)
        print(f"Addon source: {self.source.describe}", flush=True)
        return args

    def _prepare(self, kind, prepare_args, name):
        worker = WorkerProcess(name, self.source.root)
        try:
            print(f"  {name}: preparing the data of {kind}", flush=True)
            worker.call("prepare", kind=kind, **prepare_args)
        finally:
            worker.stop()

    def databases(self, kinds, data_key, **prepare_args):
        """``kinds``: {kind: modules}. A template per kind (built when
        missing: install, then the worker's ``cmd_prepare(kind, **prepare_args)``),
        a clone of it for this run, a worker on the clone."""
        print("Databases:", flush=True)
        key = {"bench": data_key, **prepare_args}
        for kind, modules in kinds.items():
            prepare = partial(self._prepare, kind, prepare_args)
            self.templates[kind] = db.template(
                self.name, kind, modules, key, self.source, prepare, self.args.rebuild
            )
        for kind, template in self.templates.items():
            clone = db.clone(template, f"{db.PREFIX}run_{self.name}_{kind}")
            self.workers[kind] = WorkerProcess(clone, self.source.root)
            self.info[kind] = self.workers[kind].call("info")
        self.build_seconds = time.perf_counter() - self.started
        return self.workers

    def close(self):
        for worker in self.workers.values():
            worker.stop()
        if not self.args.keep:
            for worker in self.workers.values():
                db.drop(worker.db)

    def write(self, about, body):
        """The results file: what ran where, ``about`` (list items), ``body``."""
        m, info = self.machine, next(iter(self.info.values()))
        modules = {
            kind: ", ".join(f"{n} {v}" for n, v in sorted(i["modules"].items()))
            for kind, i in self.info.items()
        }
        rows = [
            [kind, f"`{w.db}` (clone of `{self.templates[kind]}`)", modules[kind]]
            for kind, w in self.workers.items()
        ]
        command = " ".join([f"bench/{os.path.basename(sys.argv[0])}", *sys.argv[1:]])
        text = [
            f"# {self.title}",
            "",
            f"- Date: {m['date']}",
            f"- Odoo {info['odoo']}, PostgreSQL {info['postgres']}, Python {m['python']}",
            f"- Machine: {m['cpu']}, {m['memory']} RAM, {m['system']}",
            f"- Load average (1 min) before / after: {m['load']:.2f} / {os.getloadavg()[0]:.2f}",
            f"- Repository: commit {self.source.head}; addon source: {self.source.describe}",
            f"- Command: `{command}`",
            *(f"- {line}" for line in about),
            f"- Whole run: {time.perf_counter() - self.started:.0f} s "
            f"(templates and clones ready after {self.build_seconds:.0f} s)",
            "",
            *body,
            "## Databases",
            "",
            table(["Kind", "Database", "Modules"], rows),
            "",
        ]
        os.makedirs(os.path.dirname(os.path.abspath(self.args.output)), exist_ok=True)
        with open(self.args.output, "w") as handle:
            handle.write("\n".join(text))
        print("\n".join(body))
        print(f"Results: {os.path.relpath(self.args.output)}")


def alternate(calls, reps):
    """``reps`` turns of ``cmd_list(reps=1, **kwargs)`` for each of ``calls``
    ({key: (worker, kwargs)}), in rotation; the times of each key together."""
    out = {}
    for turn in range(reps):
        for key in rotation(list(calls), turn):
            worker, kwargs = calls[key]
            result = worker.call("list", reps=1, **kwargs)
            if key in out:
                result["page_ms"] = out[key]["page_ms"] + result["page_ms"]
                result["count_ms"] = out[key]["count_ms"] + result["count_ms"]
            out[key] = result
    return out


def what_if(worker, reps, table_name, columns):
    """The list with an index on ``columns`` created in a transaction rolled
    back afterwards, against the same calls in a transaction without it;
    the Markdown section."""
    title = f"## What if: index on {table_name} ({columns})"
    existing = worker.call("index", table=table_name, columns=columns)
    if existing:
        return [title, "", f"Skipped: the database already has such an index (`{existing}`).", ""]
    sql = f"CREATE INDEX iwa_bench_what_if ON {table_name} ({columns})"
    times = alternate({"without": (worker, {"index": ""}), "with": (worker, {"index": sql})}, reps)
    rows = []
    for label, key in (("First page", "page_ms"), ("Count", "count_ms")):
        without, with_index = median(times["without"][key]), median(times["with"][key])
        rows.append([label, f"{without:.1f} ms", f"{with_index:.1f} ms", f"{with_index / without:.3f}"])
    note = f"Not in the addon: {reps} repetitions each, alternating, in one transaction from an empty cache."
    return [title, "", note, "", table(["Measure", "Without", "With the index", "Ratio"], rows), ""]


def rounds(workers, count, rounds, warmup, check=None):
    """A warm-up round of ``warmup`` in each database, then ``rounds`` rounds
    of ``cmd_create_round(count)``, the databases in rotation; ``check``:
    the result of every warm-up must satisfy it."""
    for kind, worker in workers.items():
        result = worker.call("create_round", count=warmup)
        if check and not check(result):
            db.die(f"{kind}: the warm-up round did not give what was expected: {result}")
    run = {kind: [] for kind in workers}
    for index in range(rounds):
        for kind in rotation(list(workers), index):
            run[kind].append(workers[kind].call("create_round", count=count))
        print(
            f"  round {index + 1}/{rounds}: "
            + ", ".join(f"{k} {v[-1]['seconds']:.2f} s" for k, v in run.items())
        )
    return run
