# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The files of the entry batches: FEC through Odoo's French localisation,
CSV and XLSX for every company, written in batches of journal items to a
temporary file so that a period of any size never sits in memory."""

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass

import xlsxwriter
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, date_utils

# Odoo's FEC wizard (l10n_fr_account); the addon does not depend on it.
FEC_WIZARD = "l10n_fr.fec.export.wizard"
# Journal items read (and written out) at a time.
EXPORT_BATCH_SIZE = 5000
HASH_CHUNK = 1024 * 1024
# A download inside the HTTP request is capped: at most so many journal
# items (XLSX costs about five times the CPU of CSV per item) and a period of
# at most a year. Beyond, the export is prepared in the background
# (invoice.accountant.export.request).
INTERACTIVE_MAX_ITEMS = {"csv": 50000, "fec": 50000, "xlsx": 10000}
INTERACTIVE_MAX_DAYS = 366
# pg_advisory_xact_lock(EXPORT_LOCK_CLASS, user id): one download per
# accountant at a time, whatever the worker or server.
EXPORT_LOCK_CLASS = 0x1A4E
# pg_advisory_xact_lock(EXPORT_SLOT_CLASS, slot): at most so many downloads
# written at once on the whole server (ir.config_parameter
# invoice_workflow_audit.accountant_export_slots, 1 by default), so that
# downloads never hold every HTTP worker.
EXPORT_SLOT_CLASS = 0x1A4F
EXPORT_SLOTS_PARAM = "invoice_workflow_audit.accountant_export_slots"
# What a spreadsheet reads as the start of a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# The columns of the CSV and XLSX files: the FEC's names, and how each is written.
COLUMNS = (
    ("JournalCode", "text"),
    ("JournalLib", "text"),
    ("EcritureNum", "text"),
    ("EcritureDate", "date"),
    ("CompteNum", "text"),
    ("CompteLib", "text"),
    ("CompAuxNum", "text"),
    ("CompAuxLib", "text"),
    ("PieceRef", "text"),
    ("PieceDate", "date"),
    ("EcritureLib", "text"),
    ("Debit", "amount"),
    ("Credit", "amount"),
    ("EcheanceDate", "date"),
    ("EcritureLet", "text"),
    ("DateLet", "date"),
    ("Montantdevise", "amount"),
    ("Idevise", "text"),
)
# French conventions, what Excel and French accounting software expect: ";"
# between fields, a decimal comma, two decimals, dates as DD/MM/YYYY, UTF-8
# with its BOM, CRLF between rows.
CSV_DELIMITER = ";"
CSV_DATE_FORMAT = "%d/%m/%Y"
LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u2028\u2029\x85]+")


def one_line(value):
    """``value`` (text or False) on one line: line breaks and tabs become one space."""
    return LINE_BREAKS.sub(" ", value).strip() if value else ""


def french_amount(value):
    """``5103.0`` as ``5103,00``: two decimals, decimal comma, no grouping."""
    return f"{value:.2f}".replace(".", ",")


def spreadsheet_text(value):
    """``value`` as a CSV cell that a spreadsheet shows as text.

    Partner names are set by customers themselves on /my/account and line
    labels by any invoicing user: Excel or LibreOffice would run a cell such as
    ``=WEBSERVICE("http://…?"&A2)`` opened from the accountant's file and send
    the ledger out. A leading ``'`` makes the spreadsheet show the text as is
    (OWASP). Only text is touched: amounts are written as numbers, and a
    negative one must stay a number. XLSX needs none of this: its text cells
    are typed as text (see ``_export_xlsx``).
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return f"'{value}"
    return value


@dataclass
class AccountantExport:
    """A written export: its file (open for reading, deleted once closed),
    name, MIME type, size, SHA-256 and counts."""

    file: object
    file_name: str
    mimetype: str
    size: int
    checksum: str
    move_count: int
    line_count: int


