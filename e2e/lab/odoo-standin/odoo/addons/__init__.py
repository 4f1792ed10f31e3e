# Core addons live here; extra addons paths are appended to __path__ at start-up, as Odoo does.
