# The stand-in's `odoo` package: just enough of the real one for addons (`from odoo import http`)
# and for the server in odoo.standin. Not Odoo; see ../README.md.
from . import release  # noqa: F401
from .release import version_info  # noqa: F401