class InvoiceAccountantBatchExport(models.AbstractModel):
    _name = "invoice.accountant.batch.export"
    _description = "Accountant Entry Batch Files"

    # ------------------------------------------------------------------
    # What is exported: the company's posted journal items of the period
    # ------------------------------------------------------------------

    @api.model
    def _fec_available(self, company):
        """FEC is offered where Odoo's French localisation is installed and the
        company is French: a check of the registry, not a dependency."""
        return FEC_WIZARD in self.env and company.account_fiscal_country_id.code == "FR"

    @api.model
    def _formats(self, company):
        formats = ["csv", "xlsx"]
        if self._fec_available(company):
            formats.insert(0, "fec")
        return formats

    @api.model
    def _lines_where(self, company, date_from, date_to):
        return SQL(
            """aml.company_id = %(company)s AND aml.parent_state = 'posted'
               AND aml.date BETWEEN %(start)s AND %(end)s""",
            company=company.id,
            start=date_from,
            end=date_to,
        )

    @api.model
    def _count_lines(self, company, date_from, date_to, limit=None):
        """The journal items of the period; with ``limit``, counted up to
        ``limit + 1`` only (enough to say "more than"), whatever the period."""
        query = SQL(
            "SELECT 1 FROM account_move_line aml WHERE %(where)s%(limit)s",
            where=self._lines_where(company, date_from, date_to),
            limit=SQL(" LIMIT %s", limit + 1) if limit is not None else SQL(),
        )
        self.env.cr.execute(SQL("SELECT count(*) FROM (%s) AS items", query))
        return self.env.cr.fetchone()[0]

    @api.model
    def _check_interactive(self, company, date_from, date_to, file_format):
        """Refuse (UserError) a download inside the HTTP request beyond its
        caps, while another download of the same accountant runs, or while
        the server writes as many downloads as it allows at once. The locks
        are the transaction's: released when the file is written."""
        self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", EXPORT_LOCK_CLASS, self.env.uid))
        if not self.env.cr.fetchone()[0]:
            raise UserError(
                self.env._("Another export of yours is being written: try again once it is downloaded.")
            )
        slots = max(int(self.env["ir.config_parameter"].sudo().get_param(EXPORT_SLOTS_PARAM, 1) or 1), 1)
        for slot in range(slots):
            self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", EXPORT_SLOT_CLASS, slot))
            if self.env.cr.fetchone()[0]:
                break
        else:
            raise UserError(
                self.env._(
                    "The server is writing other exports: try again in a minute, or use "
                    '"Prepare in the background".'
                )
            )
        if (date_to - date_from).days + 1 > INTERACTIVE_MAX_DAYS:
            raise UserError(
                self.env._(
                    'A direct download covers at most %(days)s days: use "Prepare in the background" '
                    "for a longer period.",
                    days=INTERACTIVE_MAX_DAYS,
                )
            )
        limit = INTERACTIVE_MAX_ITEMS[file_format]
        if self._count_lines(company, date_from, date_to, limit=limit) > limit:
            raise UserError(
                self.env._(
                    "This period has more than %(limit)s journal items, the most a direct %(format)s "
                    'download holds: use "Prepare in the background", you will be e-mailed when it is ready.',
                    limit=limit,
                    format=file_format.upper(),
                )
            )

    @api.model
    def _line_key_batches(self, company, date_from, date_to, after_key=None):
        """The journal items of the period, ``EXPORT_BATCH_SIZE`` at a time, as
        ``(id, date, move id)`` by date, entry and id (keyset: each batch
        starts after the last row of the previous one, or after
        ``after_key``, whatever the size of the period)."""
        after = SQL("TRUE")
        if after_key:
            after = SQL("(aml.date, aml.move_id, aml.id) > (%s, %s, %s)", *after_key)
        where = self._lines_where(company, date_from, date_to)
        while True:
            self.env.cr.execute(
                SQL(
                    """SELECT aml.id, aml.date, aml.move_id FROM account_move_line aml
                        WHERE %(where)s AND %(after)s
                        ORDER BY aml.date, aml.move_id, aml.id LIMIT %(limit)s""",
                    where=where,
                    after=after,
                    limit=EXPORT_BATCH_SIZE,
                )
            )
            rows = self.env.cr.fetchall()
            if not rows:
                return
            yield rows
            last_id, last_date, last_move = rows[-1]
            after = SQL("(aml.date, aml.move_id, aml.id) > (%s, %s, %s)", last_date, last_move, last_id)

    @api.model
    def _line_ids_batches(self, company, date_from, date_to):
        for rows in self._line_key_batches(company, date_from, date_to):
            yield [row[0] for row in rows]

    @api.model
    def _columns(self):
        """The columns of the CSV and XLSX files: ``(name, kind)``, the names
        of the FEC (article A47 A-1 of the French tax procedures book), which
        French accounting software imports; ``kind`` is ``text``, ``date`` or
        ``amount`` (how each file writes it)."""
        return COLUMNS

    @api.model
    def _auxiliary(self, line):
        """The auxiliary account (CompAuxNum, CompAuxLib) of a journal item, as
        Odoo's FEC export (l10n_fr_account) gives it: on receivable and
        payable accounts only, the partner's reference (``|`` as ``/``), else
        its id."""
        partner = line.partner_id
        if not partner or line.account_id.account_type not in ("asset_receivable", "liability_payable"):
            return "", ""
        return (partner.ref or "").replace("|", "/") or str(partner.id), partner.name or ""

    @api.model
    def _rows(self, company, date_from, date_to, counts, id_batches=None):
        """One row per journal item, read a batch at a time, in the order of
        ``_columns``; ``counts`` gets the numbers of entries and items on the
        way. Text is on one line: a label typed with line breaks would split
        an item over several rows in the accountant's import."""
        MoveLine = self.env["account.move.line"].sudo().with_company(company)
        fnames = [
            "journal_id",
            "move_id",
            "move_name",
            "date",
            "account_id",
            "partner_id",
            "name",
            "debit",
            "credit",
            "date_maturity",
            "full_reconcile_id",
            "currency_id",
            "amount_currency",
        ]
        last_move = counts.get("last_move")
        if id_batches is None:
            id_batches = self._line_ids_batches(company, date_from, date_to)
        for ids in id_batches:
            lines = MoveLine.browse(ids)
            lines.fetch(fnames)
            for line in lines:
                move = line.move_id
                if move.id != last_move:
                    counts["moves"] += 1
                    last_move = counts["last_move"] = move.id
                counts["lines"] += 1
                aux_num, aux_name = self._auxiliary(line)
                reconcile = line.full_reconcile_id
                yield [
                    one_line(line.journal_id.code),
                    one_line(line.journal_id.name),
                    one_line(line.move_name),
                    line.date,
                    line.account_id.code or "",
                    one_line(line.account_id.name),
                    one_line(aux_num),
                    one_line(aux_name),
                    one_line(move.ref) or one_line(line.move_name),
                    move.invoice_date or move.date,
                    one_line(line.name) or "/",
                    line.debit,
                    line.credit,
                    line.date_maturity or None,
                    str(reconcile.id) if reconcile else "",
                    reconcile.create_date.date() if reconcile else None,
                    line.amount_currency if line.amount_currency else None,
                    line.currency_id.name if line.amount_currency else "",
                ]
            # Nothing of a batch stays in memory once written.
            self.env.invalidate_all()

    # ------------------------------------------------------------------
    # Writing the files
    # ------------------------------------------------------------------

    @api.model
    def _base_name(self, company, date_from, date_to):
        base_name = f"{company.name}-{fields.Date.to_string(date_from)}-{fields.Date.to_string(date_to)}"
        return "".join(char if char.isalnum() or char in "-_" else "_" for char in base_name)

    @api.model
    def _export(self, company, date_from, date_to, file_format):
        base_name = self._base_name(company, date_from, date_to)
        if file_format == "fec":
            return self._export_fec(company, date_from, date_to)
        if file_format == "xlsx":
            return self._export_xlsx(company, date_from, date_to, base_name)
        return self._export_csv(company, date_from, date_to, base_name)

    @api.model
    def _finish(self, file, file_name, mimetype, counts):
        """Hash the written ``file`` by chunks and rewind it for the download."""
        digest = hashlib.sha256()
        file.seek(0)
        for chunk in iter(lambda: file.read(HASH_CHUNK), b""):
            digest.update(chunk)
        size = file.tell()
        file.seek(0)
        return AccountantExport(
            file, file_name, mimetype, size, digest.hexdigest(), counts["moves"], counts["lines"]
        )

    @api.model
    def _export_csv(self, company, date_from, date_to, base_name):
        counts = {"moves": 0, "lines": 0}
        kinds = [kind for _name, kind in self._columns()]
        file = tempfile.TemporaryFile()
        # Excel opens UTF-8 with its BOM; rows are written as they are read.
        text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="", write_through=True)
        writer = csv.writer(text, delimiter=CSV_DELIMITER, lineterminator="\r\n")
        writer.writerow([name for name, _kind in self._columns()])
        for row in self._rows(company, date_from, date_to, counts):
            writer.writerow([self._csv_cell(kind, cell) for kind, cell in zip(kinds, row, strict=True)])
        text.flush()
        text.detach()
        return self._finish(file, f"{base_name}.csv", "text/csv;charset=utf-8", counts)

    @api.model
    def _export_csv_chunk(self, company, date_from, date_to, path, state, max_items):
        """Append the next journal items of the period (at least ``max_items``
        unless the period ends) to the CSV at ``path``, for an export written
        over several transactions. ``state`` (``last_key``, ``size``,
        ``lines``, ``moves``) says where the previous chunk stopped and is
        updated; the file is first cut back to ``size``: rows written by a
        chunk whose transaction did not commit are written again, once.

        :return: True once the period is written
        """
        kinds = [kind for _name, kind in self._columns()]
        mode = "r+b" if state["size"] and os.path.exists(path) else "w+b"
        with open(path, mode) as file:
            if mode == "w+b":
                state.update(size=0, lines=0, moves=0, last_key=False)
            file.truncate(state["size"])
            file.seek(state["size"])
            text = io.TextIOWrapper(file, encoding="utf-8", newline="", write_through=True)
            writer = csv.writer(text, delimiter=CSV_DELIMITER, lineterminator="\r\n")
            if not state["size"]:
                text.write("\ufeff")
                writer.writerow([name for name, _kind in self._columns()])
            after_key = json.loads(state["last_key"]) if state["last_key"] else None
            if after_key:
                after_key[0] = fields.Date.to_date(after_key[0])
            counts = {
                "moves": state["moves"],
                "lines": state["lines"],
                "last_move": after_key and after_key[1],
            }
            written = 0
            finished = True
            for rows in self._line_key_batches(company, date_from, date_to, after_key):
                ids = [row[0] for row in rows]
                for row in self._rows(company, date_from, date_to, counts, [ids]):
                    writer.writerow(
                        [self._csv_cell(kind, cell) for kind, cell in zip(kinds, row, strict=True)]
                    )
                last_id, last_date, last_move = rows[-1]
                after_key = [fields.Date.to_string(last_date), last_move, last_id]
                written += len(rows)
                if written >= max_items:
                    finished = False
                    break
            text.flush()
            size = file.tell()
            text.detach()
        state.update(size=size, lines=counts["lines"], moves=counts["moves"], last_key=json.dumps(after_key))
        # Stopped exactly at the end of the period: the next chunk finds
        # nothing left and only finishes.
        return finished

    @api.model
    def _open_csv_part(self, company, date_from, date_to, path, state):
        """The complete CSV at ``path``, open for reading, hashed."""
        file = open(path, "rb")
        return self._finish(
            file,
            f"{self._base_name(company, date_from, date_to)}.csv",
            "text/csv;charset=utf-8",
            {"moves": state["moves"], "lines": state["lines"]},
        )

    @api.model
    def _csv_cell(self, kind, value):
        if value is None or value is False:
            return ""
        if kind == "amount":
            # A number, never quoted: a negative amount must stay one.
            return french_amount(value)
        if kind == "date":
            return value.strftime(CSV_DATE_FORMAT)
        return spreadsheet_text(value)

    @api.model
    def _export_xlsx(self, company, date_from, date_to, base_name):
        counts = {"moves": 0, "lines": 0}
        handle, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(handle)
        try:
            # constant_memory: each row goes to disk as soon as the next starts.
            # Text is written as text, never as a formula or a link, whatever a
            # customer or a user typed (names and labels start with "=" too).
            workbook = xlsxwriter.Workbook(
                path,
                {
                    "constant_memory": True,
                    "tmpdir": tempfile.gettempdir(),
                    "strings_to_formulas": False,
                    "strings_to_urls": False,
                },
            )
            sheet = workbook.add_worksheet(self.env._("Journal Items"))
            bold = workbook.add_format({"bold": True})
            amount = workbook.add_format({"num_format": "#,##0.00"})
            date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
            kinds = [kind for _name, kind in self._columns()]
            for column, (title, _kind) in enumerate(self._columns()):
                sheet.write_string(0, column, title, bold)
            for index, row in enumerate(self._rows(company, date_from, date_to, counts), start=1):
                for column, (kind, cell) in enumerate(zip(kinds, row, strict=True)):
                    if cell is None:
                        continue
                    if kind == "amount":
                        sheet.write_number(index, column, cell, amount)
                    elif kind == "date":
                        sheet.write_datetime(index, column, fields.Datetime.to_datetime(cell), date_format)
                    else:
                        sheet.write_string(index, column, cell)
            workbook.close()
            file = open(path, "rb")
        finally:
            # The open file stays readable until closed; nothing is left behind.
            os.unlink(path)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return self._finish(file, f"{base_name}.xlsx", mimetype, counts)

    @api.model
    def _fec_wizard(self, company, date_from, date_to):
        """Odoo's FEC wizard for the period: official (posted entries only), as
        a test file so that the download never sets the fiscal year lock date
        (the wizard locks the books up to the end of the period otherwise)."""
        Wizard = (
            self.env[FEC_WIZARD].sudo().with_company(company).with_context(allowed_company_ids=company.ids)
        )
        return Wizard.create(
            {"date_from": date_from, "date_to": date_to, "export_type": "official", "test_file": True}
        )

    @api.model
    def _fec_counts(self, company, date_from, date_to):
        [[moves, lines]] = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("parent_state", "=", "posted"),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                ],
                aggregates=["move_id:count_distinct", "__count"],
            )
        )
        return {"moves": moves, "lines": lines}

    @api.model
    def _export_fec(self, company, date_from, date_to):
        """Odoo's own FEC, from its wizard, in one go (a download inside the
        request: its period is capped)."""
        result = self._fec_wizard(company, date_from, date_to).generate_fec()
        file = tempfile.TemporaryFile()
        file.write(result["file_content"])
        return self._finish(
            file, result["file_name"], "text/csv;charset=utf-8", self._fec_counts(company, date_from, date_to)
        )

    @api.model
    def _export_fec_chunk(self, company, date_from, date_to, path, state):
        """Append the next month of Odoo's FEC of the period to ``path``: the
        wizard's file of one month holds in memory, never the whole period.

        The wizard writes its header, then the opening balances at the
        start of the period asked, then the journal items by date. The first
        month is kept whole (its opening balances are the period's); from the
        second on, only its journal items are appended (the rows after the
        header and opening rows, counted by the wizard's own domain), so that
        the merged file is the wizard's file of the whole period. ``state``
        (``last_key``: the next month, ``size``) is updated as for the CSV.

        :return: True once the period is written
        """
        restart = not (state["size"] and os.path.exists(path))
        if restart:
            state.update(size=0, last_key=False)
        start = fields.Date.to_date(state["last_key"]) if state["last_key"] else date_from
        end = min(date_utils.end_of(start, "month"), date_to)
        wizard = self._fec_wizard(company, start, end)
        content = wizard.generate_fec()["file_content"]
        with open(path, "w+b" if restart else "r+b") as file:
            file.truncate(state["size"])
            file.seek(state["size"])
            if not state["size"]:
                file.write(content)
            else:
                items = wizard.env["account.move.line"].search_count(
                    [*wizard._get_base_domain(), ("date", ">=", start), ("date", "<=", end)]
                )
                rows = list(csv.reader(io.StringIO(content.decode(), newline=""), delimiter="|"))
                if items:
                    text = io.StringIO()
                    csv.writer(text, delimiter="|", lineterminator="\r\n").writerows(
                        rows[len(rows) - items :]
                    )
                    # The wizard's file ends without a line break: so does each month's.
                    file.write(b"\r\n" + text.getvalue()[:-2].encode())
            state["size"] = file.tell()
        next_month = end + relativedelta(days=1)
        state["last_key"] = fields.Date.to_string(next_month)
        return next_month > date_to

    @api.model
    def _open_fec_part(self, company, date_from, date_to, path):
        """The complete FEC at ``path``, open for reading, hashed, named as the
        wizard names the file of the whole period."""
        wizard = self._fec_wizard(company, date_from, date_to)
        file_name = f"{wizard._get_company_legal_data(company)}FEC{date_to.strftime('%Y%m%d')}.csv"
        file = open(path, "rb")  # closed by whoever sends or keeps it
        return self._finish(
            file, file_name, "text/csv;charset=utf-8", self._fec_counts(company, date_from, date_to)
        )
