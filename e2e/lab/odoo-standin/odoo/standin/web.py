# The HTTP side, with only routes real Odoo serves (plus addon routes). Requests that need the
# registry wait for it to load (Odoo holds them on the registry lock); /web/health does not.
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import socket
import threading
import time

from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import ClosingIterator

import odoo.addons
import odoo.http
import odoo.release
from . import assets, attachments, db

_logger = logging.getLogger('werkzeug')
_logger_http = logging.getLogger('odoo.http')
HOSTNAME = socket.gethostname()


class State:
    def __init__(self, conf):
        self.conf = conf
        self.registry_ready = threading.Event()
        self.in_flight = 0
        self.lock = threading.Lock()
        self.sessions_dir = os.path.join(conf['data_dir'], 'sessions')
        self.bundles = assets.Bundles(conf, os.path.dirname(odoo.addons.__file__))


def new_sid():
    """odoo/http.py: 17.0 and older make a 40-character sha1 hex session id; 18.0+ an 84-character
    url-safe one whose first 42 characters (STORED_SESSION_BYTES) name the stored session."""
    if odoo.release.major_version >= 18:
        return secrets.token_urlsafe(63)
    return hashlib.sha1(os.urandom(32)).hexdigest()


def valid_sid(sid):
    if odoo.release.major_version >= 18:
        return bool(re.fullmatch(r'[A-Za-z0-9_-]{84}', sid or ''))
    return bool(re.fullmatch(r'[0-9a-f]{40}', sid or ''))


def _stored_key(sid):
    return sid[:42] if odoo.release.major_version >= 18 else sid


def _session_path(state, sid):
    """FilesystemSessionStore.get_session_filename: <sessions>/<key[:2]>/<key>; an invalid id is no session."""
    if not valid_sid(sid):
        return None
    key = _stored_key(sid)
    return os.path.join(state.sessions_dir, key[:2], key)


def load_session(state, request):
    sid = request.cookies.get('session_id')
    path = _session_path(state, sid)
    if not path or not os.path.exists(path):
        return None
    with open(path) as f:
        data = json.load(f)
    data['sid'] = sid
    return data


def save_session(state, data, sid=None):
    sid = sid or new_sid()
    path = _session_path(state, sid)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump({k: v for k, v in data.items() if k != 'sid'}, f)
    return sid


def delete_session(state, sid):
    path = _session_path(state, sid)
    if path and os.path.exists(path):
        os.remove(path)


def csrf_token(secret, sid, max_ts=None):
    """Request.csrf_token: hmac-sha1 of the session id (18.0+: its stored part) and an expiry, 'o', the expiry."""
    max_ts = max_ts if max_ts is not None else int(time.time() + 48 * 3600)
    msg = '%s%s' % (_stored_key(sid), max_ts)
    return '%so%s' % (hmac.new(secret.encode('ascii'), msg.encode('utf-8'), hashlib.sha1).hexdigest(), max_ts)


def validate_csrf(secret, sid, token):
    """Request.validate_csrf: the same hmac, and the expiry not passed."""
    if not token or not sid:
        return False
    _hm, _, max_ts = token.rpartition('o')
    try:
        if max_ts and int(max_ts) < time.time():
            return False
    except ValueError:
        return False
    return hmac.compare_digest(token, csrf_token(secret, sid, max_ts))


def json_rpc(request, result):
    try:
        rid = json.loads(request.get_data() or b'{}').get('id')
    except ValueError:
        rid = None
    return Response(json.dumps({'jsonrpc': '2.0', 'id': rid, 'result': result}), content_type='application/json')


def pick_db(state, request):
    """Request._get_session_and_dbname / db_list: the session's database if the filter keeps it, else
    the only database listed (force=True, so list_db does not matter here), else none."""
    conf = state.conf
    try:
        dbs = db.list_dbs(conf)
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


LOGIN_FORM = '<!DOCTYPE html><html><head><title>Odoo</title>%s</head><body><form class="oe_login_form" method="post" action="/web/login">' \
             '<input type="hidden" name="csrf_token" value="%s"/><input name="login"/><input name="password" type="password"/><button type="submit">Log in</button></form></body></html>'


def bad_csrf(request):
    """HttpDispatcher.dispatch: a non-safe method on a csrf route needs the token the page was given."""
    _logger_http.warning('CSRF validation failed on path %r', request.path)
    return Response('<h1>Bad Request</h1><p>Session expired (invalid CSRF token)</p>', status=400, content_type='text/html')


