# The HTTP side, with only routes real Odoo serves (plus addon routes). Requests that need the
# registry wait for it to load (Odoo holds them on the registry lock); /web/health does not.
import json
import logging
import os
import socket
import threading
import time
import uuid

from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import ClosingIterator

import odoo.http
import odoo.release
from . import db

_logger = logging.getLogger('werkzeug')
HOSTNAME = socket.gethostname()


class State:
    def __init__(self, conf):
        self.conf = conf
        self.registry_ready = threading.Event()
        self.in_flight = 0
        self.lock = threading.Lock()
        self.sessions_dir = os.path.join(conf['data_dir'], 'sessions')


def _session_path(state, sid):
    safe = ''.join(ch for ch in sid if ch.isalnum())[:64]
    return os.path.join(state.sessions_dir, safe[:2], safe) if safe else None


def load_session(state, request):
    sid = request.cookies.get('session_id')
    path = sid and _session_path(state, sid)
    if not path or not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def save_session(state, data):
    sid = uuid.uuid4().hex + uuid.uuid4().hex[:8]
    path = _session_path(state, sid)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(data, f)
    return sid


def json_rpc(request, result):
    try:
        rid = json.loads(request.get_data() or b'{}').get('id')
    except ValueError:
        rid = None
    return Response(json.dumps({'jsonrpc': '2.0', 'id': rid, 'result': result}), content_type='application/json')


def pick_db(state, request):
    conf = state.conf
    try:
        dbs = db.list_dbs(conf) if conf.get('list_db', True) or not conf.get('db_name') else [conf['db_name']]
    except Exception:
        dbs = []
    dbs = db.db_filter(conf, dbs, request.host)
    return dbs[0] if len(dbs) == 1 else None


def health(state, request):
    body = {'status': 'pass'}
    status = 200
    if odoo.release.major_version >= 17 and request.args.get('db_server_status'):
        ok = db.server_ok(state.conf)
        body['db_server_status'] = ok
        if not ok:
            body['status'] = 'fail'
            status = 500
    return Response(json.dumps(body), status=status, content_type='application/json')


LOGIN_FORM = '<!DOCTYPE html><html><head><title>Odoo</title></head><body><form class="oe_login_form" method="post" action="/web/login">' \
             '<input name="login"/><input name="password" type="password"/><button type="submit">Log in</button></form></body></html>'


def login(state, request, dbname):
    if request.method == 'GET':
        return Response(LOGIN_FORM, content_type='text/html; charset=utf-8')
    user, password = request.form.get('login', ''), request.form.get('password', '')
    with db.connect(state.conf, dbname) as c, c.cursor() as cr:
        cr.execute('SELECT id, password FROM res_users WHERE login = %s AND active', (user,))
        row = cr.fetchone()
    if not row or not db.check_password(password, row[1]):
        return Response(LOGIN_FORM.replace('<form', '<p class="alert alert-danger">Wrong login/password</p><form'), content_type='text/html; charset=utf-8')
    sid = save_session(state, {'uid': row[0], 'login': user, 'db': dbname})
    resp = Response('', status=303, headers={'Location': '/odoo' if odoo.release.major_version >= 18 else '/web'})
    resp.set_cookie('session_id', sid, httponly=True, max_age=7 * 24 * 3600)
    return resp


def session_info(state, request, dbname):
    s = load_session(state, request)
    if not s or s.get('db') != dbname:
        return Response(json.dumps({'jsonrpc': '2.0', 'id': None, 'error': {'code': 100, 'message': 'Odoo Session Expired', 'data': {'name': 'odoo.http.SessionExpiredException'}}}), content_type='application/json')
    return json_rpc(request, {'uid': s['uid'], 'username': s['login'], 'db': dbname, 'server_version': odoo.release.version, 'server_version_info': list(odoo.release.version_info)})


def addon_route(request):
    for cls, fn, routing in odoo.http.ROUTES:
        if request.path in routing['paths']:
            return cls, fn, routing
    return None


def dispatch(state, request):
    path = request.path
    if path == '/web/health' and odoo.release.major_version >= 15:
        return health(state, request)
    if path == '/web/webclient/version_info':
        return json_rpc(request, {'server_version': odoo.release.version, 'server_version_info': list(odoo.release.version_info), 'server_serie': odoo.release.serie, 'protocol_version': 1})
    # Everything else needs the registry: wait for it, as a request does on Odoo's registry lock.
    state.registry_ready.wait()
    dbname = pick_db(state, request)
    if path == '/web/database/selector':
        return Response('<html><body>Select a database</body></html>', content_type='text/html')
    found = addon_route(request)
    if path in ('/web/login', '/web/session/get_session_info', '/web', '/odoo') or found:
        if not dbname:
            return Response('', status=303, headers={'Location': '/web/database/selector'})
        if db.installed_modules(state.conf, dbname) is None:
            return Response('<h1>Internal Server Error</h1><p>database %s is not initialized</p>' % dbname, status=500, content_type='text/html')
    if path == '/web/login':
        return login(state, request, dbname)
    if path == '/web/session/get_session_info':
        return session_info(state, request, dbname)
    if path in ('/web', '/odoo'):
        s = load_session(state, request)
        if not s:
            return Response('', status=303, headers={'Location': '/web/login'})
        return Response('<html><body>Odoo web client for %s</body></html>' % s['login'], content_type='text/html')
    if found:
        cls, fn, _routing = found
        odoo.http.set_request(odoo.http.Request(request, dbname))
        result = fn(cls(), **dict(request.args))
        return result if isinstance(result, Response) else Response(str(result), content_type='text/html')
    return Response('<h1>404: Page not found</h1>', status=404, content_type='text/html')


def make_app(state):
    def app(environ, start_response):
        with state.lock:
            state.in_flight += 1
        started = time.time()
        request = Request(environ)
        def done():
            with state.lock:
                state.in_flight -= 1
        try:
            response = dispatch(state, request)
        except Exception:
            logging.getLogger('odoo.http').exception('Exception during request handling.')
            response = Response('<h1>Internal Server Error</h1>', status=500, content_type='text/html')
        except BaseException:
            done()
            raise
        response.headers['X-Flipdeck-Worker'] = HOSTNAME
        _logger.info('%s - - "%s %s" %s - %.3f', request.remote_addr, request.method, request.full_path.rstrip('?'), response.status_code, time.time() - started)
        # In flight until the server has written the whole body (it closes the iterable then): a
        # shutdown that waits for in-flight requests must not cut a response mid-body.
        return ClosingIterator(response(environ, start_response), [done])
    return app
