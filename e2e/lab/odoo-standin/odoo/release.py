import os

version = os.environ.get('STANDIN_ODOO_VERSION', '17.0')
serie = version
_major, _minor = (version.split('.') + ['0'])[:2]
version_info = (int(_major), int(_minor), 0, 'final', 0, '')
major_version = int(_major)
