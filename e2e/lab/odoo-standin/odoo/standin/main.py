# The stand-in server: start-up as Odoo does it (config, addons, registry), a cron thread honouring
# max_cron_threads, queue_job's runner when it is loaded server-wide, graceful SIGTERM. The server
# mode follows `workers` as odoo/service/server.py does: 0 is the ThreadedServer, which serves HTTP
# and the bus on the HTTP port and listens on nothing else; N > 0 is the PreforkServer, whose HTTP
# workers cannot serve the bus and whose gevent process serves it on the gevent port.
import logging
import os
import signal
import socket
import sys
import threading
import time

from werkzeug.serving import WSGIRequestHandler, make_server

import odoo.release
import odoo.tools
from . import config, cron, db, install, modules, queue_runner, web, websocket

_logger = logging.getLogger('odoo')


class _DbFilter(logging.Filter):
    dbname = '?'

    def filter(self, record):
        record.dbname = _DbFilter.dbname
        return True


def setup_logging(level):
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter('%(asctime)s %(process)s %(levelname)s %(dbname)s %(name)s: %(message)s'))
    handler.addFilter(_DbFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, str(level).upper(), logging.INFO))


class QuietHandler(WSGIRequestHandler):
    # Whether this server's requests carry the TCP socket in their environ: the threaded server's
    # RequestHandler.make_environ and the gevent server's handler do; a prefork HTTP worker's does not.
    bus_ports = set()

    def log_request(self, *args, **kwargs):
        pass

    def run_wsgi(self):
        path = self.path.split('?')[0]
        has_socket = self.server.server_port in QuietHandler.bus_ports
        if path == '/websocket' and odoo.release.major_version >= 16:
            return websocket.handle(self, has_socket)
        if path.startswith('/longpolling/') and odoo.release.major_version < 16:
            return websocket.longpolling(self, has_socket)
        return super().run_wsgi()


def run():
    conf = config.load(sys.argv[1:])
    odoo.tools.config.update(conf)
    setup_logging(conf['log_level'])
    _DbFilter.dbname = str(conf['db_name'] or '?')
    _logger.info('Odoo version %s (stand-in)', odoo.release.version)
    _logger.info('addons paths: %s', [modules.CORE] + conf['addons_paths'])
    _logger.info('database: %s@%s:%s', conf['db_user'], conf['db_host'], conf['db_port'])
    os.makedirs(conf['data_dir'], exist_ok=True)

    loaded = modules.resolve(modules.read_manifests(conf['addons_paths']))
    try:
        modules.import_addons(loaded, conf['addons_paths'])
    except Exception:
        logging.getLogger('odoo.modules.module').exception("Couldn't load module")
        logging.getLogger('odoo.service.server').critical('Failed to initialize database `%s`.', conf['db_name'])
        sys.exit(1)

    to_init = [m.strip() for m in str(conf['init'] or '').split(',') if m.strip()]
    to_update = [m.strip() for m in str(conf['update'] or '').split(',') if m.strip()]
    if (to_init or to_update) and not conf['db_name']:
        _logger.error('-i and -u need a database (-d)')
        sys.exit(1)
    if to_init or to_update:
        install.run(conf, loaded, to_init, to_update)
    if conf['stop_after_init']:
        _logger.info('Stopping gracefully (--stop-after-init)')
        sys.exit(0)

    state = web.State(conf)
    app = web.make_app(state)
    servers = []
    if conf['http_enable']:
        iface = conf['http_interface'] or '0.0.0.0'
        prefork = conf['workers'] > 0
        # Threaded: one server, the bus on the HTTP port. Prefork: the HTTP workers, plus the gevent
        # process (`odoo gevent`, spawned by PreforkServer.long_polling_spawn) on the gevent port.
        ports = (conf['http_port'], conf['gevent_port']) if prefork else (conf['http_port'],)
        QuietHandler.bus_ports = {conf['gevent_port']} if prefork else {conf['http_port']}
        for port in ports:
            srv = make_server(iface, port, app, threaded=True, request_handler=QuietHandler)
            srv.daemon_threads = True
            threading.Thread(target=srv.serve_forever, daemon=True).start()
            servers.append(srv)
        if prefork:
            _logger.info('HTTP service (werkzeug) running on %s:%s with %d workers', socket.gethostname(), conf['http_port'], conf['workers'])
            _logger.info('Evented Service (longpolling) running on %s:%s', iface, conf['gevent_port'])
        else:
            _logger.info('HTTP service (werkzeug) running on %s:%s', socket.gethostname(), conf['http_port'])

    stop = threading.Event()

    def shutdown(signum, _frame):
        _logger.info('Initiating shutdown')
        websocket.stopping.set()
        stop.set()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)

    # Loading the registry: the configurable boot time, or forever when asked to hang.
    boot = float(os.environ.get('STANDIN_BOOT_SECONDS', '1'))
    if os.environ.get('STANDIN_BOOT_HANG') == '1':
        _logger.info('loading registry (STANDIN_BOOT_HANG: it never finishes)')
        boot = float('inf')
    deadline = time.time() + boot
    while not stop.is_set() and time.time() < deadline:
        stop.wait(min(0.05, max(0.0, deadline - time.time())))
    if not stop.is_set():
        state.registry_ready.set()
        _logger.info('Registry loaded in %.3fs', boot)
        if conf['max_cron_threads'] > 0:
            # Daemon threads, as ThreadedServer.cron_spawn starts them: they die with the process.
            for i in range(conf['max_cron_threads']):
                threading.Thread(target=cron.cron_thread, args=(conf, stop, i), daemon=True).start()
            _logger.info('cron runner started (%s thread(s))', conf['max_cron_threads'])
        if queue_runner.enabled(conf, loaded):
            threading.Thread(target=queue_runner.run, args=(conf, stop), daemon=True).start()

    stop.wait()
    for srv in servers:
        threading.Thread(target=srv.shutdown, daemon=True).start()
        srv.socket.close()
    grace = time.time() + float(os.environ.get('STANDIN_SHUTDOWN_GRACE', '60'))
    while state.in_flight > 0 and time.time() < grace:
        time.sleep(0.05)
    _logger.info('Stopped (%d request(s) still in flight)', state.in_flight)
    sys.exit(0)
