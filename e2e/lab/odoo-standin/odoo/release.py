import os

# The official image sets ODOO_VERSION; tests pick another version with STANDIN_ODOO_VERSION.
version = os.environ.get('STANDIN_ODOO_VERSION') or os.environ.get('ODOO_VERSION') or '17.0'
serie = version
_major, _minor = (version.split('.') + ['0'])[:2]
version_info = (int(_major), int(_minor), 0, 'final', 0, '')
major_version = int(_major)
