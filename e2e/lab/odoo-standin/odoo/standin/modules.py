# Addons as Odoo reads them: every directory with a __manifest__.py in the addons paths; an addon
# whose dependency is missing is skipped with a warning (silently disabled, Odoo's classic trap);
# loaded addons are imported, and an import error stops start-up.
import ast
import importlib
import logging
import os

import odoo.addons

_logger = logging.getLogger('odoo.modules.loading')
CORE = os.path.dirname(odoo.addons.__file__)


def read_manifests(paths):
    found = {}
    for path in [CORE] + list(paths):
        if not os.path.isdir(path):
            _logger.warning('addons path %s does not exist, ignored', path)
            continue
        for name in sorted(os.listdir(path)):
            manifest = os.path.join(path, name, '__manifest__.py')
            if name in found or not os.path.isfile(manifest):
                continue
            with open(manifest) as f:
                data = ast.literal_eval(f.read())
            if data.get('installable', True):
                data['_path'] = os.path.join(path, name)
                found[name] = data
    return found


def resolve(manifests):
    """Addons whose dependencies (transitively) exist; the rest skipped with Odoo's warning."""
    ok = {}
    pending = dict(manifests)
    changed = True
    while changed:
        changed = False
        for name, m in list(pending.items()):
            deps = m.get('depends', [])
            if all(d in ok for d in deps):
                ok[name] = m
                del pending[name]
                changed = True
    for name, m in pending.items():
        missing = [d for d in m.get('depends', []) if d not in manifests]
        _logger.warning('module %s: some depends are not loaded, ignored: %s', name, ', '.join(missing or [d for d in m.get('depends', []) if d not in ok]))
    return ok


def import_addons(loaded, paths):
    for p in paths:
        if p not in odoo.addons.__path__:
            odoo.addons.__path__.append(p)
    for name in loaded:
        importlib.import_module('odoo.addons.' + name)


def full_version(manifest):
    v = str(manifest.get('version', '1.0'))
    serie = odoo.release.serie
    return v if v.startswith(serie + '.') else '%s.%s' % (serie, v)
