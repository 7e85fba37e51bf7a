# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The French e-invoicing lifecycle (statuts de cycle de vie, flux 6 of the
external specifications of the 2026-2027 reform), as the workflow uses it.

The codes and their names are the specification's: they are French in every
language, as the platforms and the tax administration name them.
"""

LIFECYCLE_CODES = [
    ("200", "200 Déposée"),
    ("201", "201 Émise par la plateforme"),
    ("202", "202 Reçue par la plateforme"),
    ("203", "203 Mise à disposition"),
    ("204", "204 Prise en charge"),
    ("205", "205 Approuvée"),
    ("206", "206 Approuvée partiellement"),
    ("207", "207 En litige"),
    ("208", "208 Suspendue"),
    ("209", "209 Complétée"),
    ("210", "210 Refusée"),
    ("211", "211 Paiement transmis"),
    ("212", "212 Encaissée"),
    ("213", "213 Rejetée"),
    ("220", "220 Annulée"),
]

LIFECYCLE_SIDES = [("customer", "Customer invoices"), ("vendor", "Vendor bills")]
LIFECYCLE_SET_BY = [("platform", "A platform"), ("buyer", "The buyer"), ("seller", "The seller")]

# Who sets each code (the specification's table).
CODE_SET_BY = {
    "200": "platform",
    "201": "platform",
    "202": "platform",
    "203": "platform",
    "204": "buyer",
    "205": "buyer",
    "206": "buyer",
    "207": "buyer",
    "208": "buyer",
    "209": "seller",
    "210": "buyer",
    "211": "buyer",
    "212": "seller",
    "213": "platform",
    "220": "seller",
}

# The party the company is on each side: what it sets itself there.
OWN_PARTY = {"customer": "seller", "vendor": "buyer"}

# Entering these needs a reason code of the status's list (BR-FR-CDV-CL-09).
REASON_REQUIRED_CODES = ("206", "207", "208", "210", "213")
# Nothing leaves these: a corrected invoice is a new document.
FINAL_CODES = ("210", "213")
# 209 (Complétée) answers a suspension only.
COMPLETED_CODE = "209"
SUSPENDED_CODE = "208"
# The accounting meaning of a code's status (the others are In progress):
# Encaissée needs a paid document, Annulée cancels it.
CODE_GROUP = {"212": "paid", "220": "cancelled"}
# Statuses that hold payments when the lifecycle is loaded: En litige, Suspendue.
HOLD_PAYMENT_CODES = ("207", "208")
# The vendor-side decisions, available to the group the administrator chooses.
VENDOR_DECISION_CODES = ("205", "206", "207", "208", "210")
# Time limit of Suspendue: the responsible gets an activity after it.
SUSPENDED_TIME_LIMIT_HOURS = 72.0

# The transitions of the specification, code to codes. "in_progress" and
# "paid" stand for the addon's automatic statuses of those groups, where a
# posted (or paid) document starts. A code missing on a side is skipped.
_DECISIONS = ("204", "205", "206", "207", "208", "210", "211")
LIFECYCLE_TRANSITIONS = {
    "in_progress": ("200", "201", "202", "203", *_DECISIONS, "213", "220"),
    "paid": ("212",),
    "200": ("201", "202", "203", *_DECISIONS, "213", "220"),
    "201": ("202", "203", *_DECISIONS, "213", "220"),
    "202": ("203", *_DECISIONS, "213", "220"),
    "203": (*_DECISIONS, "220"),
    "204": ("205", "206", "207", "208", "210", "211", "220"),
    "205": ("207", "208", "211", "220"),
    "206": ("205", "207", "208", "211", "220"),
    "207": ("205", "206", "208", "210", "211", "220"),
    "208": ("209", "210", "220"),
    "209": ("204", "205", "206", "207", "208", "210", "211", "220"),
    "210": (),
    "211": ("212",),
    "212": (),
    "213": (),
    "220": (),
}


def is_set_from_outside(side, set_by):
    """Whether a status of ``side`` set by ``set_by`` comes from a platform or
    the other party (received, never set by hand here)."""
    if not set_by:
        return False
    if set_by == "platform":
        return True
    return bool(side) and set_by != OWN_PARTY[side]
