#!/usr/bin/env python3
"""Check an archive of the activity history of invoice_workflow_audit, without Odoo.

    python3 verify.py [DIRECTORY] [--public-key PUBLIC_KEY.pem]

DIRECTORY is where the archive (the ZIP) was extracted; by default the
directory of this script. Needs only Python 3 and the ``cryptography``
package. Checks, in this order, and stops at the first file and row that
does not match (exit code 1; 0 when everything matches; 2 when the archive
cannot be read):

1. manifest.json is signed (Ed25519) by the public key it carries, and by the
   one given with --public-key (a copy kept outside the server) if any;
2. every file listed in manifest.json has the SHA-256 the manifest states;
3. history.jsonl: each row's hash follows from the hash before it and the
   row's fields (the same canonical text and hash rule as the addon), from
   the previous hash the manifest states to its last hash;
4. closings.jsonl and seals.jsonl: each is signed by a public key of
   public_keys.json, and what it states of the chain is in history.jsonl.
"""

import base64
import binascii
import hashlib
import json
import os
import sys
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MANIFEST = "manifest.json"
ARCHIVE_FORMAT = "invoice_workflow_audit.archive/1"

# The fields of a history row covered by its hash, in this order (the addon's
# HASHED_FIELDS), and its canonical text (the addon's canonical_text).
HASHED_FIELDS = (
    "id",
    "date",
    "user_id",
    "ip_address",
    "company_id",
    "action_type",
    "res_model",
    "res_id",
    "document_name",
    "description",
)


class Mismatch(Exception):
    """The first thing in the archive that does not match."""


def canonical_text(values):
    """The canonical text of a row (hash version 2): each field as text
    (empty for NULL, 0, "" and False; the date as ISO 8601 with microseconds),
    prefixed by its length in characters, joined with "|"."""
    parts = []
    for name in HASHED_FIELDS:
        value = values.get(name)
        if not value and value is not True:
            text = ""
        elif name == "date":
            text = parse_date(value).strftime("%Y-%m-%dT%H:%M:%S.%f")
        else:
            text = str(value)
        parts.append(f"{len(text)}:{text}")
    return "|".join(parts)


def link_hash(previous_hash, canonical, altered_before_seal=False):
    """The hash of a version-2 link."""
    payload = f"{previous_hash}{canonical}|{'1' if altered_before_seal else '0'}"
    return hashlib.sha256(payload.encode()).hexdigest()


def link_hash_v1(previous_hash, values):
    """The hash of a version-1 link (made before 18.0.1.2.0)."""
    row = {name: values.get(name) or False for name in HASHED_FIELDS}
    if row["date"]:
        row["date"] = parse_date(row["date"]).strftime("%Y-%m-%d %H:%M:%S")
    payload = json.dumps(row, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + payload).encode()).hexdigest()


def parse_date(value):
    return datetime.fromisoformat(value.replace(" ", "T"))