def login(state, request, dbname):
    """addons/web/controllers/home.py web_login: the page (ensure_db sets the session's database, so a
    new session is saved and its cookie set), then a POST checked for CSRF before the credentials."""
    session = load_session(state, request)
    sid = session['sid'] if session else None
    if not session or session.get('db') != dbname:
        session = dict(session or {}, db=dbname)
        sid = save_session(state, session, sid)
    secret = db.get_param(state.conf, dbname, 'database.secret')
    if request.method == 'POST':
        if not validate_csrf(secret, sid if request.cookies.get('session_id') == sid else None, request.form.get('csrf_token')):
            return bad_csrf(request)
    def page(extra=''):
        resp = Response(LOGIN_FORM.replace('<form', extra + '<form') % (state.bundles.tag(), csrf_token(secret, sid)), content_type='text/html; charset=utf-8')
        resp.set_cookie('session_id', sid, httponly=True, max_age=7 * 24 * 3600)
        return resp
    if request.method != 'POST':
        return page()
    user, password = request.form.get('login', ''), request.form.get('password', '')
    with db.connect(state.conf, dbname) as c, c.cursor() as cr:
        cr.execute('SELECT id, password FROM res_users WHERE login = %s AND active', (user,))
        row = cr.fetchone()
    if not row or not db.check_password(password, row[1]):
        return page('<p class="alert alert-danger">Wrong login/password</p>')
    # res_users.authenticate: an administrator's login records where Odoo is reached, unless frozen.
    if user == 'admin':
        db.guess_base_url(state.conf, dbname, request.url_root.rstrip('/'))
    # Session.authenticate rotates the session id on login (session fixation).
    delete_session(state, sid)
    new = save_session(state, {'uid': row[0], 'login': user, 'db': dbname})
    resp = Response('', status=303, headers={'Location': '/odoo' if odoo.release.major_version >= 18 else '/web'})
    resp.set_cookie('session_id', new, httponly=True, max_age=7 * 24 * 3600)
    return resp


def session_info(state, request, dbname):
    s = load_session(state, request)
    if not s or s.get('db') != dbname or not s.get('uid'):
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
    content = re.fullmatch(r'/web/content/(\d+)', path)
    bundle = re.fullmatch(r'/web/assets/([0-9a-f]{7})/([\w.-]+)', path)
    if bundle:
        # auth='public': no session needed, a database is.
        if not dbname:
            return Response('', status=303, headers={'Location': '/web/database/selector'})
        return state.bundles.serve(dbname, bundle.group(1), bundle.group(2))
    user_routes = ('/web/login', '/web/session/get_session_info', '/web', '/odoo', '/web/binary/upload_attachment')
    if path in user_routes or found or content:
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
        if not s or not s.get('uid'):
            return Response('', status=303, headers={'Location': '/web/login'})
        # web.layout: the web client's CSRF token for its own POSTs (csrf_token(None): no expiry).
        token = csrf_token(db.get_param(state.conf, dbname, 'database.secret'), s['sid'], '')
        return Response('<html><head><script>var odoo = {csrf_token: "%s"};</script></head><body>Odoo web client for %s</body></html>' % (token, s['login']), content_type='text/html')
    if path == '/web/binary/upload_attachment' or content:
        # auth='user': no session, no access (Odoo answers a user route without one with the login page).
        s = load_session(state, request)
        if not s or not s.get('uid') or s.get('db') != dbname:
            return Response('', status=303, headers={'Location': '/web/login?redirect=' + path})
        if content:
            return attachments.content(state.conf, dbname, int(content.group(1)))
        if request.method != 'POST':
            return Response('<h1>405: Method Not Allowed</h1>', status=405, content_type='text/html')
        if not validate_csrf(db.get_param(state.conf, dbname, 'database.secret'), s['sid'], request.form.get('csrf_token')):
            return bad_csrf(request)
        return attachments.upload(state.conf, dbname, request)
    if found:
        cls, fn, routing = found
        if routing['type'] == 'http' and routing['csrf'] and request.method not in ('GET', 'HEAD', 'OPTIONS', 'TRACE'):
            s = load_session(state, request)
            if not validate_csrf(db.get_param(state.conf, dbname, 'database.secret'), s and s['sid'], request.form.get('csrf_token')):
                return bad_csrf(request)
        odoo.http.set_request(odoo.http.Request(request, dbname))
        result = fn(cls(), **dict(request.args))
        return result if isinstance(result, Response) else Response(str(result), content_type='text/html')
    return Response('<h1>404: Page not found</h1>', status=404, content_type='text/html')


def make_app(state):
    def app(environ, start_response):
        with state.lock:
            state.in_flight += 1
        started = time.time()
        # Application.__call__: ProxyFix (x_for, x_proto, x_host = 1) only with proxy_mode AND X-Forwarded-Host.
        if state.conf.get('proxy_mode') and environ.get('HTTP_X_FORWARDED_HOST'):
            ProxyFix(lambda e, s: [], x_for=1, x_proto=1, x_host=1)(environ, lambda *a: None)
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
