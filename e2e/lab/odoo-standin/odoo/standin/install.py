# -i / -u: install or update modules in the database, recording name, version and state in
# ir_module_module (as Odoo does), dependencies first; a newly installed module's post_init_hook runs. Unknown names are ignored with Odoo's warning.
import importlib
import logging

from . import db
from .modules import full_version

_logger = logging.getLogger('odoo.modules.loading')


class Env:
    """What a post_init_hook receives (Odoo passes an Environment; hooks here only use env.cr)."""

    def __init__(self, cr):
        self.cr = cr


def closure(names, loaded):
    out = []

    def visit(n):
        if n in out:
            return
        for d in loaded[n].get('depends', []):
            visit(d)
        out.append(n)
    for n in names:
        visit(n)
    return out


def run(conf, loaded, to_init, to_update):
    dbname = str(conf['db_name']).split(',')[0]
    wanted = [n for n in to_init + to_update if n != 'all']
    unknown = [n for n in wanted if n not in loaded]
    if unknown:
        _logger.warning('invalid module names, ignored: %s', ', '.join(unknown))
    if to_init:
        db.create_database(conf, dbname)
    with db.connect(conf, dbname) as c, c.cursor() as cr:
        cr.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'ir_module_module'")
        fresh = cr.fetchone() is None
        if fresh and not to_init:
            raise SystemExit('database %s is not initialized, run with -i base first' % dbname)
        db.init_schema(cr)
        cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed'")
        installed = {r[0] for r in cr.fetchall()}
        init = closure(['base'] + [n for n in to_init if n in loaded], loaded) if to_init else []
        if 'all' in to_update:
            update = sorted(installed)
        else:
            update = [n for n in to_update if n in loaded and n in installed]
            ignored = [n for n in to_update if n in loaded and n not in installed]
            if ignored:
                _logger.warning('module(s) not installed, -u ignored: %s', ', '.join(ignored))
        for name in init + [n for n in update if n not in init]:
            version = full_version(loaded[name])
            action = 'updating' if name in installed else 'installing'
            _logger.info('%s module %s %s', action, name, version)
            cr.execute('''INSERT INTO ir_module_module (name, latest_version, state, write_date) VALUES (%s, %s, 'installed', now())
                          ON CONFLICT (name) DO UPDATE SET latest_version = EXCLUDED.latest_version, state = 'installed', write_date = now()''', (name, version))
            hook = loaded[name].get('post_init_hook')
            if hook and action == 'installing':
                getattr(importlib.import_module('odoo.addons.' + name), hook)(Env(cr))
    _logger.info('Modules loaded.')
