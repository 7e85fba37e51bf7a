# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Invoice Workflow & Audit",
    "summary": "Invoice statuses with transition rules, full document tracking, "
    "an owner-only activity history and recurring invoices that never fail silently",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/invoice-workflow-audit/invoice_workflow_audit",
    "author": "Invoice Workflow Audit contributors",
    "license": "LGPL-3",
    "depends": ["account", "portal", "mail"],
    "data": [
        "security/invoice_workflow_audit_groups.xml",
        "security/ir.model.access.csv",
        "security/ir_rules.xml",
        "data/mail_message_subtype_data.xml",
        "data/invoice_workflow_status_data.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "data/invoice_recurrence_data.xml",
        "views/invoice_workflow_status_views.xml",
        "wizards/invoice_workflow_status_change_views.xml",
        "views/account_move_views.xml",
        "views/invoice_activity_log_views.xml",
        "views/invoice_recurrence_views.xml",
        "views/account_move_recurrence_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
        "views/res_company_views.xml",
        "views/account_move_accountant_views.xml",
        "views/invoice_activity_log_accountant_views.xml",
        "views/accountant_portal_templates.xml",
        "report/accountant_guide_report.xml",
    ],
    "demo": [
        "demo/invoice_workflow_status_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "invoice_workflow_audit/static/src/components/**/*",
            "invoice_workflow_audit/static/src/scss/*.scss",
        ],
        "web.assets_tests": [
            "invoice_workflow_audit/static/src/js/tours/*.js",
        ],
    },
    "post_init_hook": "post_init_hook",
}
