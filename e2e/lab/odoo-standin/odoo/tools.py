# `odoo.tools.config`: the running server's options, filled at start-up (as Odoo's own is).
config = {}
