#!/usr/bin/env python3
"""Check a seal or a signed closing of the activity history of invoice_workflow_audit, without Odoo.

    python3 verify_seal.py SEAL.json PUBLIC_KEY.pem

Needs only Python 3 and the ``cryptography`` package. The public key is the
one shown to the account owner (Settings > Invoicing > Activity History) and
on the accountant portal (Seals); take it from a copy you keep, not from the
server you are checking. Exit code 0: the seal was signed by that key and
says what it says (company, chain length, last hash, date); 1: it was not;
2: the files cannot be read.

A signed closing (downloaded from a closing of the history) is checked the
same way: it states the period's counts and totals, the perpetual totals and
the chain's head at closing.

A seal says how long the company's history was and the hash of its last
row. To know whether the history still holds it, give the seal to Verify
Integrity in Odoo, or compare its hash with the chain in an archive.
"""

import base64
import binascii
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SEAL_FORMAT = "invoice_workflow_audit.seal/2"
CLOSING_FORMAT = "invoice_workflow_audit.closing/1"


def seal_payload(values):
    """The bytes a seal signs: every field but its signature, as compact JSON
    with sorted keys (the same definition as the addon's seal_payload)."""
    signed = {name: value for name, value in values.items() if name != "signature"}
    return json.dumps(signed, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode()


def key_id_of(public_key):
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def verify(seal_text, public_key_pem):
    """(True, message) when the seal is signed by the key; else (False, why)."""
    try:
        seal = json.loads(seal_text)
    except ValueError:
        return False, "not a seal (not JSON)"
    if not isinstance(seal, dict) or seal.get("format") not in (SEAL_FORMAT, CLOSING_FORMAT):
        fmt = seal.get("format") if isinstance(seal, dict) else None
        if fmt == "invoice_workflow_audit.seal/1":
            return False, "a seal of the old format, signed with the database's own secret: it proves nothing"
        return False, "not a seal of the activity history"
    public_key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(public_key, Ed25519PublicKey):
        return False, "the key is not an Ed25519 public key"
    if seal.get("key_id") != key_id_of(public_key):
        signed_by, given = seal.get("key_id"), key_id_of(public_key)
        return False, f"the seal was signed with key {signed_by}, this key is {given}"
    try:
        public_key.verify(base64.b64decode(seal.get("signature", ""), validate=True), seal_payload(seal))
    except (InvalidSignature, binascii.Error, ValueError):
        return False, "the signature does not match: the seal was edited or not signed by this key"
    if seal["format"] == CLOSING_FORMAT:
        g = seal.get
        return True, (
            f"valid closing of {g('company')} (company {g('company_id')}), {g('period')} "
            f"{g('date_from')} to {g('date_to')}: {g('invoice_count')} invoices and credit notes, "
            f"{g('invoice_total')} {g('currency')}; {g('payment_count')} payments, {g('payment_total')}; "
            f"perpetual {g('perpetual_invoice_total')} invoiced, {g('perpetual_payment_total')} received; "
            f"chain {g('chain_position')} rows, last hash {g('chain_hash')}; closed {g('date')} UTC"
        )
    return True, (
        f"valid seal of {seal.get('company')} (company {seal.get('company_id')}): "
        f"{seal.get('position')} rows, last hash {seal.get('hash')}, sealed {seal.get('date')} UTC"
    )


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as file:
            seal_text = file.read()
        with open(argv[2], "rb") as file:
            public_key_pem = file.read()
        valid, message = verify(seal_text, public_key_pem)
    except (OSError, ValueError) as error:
        print(f"cannot read: {error}", file=sys.stderr)
        return 2
    print(("OK: " if valid else "FAILED: ") + message)
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
