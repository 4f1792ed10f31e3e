// The script that checks addons' external_dependencies inside an image, as Odoo's
// check_python_external_dependency (odoo/modules/module.py) and its `bin` check do: the requirement's
// distribution and version specifier first (importlib.metadata), then, when no distribution has that
// name, the name as an import (`dateutil`); a program is looked up on PATH. argv[1] is a JSON list of
// {addon, kind: 'python'|'bin', requirement}; the last line printed is a JSON list of results.
// packaging (python3-packaging) parses requirements when present; plain Debian python3 may lack it,
// so a small parser and the ==, !=, <, <=, >, >=, ~=, === comparisons stand in for it.
/** The checker's definitions (`check_external(items)`), shared with ./image-facts.py.ts. */
export const EXTERNAL_DEPS_LIB_PY = String.raw`
import importlib, json, re, shutil, sys
sys.path = [p for p in sys.path if p not in ('', '.')]
try:
    import importlib.metadata as metadata
except ImportError:
    metadata = None
try:
    from packaging.requirements import Requirement
except ImportError:
    Requirement = None

def release(v):
    m = re.match(r'\s*v?(\d+(?:\.\d+)*)(.*)$', v)
    if not m:
        return None
    pre = bool(re.match(r'[-_.]?(a|b|c|rc|alpha|beta|pre|preview|dev)\d*', m.group(2).lower()))
    return tuple(int(x) for x in m.group(1).split('.')), pre

def compare(h, w):
    n = max(len(h[0]), len(w[0]))
    a, b = h[0] + (0,) * (n - len(h[0])), w[0] + (0,) * (n - len(w[0]))
    if a != b:
        return -1 if a < b else 1
    return 0 if h[1] == w[1] else (-1 if h[1] else 1)

def starts(h, prefix):
    return (h[0] + (0,) * len(prefix))[:len(prefix)] == prefix

def clause(op, want, have):
    if op == '===':
        return have == want
    h = release(have)
    if want.endswith('.*') and op in ('==', '!='):
        w = release(want[:-2])
        if not h or not w:
            raise ValueError('cannot compare %s with %s' % (have, want))
        return starts(h, w[0]) == (op == '==')
    w = release(want)
    if not h or not w:
        raise ValueError('cannot compare %s with %s' % (have, want))
    c = compare(h, w)
    if op == '~=':
        if len(w[0]) < 2:
            raise ValueError('~= needs two version parts: %s' % want)
        return c >= 0 and starts(h, w[0][:-1])
    return {'==': c == 0, '!=': c != 0, '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0}[op]

NAME = re.compile(r'^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*\(?([^;()]*)\)?\s*(?:;(.*))?$')
CLAUSE = re.compile(r'^\s*(===|~=|==|!=|<=|>=|<|>)\s*([^\s,]+)\s*$')

def parse(req):
    """(name, specifier text, contains(version), marker holds: True/False/None when not evaluated)."""
    if Requirement is not None:
        r = Requirement(req)
        holds = r.marker.evaluate() if r.marker else True
        return r.name, str(r.specifier), (lambda v: not r.specifier or r.specifier.contains(v)), holds
    m = NAME.match(req)
    if not m:
        raise ValueError('not a requirement')
    clauses = []
    for part in [p for p in m.group(2).split(',') if p.strip()]:
        c = CLAUSE.match(part)
        if not c:
            raise ValueError('cannot read the version specifier %r' % part.strip())
        clauses.append((c.group(1), c.group(2)))
    holds = None if m.group(3) and m.group(3).strip() else True
    spec = ','.join(op + v for op, v in clauses)
    return m.group(1), spec, (lambda v: all(clause(op, w, v) for op, w in clauses)), holds

def check_python(req):
    try:
        name, spec, contains, holds = parse(req)
    except Exception as e:
        return {'status': 'invalid', 'detail': str(e)}
    if holds is False:
        return {'status': 'skipped', 'name': name, 'detail': 'environment marker does not match'}
    if holds is None:
        return {'status': 'skipped', 'name': name, 'detail': 'environment marker not evaluated (no packaging)'}
    version = None
    if metadata is not None:
        try:
            version = metadata.version(name)
        except Exception:
            version = None
    if version is None:
        try:
            importlib.import_module(name)
            return {'status': 'ok', 'name': name, 'via': 'import'}
        except ImportError as e:
            return {'status': 'missing', 'name': name, 'detail': str(e)}
        except Exception as e:
            return {'status': 'missing', 'name': name, 'detail': 'import failed: %s' % e}
    try:
        ok = contains(version)
    except Exception as e:
        return {'status': 'invalid', 'name': name, 'installed': version, 'detail': str(e)}
    return {'status': 'ok' if ok else 'version', 'name': name, 'installed': version, 'via': 'distribution',
            'detail': None if ok else 'installed %s, needs %s' % (version, spec)}

def check_bin(name):
    found = shutil.which(name)
    return {'status': 'ok', 'name': name, 'via': 'path', 'installed': found} if found else {'status': 'missing', 'name': name}

def check_external(items):
    out = []
    for item in items:
        kind, req = item.get('kind'), item.get('requirement', '')
        res = check_python(req) if kind == 'python' else check_bin(req) if kind == 'bin' else {'status': 'invalid', 'detail': 'unknown kind'}
        res.update(addon=item.get('addon'), kind=kind, requirement=req)
        out.append(res)
    return out
`;

/** The checker on its own: argv[1] is the list, the last line printed its results. */
export const EXTERNAL_DEPS_PY = `${EXTERNAL_DEPS_LIB_PY}
print(json.dumps(check_external(json.loads(sys.argv[1]))))
`;