def signed_payload(values):
    """The bytes a manifest, a closing or a seal signs: every field but its
    signature, as compact JSON with sorted keys."""
    signed = {name: value for name, value in values.items() if name != "signature"}
    return json.dumps(signed, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode()


def key_id_of(public_key):
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(pem):
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def check_signature(values, public_key, where):
    try:
        public_key.verify(base64.b64decode(values["signature"], validate=True), signed_payload(values))
    except (InvalidSignature, KeyError, TypeError, ValueError, binascii.Error) as error:
        raise Mismatch(f"{where}: the signature does not match") from error


def read_jsonl(directory, name):
    """(line number, value) of each line of the JSON Lines file ``name``."""
    with open(os.path.join(directory, name), encoding="utf-8") as file:
        for number, line in enumerate(file, 1):
            try:
                yield number, json.loads(line)
            except ValueError as error:
                raise Mismatch(f"{name}, line {number}: not JSON") from error


def check_manifest(directory, outside_key):
    try:
        with open(os.path.join(directory, MANIFEST), encoding="utf-8") as file:
            manifest = json.load(file)
        public_key = load_public_key(manifest["public_key"])
    except (ValueError, KeyError, TypeError) as error:
        raise Mismatch(f"{MANIFEST}: unreadable ({error})") from error
    if manifest.get("format") != ARCHIVE_FORMAT:
        raise Mismatch(f"{MANIFEST}: not an archive of the activity history")
    if outside_key is not None and key_id_of(outside_key) != key_id_of(public_key):
        raise Mismatch(
            f"{MANIFEST}: signed with key {key_id_of(public_key)}, "
            f"not with the key given ({key_id_of(outside_key)})"
        )
    if manifest.get("key_id") != key_id_of(public_key):
        raise Mismatch(f"{MANIFEST}: the key id does not match its public key")
    check_signature(manifest, public_key, MANIFEST)
    return manifest


def check_digests(directory, manifest):
    for name, entry in sorted(manifest["files"].items()):
        digest = hashlib.sha256()
        try:
            with open(os.path.join(directory, name), "rb") as file:
                for chunk in iter(lambda file=file: file.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError as error:
            raise Mismatch(f"{name}: missing ({error.strerror})") from error
        if digest.hexdigest() != entry["sha256"]:
            raise Mismatch(f"{name}: its SHA-256 is not the one manifest.json states: the file was changed")


def check_chain(directory, manifest):
    """Returns {position: hash} of the rows of history.jsonl."""
    chain = manifest["chain"]
    previous, position, hashes = chain["previous_hash"], chain["first_position"] - 1, {}
    for number, row in read_jsonl(directory, "history.jsonl"):
        where = f"history.jsonl, line {number} (position {row.get('position')}, row #{row.get('id')})"
        position += 1
        if row.get("position") != position:
            raise Mismatch(f"{where}: position {position} was expected: a row is missing")
        if row.get("hash_version") == 1:
            computed = link_hash_v1(previous, row)
        else:
            computed = link_hash(previous, canonical_text(row), row.get("altered_before_seal"))
        if computed != row.get("hash"):
            raise Mismatch(f"{where}: its hash does not follow from the row and the hash before it")
        if row.get("altered_before_seal"):
            print(f"NOTE: {where}: marked altered before its seal by the server (chained as found)")
        hashes[position] = previous = computed
    if position != chain["last_position"] or previous != chain["last_hash"]:
        raise Mismatch(
            f"history.jsonl: ends at position {position}, hash {previous}; manifest.json states "
            f"{chain['last_position']}, {chain['last_hash']}"
        )
    return hashes


def check_signed_lines(directory, name, keys, hashes, position_field, hash_field):
    count = 0
    for number, values in read_jsonl(directory, name):
        where = f"{name}, line {number}"
        public_key = keys.get(values.get("key_id"))
        if not public_key:
            raise Mismatch(f"{where}: signed with key {values.get('key_id')}, not in public_keys.json")
        check_signature(values, public_key, where)
        position = values.get(position_field)
        if position in hashes and hashes[position] != values.get(hash_field):
            raise Mismatch(
                f"{where}: states hash {values.get(hash_field)} at position {position}, "
                f"the chain holds {hashes[position]}"
            )
        count += 1
    return count


def verify(directory, outside_key=None):
    manifest = check_manifest(directory, outside_key)
    check_digests(directory, manifest)
    hashes = check_chain(directory, manifest)
    with open(os.path.join(directory, "public_keys.json"), encoding="utf-8") as file:
        keys = {key_id: load_public_key(pem) for key_id, pem in json.load(file).items()}
    closings = check_signed_lines(directory, "closings.jsonl", keys, hashes, "chain_position", "chain_hash")
    seals = check_signed_lines(directory, "seals.jsonl", keys, hashes, "position", "hash")
    period = manifest["closing"]
    if (period["chain_position"], period["chain_hash"]) != (
        manifest["chain"]["last_position"],
        manifest["chain"]["last_hash"],
    ):
        raise Mismatch(f"{MANIFEST}: the chain does not end at the head the period's closing recorded")
    return (
        f"archive of {manifest['company']} from {manifest['date_from']} to {manifest['date_to']}: "
        f"signature and {len(manifest['files'])} files match; {len(hashes)} history rows chained "
        f"(positions {manifest['chain']['first_position']} to {manifest['chain']['last_position']}), "
        f"{closings} closings, {seals} seals signed by key {manifest['key_id']}"
    )


def main(argv):
    args, outside_key = list(argv[1:]), None
    try:
        if "--public-key" in args:
            index = args.index("--public-key")
            with open(args[index + 1], "rb") as file:
                outside_key = load_public_key(file.read())
            del args[index : index + 2]
        directory = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    except (OSError, ValueError, IndexError) as error:
        print(f"cannot read: {error}", file=sys.stderr)
        return 2
    try:
        message = verify(directory, outside_key)
    except Mismatch as error:
        print(f"FAILED: {error}")
        return 1
    except (OSError, KeyError, TypeError, ValueError) as error:
        print(f"FAILED: the archive cannot be read: {error!r}")
        return 2
    print(f"OK: {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
