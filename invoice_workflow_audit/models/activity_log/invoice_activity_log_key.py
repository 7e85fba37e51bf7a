# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The signing key of the activity history: a file the database does not hold.

Whoever can rewrite the history's rows can read every table, attachment and
parameter of the database: a proof keyed with anything stored there proves
nothing against them. The Ed25519 private key therefore lives in a file of the
server (``<data_dir>/invoice_workflow_audit/<database>/signing_key.pem``, or
the path of the server option ``invoice_audit_key_file``; ``{database}`` in it
stands for the database name), readable by the server's user only. The
database keeps the public keys only, with the dates each one signed.

From the private key come two things: the signature of seals (Ed25519, which
anyone checks with the public key) and the key of the rows' MACs (HMAC-SHA256,
checked by the sealer and Verify, which hold the file).
"""

import hashlib
import hmac
import logging
import os
import threading

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

KEY_FILE_OPTION = "invoice_audit_key_file"
KEY_FILE_NAME = "signing_key.pem"
# The rows' MAC key is derived from the private key for this purpose only, so
# that a MAC never doubles as anything else made with the key.
MAC_KEY_LABEL = b"invoice_workflow_audit row-mac v1"

# Process memory: {path: ((inode, mtime), SigningKey)}. The key is read at
# every commit that writes history rows; a file replaced (rotation by another
# worker) has another inode or mtime and is read again.
_cache = {}
_cache_lock = threading.Lock()


class SigningKey:
    """A private key read from its file, with what is derived from it."""

    __slots__ = ("key_id", "mac_key", "private_key", "public_pem", "public_raw")

    def __init__(self, private_key):
        self.private_key = private_key
        public = private_key.public_key()
        self.public_raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public_pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        self.key_id = key_id_of(self.public_raw)
        raw = private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        self.mac_key = hmac.digest(raw, MAC_KEY_LABEL, "sha256")

    def mac(self, canonical):
        return hmac.digest(self.mac_key, canonical.encode(), "sha256").hex()

    def sign(self, payload):
        return self.private_key.sign(payload)


def key_id_of(public_raw):
    """The id of a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def load_public_key(pem):
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_path(dbname):
    """Where the private key of database ``dbname`` is expected."""
    configured = tools.config.get(KEY_FILE_OPTION)
    if configured:
        return os.path.abspath(os.path.expanduser(configured.replace("{database}", dbname)))
    return os.path.join(tools.config["data_dir"], "invoice_workflow_audit", dbname, KEY_FILE_NAME)


def retired_key_path(path, key_id):
    """Where a retired key is kept, beside the current one: it still checks
    the MACs of the rows it protected."""
    stem, ext = os.path.splitext(path)
    return f"{stem}.{key_id}{ext or '.pem'}"


def read_key(path):
    """The key of the file ``path`` (cached while the file is the same), or None."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    stamp = (stat.st_ino, stat.st_mtime_ns)
    cached = _cache.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    with open(path, "rb") as file:
        private_key = serialization.load_pem_private_key(file.read(), password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        # Said to the server administrator, in the log and the error alike:
        # no environment (and so no language) at this level.
        raise UserError(f"{path} does not hold an Ed25519 private key.")  # pylint: disable=translation-required
    key = SigningKey(private_key)
    with _cache_lock:
        _cache[path] = (stamp, key)
    return key


def write_new_key(path):
    """Make a new key pair and write its private key at ``path`` (mode 0600);
    a key already there is kept beside it under its key id. Returns the key."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    private_key = Ed25519PrivateKey.generate()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    temporary = f"{path}.new"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
        file.flush()
        os.fsync(file.fileno())
    old = read_key(path)
    if old:
        os.replace(path, retired_key_path(path, old.key_id))
    os.replace(temporary, path)
    return read_key(path)


