// The one script the build step runs in the image it built (and the pre-flight in a base image): which
// addons the image can load, and whether the addons' external_dependencies are met. One one-off
// container per deploy. argv[1] is JSON `{"deps": [{addon, kind, requirement}, …]}`; the last line
// printed is JSON (./image-facts.ts reads it). Nothing of the user's is ever pasted into the code.
//
// Addons, as Odoo finds them (odoo/modules/module.py, odoo/tools/config.py): `odoo.addons.__path__`
// first — Odoo's own addons and, through its pkgutil namespace, pip-installed `odoo-addon-*`
// packages (site-packages/odoo/addons) — then the conf's `addons_path` (ODOO_RC, else
// /etc/odoo/odoo.conf). A directory is an addon when it holds a manifest and an `__init__.py` (Odoo's
// is_addons_path); the first directory of a name wins. The manifest is read as Odoo reads it
// (ast.literal_eval): `installable` (default True) and `version`. `core`: in the odoo package's own
// addons directory (or a source checkout's addons/ beside it) and not installed by pip.
import { EXTERNAL_DEPS_LIB_PY } from './external-deps.py';

const LIST_PY = String.raw`
import ast, os

MANIFESTS = ('__manifest__.py', '__openerp__.py')

def norm(name):
    return re.sub(r'[-_.]+', '_', name).lower()

def pip_addons():
    names = set()
    if metadata is None:
        return names
    try:
        for d in metadata.distributions():
            m = re.match(r'^odoo\d*[-_.]addon[-_.](.+)$', d.metadata.get('Name') or '', re.I)
            if m:
                names.add(norm(m.group(1)))
    except Exception:
        pass
    return names

def odoo_facts():
    try:
        import odoo.addons
    except Exception as e:
        return None, [], [], 'cannot import odoo: %s' % e
    own = [os.path.realpath(p) for p in list(getattr(odoo.addons, '__path__', []))]
    version = None
    try:
        from odoo import release
        version = getattr(release, 'version', None)
    except Exception:
        pass
    f = getattr(odoo, '__file__', None)
    pkg = os.path.dirname(os.path.realpath(f)) if f else (os.path.dirname(own[0]) if own else None)
    core = [os.path.join(pkg, 'addons'), os.path.join(os.path.dirname(pkg), 'addons')] if pkg else []
    return {'version': version, 'dir': pkg}, own, core, None

def conf_paths():
    rc = os.environ.get('ODOO_RC') or '/etc/odoo/odoo.conf'
    if not os.path.isfile(rc):
        return None, []
    import configparser
    c = configparser.ConfigParser(interpolation=None)
    try:
        c.read(rc)
        raw = c.get('options', 'addons_path', fallback='')
    except Exception:
        return rc, []
    return rc, [os.path.realpath(p.strip()) for p in raw.split(',') if p.strip()]

def list_addons():
    odoo_, own, core, why = odoo_facts()
    rc, extra = conf_paths()
    pips = pip_addons()
    paths = []
    for p in own + extra:
        if p not in paths:
            paths.append(p)
    core = [os.path.realpath(p) for p in core]
    addons, ignored = {}, []
    for p in paths:
        try:
            names = sorted(os.listdir(p))
        except OSError:
            continue
        for n in names:
            d = os.path.join(p, n)
            manifest = next((m for m in MANIFESTS if os.path.isfile(os.path.join(d, m))), None)
            if not manifest or n in addons:
                continue
            if not os.path.isfile(os.path.join(d, '__init__.py')):
                ignored.append({'name': n, 'path': d, 'why': 'no __init__.py'})
                continue
            try:
                with open(os.path.join(d, manifest)) as f:
                    m = ast.literal_eval(f.read())
                if not isinstance(m, dict):
                    raise ValueError('not a dict')
            except Exception as e:
                ignored.append({'name': n, 'path': d, 'why': 'unreadable manifest: %s' % e})
                continue
            v = m.get('version')
            addons[n] = {'path': d, 'installable': bool(m.get('installable', True)),
                         'version': v if isinstance(v, str) else None,
                         'core': p in core and norm(n) not in pips}
    return {'odoo': odoo_, 'odooError': why, 'conf': rc, 'paths': paths, 'addons': addons, 'ignored': ignored}
`;

export const IMAGE_FACTS_PY = `${EXTERNAL_DEPS_LIB_PY}${LIST_PY}
req = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
out = list_addons()
out['external'] = check_external(req.get('deps') or [])
print(json.dumps(out))
`;
