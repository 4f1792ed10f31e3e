# -i / -u: install or update modules in the database, recording name, version and state in
# ir_module_module (as Odoo does), dependencies first, marked 'to install'/'to upgrade' first and
# committed one module at a time (loading.py); a newly installed module's post_init_hook runs. Unknown names are ignored with Odoo's warning.
import importlib
import logging

import odoo.release

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


def demo_asked(conf, to_init, fresh):
    """The modules this run loads demo data for (tools.config['demo']), as odoo/tools/config.py and
    odoo/modules/loading.py load_modules() decide it: the -i list, and 'all' when the database is
    being initialised — unless --without-demo (14.0-18.0); 19.0 asks for it with --with-demo."""
    if odoo.release.major_version >= 19:
        wanted = bool(conf.get('with_demo'))
    else:
        wanted = not conf.get('without_demo')
    if not wanted:
        return set()
    return set(to_init) | ({'all'} if fresh else set())


def should_have_demo(name, loaded, asked, dbdemo):
    """odoo/modules/graph.py Node.should_have_demo(): asked for, and every module it depends on has
    demo data (a database created without demo never gets any from a later -i)."""
    if name not in asked and 'all' not in asked:
        return False
    return all(dbdemo.get(dep, False) for dep in loaded[name].get('depends', []))


def load_demo(cr, name):
    """What base's demo data does that matters in production: users with known passwords
    (base/data/res_users_demo.xml: demo/demo, portal/portal)."""
    if name == 'base':
        for login in ('demo', 'portal'):
            cr.execute('INSERT INTO res_users (login, password) VALUES (%s, %s) ON CONFLICT (login) DO NOTHING', (login, db.hash_password(login)))


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
        asked = demo_asked(conf, to_init, fresh)
        cr.execute('SELECT name, demo FROM ir_module_module')
        dbdemo = dict(cr.fetchall())
        todo = init + [n for n in update if n not in init]
        # load_modules STEP 2: mark them (button_install / button_upgrade) and commit, so cron
        # threads skip the database until every module is loaded (_check_modules_state).
        for name in todo:
            cr.execute('''INSERT INTO ir_module_module (name, state) VALUES (%s, 'to install')
                          ON CONFLICT (name) DO UPDATE SET state = CASE WHEN ir_module_module.state = 'installed' THEN 'to upgrade' ELSE 'to install' END''', (name,))
        c.commit()
        for name in todo:
            version = full_version(loaded[name])
            action = 'updating' if name in installed else 'installing'
            _logger.info('%s module %s %s', action, name, version)
            demo = dbdemo.get(name, False)
            if action == 'installing' and should_have_demo(name, loaded, asked, dbdemo):
                _logger.info('Module %s: loading demo', name)
                load_demo(cr, name)
                demo = True
            dbdemo[name] = demo
            cr.execute('''INSERT INTO ir_module_module (name, latest_version, state, demo, write_date) VALUES (%s, %s, 'installed', %s, now())
                          ON CONFLICT (name) DO UPDATE SET latest_version = EXCLUDED.latest_version, state = 'installed', demo = EXCLUDED.demo, write_date = now()''', (name, version, demo))
            hook = loaded[name].get('post_init_hook')
            if hook and action == 'installing':
                getattr(importlib.import_module('odoo.addons.' + name), hook)(Env(cr))
            # load_module_graph commits after each module: a failure later leaves this one done.
            c.commit()
    _logger.info('Modules loaded.')