class InvoiceActivityLogKey(models.Model):
    """A public key of the history's signing keys, and when it signed.

    The current key is the one without an end date. A new key (rotation)
    signs from then on; the old ones stay here, with the seals they signed
    (``seal_ids``: the range of the chain each one covers), and those seals
    stay valid.
    """

    _name = "invoice.activity.log.key"
    _inherit = ["invoice.append.only.mixin"]
    _description = "Activity History Signing Key"
    _order = "date_start desc, id desc"
    _rec_name = "key_id"

    key_id = fields.Char(string="Key ID", required=True, readonly=True, index=True)
    public_key = fields.Text(required=True, readonly=True)
    date_start = fields.Datetime(string="Signs From", required=True, readonly=True)
    date_end = fields.Datetime(string="Signed Until", readonly=True)
    seal_ids = fields.One2many("invoice.activity.log.seal", "signing_key_id", readonly=True)
    chain_range = fields.Char(compute="_compute_chain_range", help="The positions of the chain it sealed.")

    _sql_constraints = [("key_id_unique", "UNIQUE(key_id)", "A key is registered once.")]

    def _compute_chain_range(self):
        groups = (
            self.env["invoice.activity.log.seal"]
            .sudo()
            ._read_group(
                [("signing_key_id", "in", self.ids)],
                ["signing_key_id", "company_id"],
                ["position:min", "position:max"],
            )
        )
        ranges = {}
        for key, company, first, last in groups:
            ranges.setdefault(key, []).append(
                self.env._("%(company)s: %(first)s to %(last)s", company=company.name, first=first, last=last)
            )
        for key in self:
            key.chain_range = "; ".join(ranges.get(key, []))

    # ------------------------------------------------------------------
    # The key of this database
    # ------------------------------------------------------------------

    @api.model
    def _key_path(self):
        return key_path(self.env.cr.dbname)

    @api.model
    def _current_key(self):
        """The private key of this database, or None when its file is missing.
        Cheap (a stat): called at every commit that writes history rows."""
        return read_key(self._key_path())

    @api.model
    def _key_by_id(self, key_id):
        """The private key of id ``key_id`` (current or retired), or None."""
        path = self._key_path()
        key = read_key(path)
        if key and key.key_id == key_id:
            return key
        key = read_key(retired_key_path(path, key_id))
        return key if key and key.key_id == key_id else None

    @api.model
    def _require_key(self):
        """The private key, or a UserError saying plainly where it is expected."""
        key = self._current_key()
        if not key:
            raise UserError(self._missing_key_message())
        self._register_key(key)
        return key

    @api.model
    def _missing_key_message(self):
        return self.env._(
            "The signing key of the activity history is missing: it is expected in the file %(path)s "
            "on the server. Rows are still recorded, but they cannot be sealed or verified until the "
            "file is restored (from the server's backup), or the account owner makes a new key.",
            path=self._key_path(),
        )

    @api.model
    def _ensure_key(self):
        """At install and upgrade, and for a database that never had a key:
        make the key pair. A registered key whose file is gone is NOT
        replaced silently (that is the owner's decision: ``_rotate``)."""
        key = self._current_key()
        if not key and not self.sudo().search_count([]):
            key = write_new_key(self._key_path())
            _logger.info("Activity history: new signing key %s in %s", key.key_id, self._key_path())
        if key:
            self._register_key(key)
        return key

    @api.model
    def _register_key(self, key):
        """Record the public key of ``key`` as the current one (once)."""
        cr = self.env.cr
        cr.execute(
            SQL("SELECT 1 FROM invoice_activity_log_key WHERE key_id = %s AND date_end IS NULL", key.key_id)
        )
        if cr.fetchone():
            return
        now = fields.Datetime.now()
        cr.execute(SQL("UPDATE invoice_activity_log_key SET date_end = %s WHERE date_end IS NULL", now))
        cr.execute(
            SQL(
                "INSERT INTO invoice_activity_log_key (key_id, public_key, date_start)"
                " VALUES (%s, %s, %s) ON CONFLICT (key_id) DO UPDATE SET date_end = NULL",
                key.key_id,
                key.public_pem,
                now,
            )
        )
        self.invalidate_model()

    @api.model
    def _rotate(self):
        """A new key pair: it signs from now on, the old one is kept (its file
        beside the new one, its public key here) and its seals stay valid."""
        key = write_new_key(self._key_path())
        self._register_key(key)
        _logger.info("Activity history: signing key rotated, new key %s", key.key_id)
        return key

    @api.model
    def _public_keys(self):
        """{key id: Ed25519PublicKey} of every key this database signed with.
        A key whose private file is held is taken from the file, not from the
        table (which whoever writes the database could change)."""
        keys = {}
        # One key per rotation: a handful of rows.
        for record in self.sudo().search([]):  # pylint: disable=no-search-all
            held = self._key_by_id(record.key_id)
            keys[record.key_id] = (
                held.private_key.public_key() if held else load_public_key(record.public_key)
            )
        current = self._current_key()
        if current:
            keys[current.key_id] = current.private_key.public_key()
        return keys
