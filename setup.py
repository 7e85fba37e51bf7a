"""Package the addon as OCA's wheels do: importable as odoo.addons.invoice_workflow_audit.

``pip install .`` puts the addon in site-packages under odoo/addons, where Odoo
finds it without any change to its addons path.
"""

import ast
import pathlib

from setuptools import setup

ADDON = "invoice_workflow_audit"
HERE = pathlib.Path(__file__).parent
MANIFEST = ast.literal_eval((HERE / ADDON / "__manifest__.py").read_text())
ODOO_CORE_ADDONS = {"account", "portal", "mail", "base", "web"}


def install_requires():
    # Odoo 18.0 itself, plus the wheel of every non-core addon this one depends on.
    requires = ["odoo>=18.0a,<18.1dev"]
    requires += [
        f"odoo-addon-{dep.replace('_', '-')}>=18.0dev,<18.1dev"
        for dep in MANIFEST["depends"]
        if dep not in ODOO_CORE_ADDONS
    ]
    return requires


setup(
    name=f"odoo-addon-{ADDON.replace('_', '-')}",
    version=MANIFEST["version"],
    description=MANIFEST["summary"],
    long_description=(HERE / "README.rst").read_text(encoding="utf-8"),
    long_description_content_type="text/x-rst",
    author=MANIFEST["author"],
    url=MANIFEST["website"],
    license="LGPL-3",
    packages=[f"odoo.addons.{ADDON}"],
    package_dir={f"odoo.addons.{ADDON}": ADDON},
    include_package_data=True,
    package_data={f"odoo.addons.{ADDON}": ["**/*"]},
    exclude_package_data={f"odoo.addons.{ADDON}": ["**/__pycache__/*", "**/*.pyc"]},
    install_requires=install_requires(),
    python_requires=">=3.10",
    classifiers=[
        "Programming Language :: Python",
        "Framework :: Odoo",
        "Framework :: Odoo :: 18.0",
        "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
    ],
    zip_safe=False,
)
