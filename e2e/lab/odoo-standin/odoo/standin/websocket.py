# Odoo's bus. 16+: `/websocket`, an HTTP/1.1 Upgrade that needs the request's TCP socket
# (WebsocketConnectionHandler.open_connection reads environ['socket']); a prefork HTTP worker has
# none, so Odoo raises "Couldn't bind the websocket…" and answers 500. The threaded server and the
# gevent process have it. 14/15: `/longpolling/poll`, whose dispatcher runs only in the threaded
# server and the gevent process (addons/bus/controllers/main.py poll: "bus.Bus unavailable").
# The stand-in answers the handshake like Odoo, then sends a small text frame every second until the
# client, the edge or shutdown ends it, so the edge holds a real long-lived tunnel through a flip.
import base64
import hashlib
import json
import socket
import logging
import threading
import os

import odoo.tools

GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
HOSTNAME = socket.gethostname()
stopping = threading.Event()


def _frame(opcode, payload):
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([n])
    else:
        head += bytes([126]) + n.to_bytes(2, 'big')
    return head + payload


def _internal_error(handler, message):
    # Odoo's HTTP layer turns the route's exception into a 500 page (and logs the traceback).
    logging.getLogger('odoo.http').error('Exception during request handling.\nRuntimeError: %s', message)
    body = ('<!doctype html><title>500 Internal Server Error</title><h1>Internal Server Error</h1><p>%s</p>' % message).encode()
    handler.send_response(500)
    handler.send_header('Content-Type', 'text/html; charset=utf-8')
    handler.send_header('Content-Length', str(len(body)))
    handler.send_header('X-Flipdeck-Worker', HOSTNAME)
    handler.end_headers()
    handler.wfile.write(body)


def handle(handler, has_socket):
    """Takes over the request of a werkzeug handler (BaseHTTPRequestHandler)."""
    key = handler.headers.get('Sec-WebSocket-Key', '')
    # As open_connection: the handshake is checked first (400), then the socket is taken (500).
    if handler.headers.get('Upgrade', '').lower() != 'websocket' or not key:
        handler.send_error(400, 'Expected a websocket upgrade')
        return
    if not has_socket:
        gevent_port = odoo.tools.config.get('gevent_port', 8072)
        _internal_error(handler, "Couldn't bind the websocket. Is the connection opened on the evented port (%s)?" % gevent_port)
        return
    accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest())
    handler.wfile.write(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                        b'Sec-WebSocket-Accept: ' + accept + b'\r\nX-Flipdeck-Worker: ' + HOSTNAME.encode() + b'\r\n\r\n')
    handler.wfile.flush()
    handler.close_connection = True
    n = 0
    try:
        while not stopping.is_set():
            handler.wfile.write(_frame(0x1, json.dumps({'worker': HOSTNAME, 'n': n}).encode()))
            handler.wfile.flush()
            n += 1
            stopping.wait(1)
        # Going away (1001), as Odoo closes its websockets on shutdown.
        handler.wfile.write(_frame(0x8, (1001).to_bytes(2, 'big')))
        handler.wfile.flush()
    except OSError:
        pass


def longpolling(handler, has_socket):
    """14/15's `/longpolling/poll`: held until there is a notification (here: up to a second, none)."""
    if not has_socket:
        _internal_error(handler, 'bus.Bus unavailable')
        return
    stopping.wait(float(os.environ.get('STANDIN_LONGPOLL_SECONDS', '1')))
    body = json.dumps({'jsonrpc': '2.0', 'id': None, 'result': []}).encode()
    handler.send_response(200)
    handler.send_header('Content-Type', 'application/json')
    handler.send_header('Content-Length', str(len(body)))
    handler.send_header('X-Flipdeck-Worker', HOSTNAME)
    handler.end_headers()
    handler.wfile.write(body)
