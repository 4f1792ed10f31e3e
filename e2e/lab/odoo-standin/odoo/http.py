# `odoo.http` as addons use it: @http.route on Controller methods, and `request` during a call.
import json
import threading

ROUTES = []
_local = threading.local()


def route(route=None, **kw):
    paths = route if isinstance(route, list) else [route]

    def decorator(fn):
        fn._standin_routing = {'paths': paths, 'type': kw.get('type', 'http'), 'auth': kw.get('auth', 'user'), 'methods': kw.get('methods'), 'csrf': kw.get('csrf', True)}
        return fn
    return decorator


class _ControllerType(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        for attr in attrs.values():
            routing = getattr(attr, '_standin_routing', None)
            if routing:
                ROUTES.append((cls, attr, routing))


class Controller(metaclass=_ControllerType):
    pass


class _RequestProxy:
    def __getattr__(self, name):
        current = getattr(_local, 'request', None)
        if current is None:
            raise RuntimeError('no request in progress')
        return getattr(current, name)


request = _RequestProxy()


class Request:
    def __init__(self, httprequest, db):
        self.httprequest = httprequest
        self.params = dict(httprequest.args)
        self.db = db

    def make_response(self, data, headers=None, status=200):
        from werkzeug.wrappers import Response
        return Response(data, status=status, headers=headers or [])

    def make_json_response(self, data, headers=None, status=200):
        return self.make_response(json.dumps(data), [('Content-Type', 'application/json')] + (headers or []), status)


def set_request(req):
    _local.request = req
