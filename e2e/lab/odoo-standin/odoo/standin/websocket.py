# Odoo 16+ serves its bus over `/websocket`, an HTTP/1.1 Upgrade answered only on the gevent port
# (on the HTTP port of a multi-worker server Odoo refuses it). The stand-in answers the handshake like
# Odoo, then sends a small text frame every second until the client, the edge or shutdown ends it,
# so the edge holds a real long-lived tunnel through a flip and a drain.
import base64
import hashlib
import json
import socket
import threading

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


def handle(handler, evented):
    """Takes over the request of a werkzeug handler (BaseHTTPRequestHandler)."""
    key = handler.headers.get('Sec-WebSocket-Key', '')
    if not evented:
        handler.send_error(400, "Couldn't bind the websocket. Is the connection opened on the evented port (8072)?")
        return
    if handler.headers.get('Upgrade', '').lower() != 'websocket' or not key:
        handler.send_error(400, 'Expected a websocket upgrade')
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
