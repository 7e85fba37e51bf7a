# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, models

from ..common import OWNER_GROUP


def _owners(env):
    # The group does not exist yet while the addon installs.
    group = env.ref(OWNER_GROUP, raise_if_not_found=False)
    return group.sudo().with_context(active_test=False).users if group else env["res.users"]


def _log_owner_changes(env, before):
    """Log who became and who stopped being account owner since ``before``."""
    after = _owners(env)
    Log = env["invoice.activity.log"]
    for user in after - before:
        name = f"{user.name} ({user.login})"
        for company in user.sudo().company_ids:
            Log._log_action(
                company,
                "owner_granted",
                lambda lang_env, name=name: lang_env._("Account owner rights granted to %(user)s", user=name),
            )
            _tell_owners(env, company, name, before)
    for user in before - after:
        name = f"{user.name} ({user.login})"
        for company in user.sudo().company_ids:
            Log._log_action(
                company,
                "owner_revoked",
                lambda lang_env, name=name: lang_env._(
                    "Account owner rights revoked from %(user)s", user=name
                ),
            )


def _tell_owners(env, company, name, owners):
    """E-mail the account owners of ``company`` that ``name`` became one, as a
    bank tells an account holder of a new signatory: a grant they did not
    make is theirs to question."""
    recipients = owners.filtered(lambda owner: owner.active and owner.email and company in owner.company_ids)
    # One e-mail per language, each owner reading it in their own.
    by_lang = {}
    for owner in recipients:
        by_lang.setdefault(owner.lang or company.partner_id.lang or env.lang, []).append(owner)
    author = env.user.name
    for lang, readers in by_lang.items():
        lang_env = env(context=dict(env.context, lang=lang))
        text = lang_env._(
            "%(user)s was granted the account owner rights of %(company)s by %(author)s: from now on, they "
            "read and verify the activity history. If you did not expect it, check the users' groups.",
            user=name,
            company=company.name,
            author=author,
        )
        lang_env["mail.mail"].sudo().create(
            {
                "subject": lang_env._("%(company)s: a new account owner", company=company.name),
                "body_html": Markup("<p>%s</p>") % text,
                "email_to": ",".join(owner.email_formatted for owner in readers),
                "email_from": company.partner_id.email_formatted
                or lang_env["ir.mail_server"].sudo()._get_default_from_address(),
                "auto_delete": False,
            }
        )


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        before = _owners(self.env)
        users = super().create(vals_list)
        _log_owner_changes(self.env, before)
        return users

    def write(self, vals):
        # Groups arrive as groups_id or as the form's reified group fields.
        if not any(key == "groups_id" or key.startswith(("in_group_", "sel_groups_")) for key in vals):
            return super().write(vals)
        before = _owners(self.env)
        result = super().write(vals)
        _log_owner_changes(self.env, before)
        return result
