# Odoo's command line and odoo.conf [options] (a subset, same names; the command line wins).
import argparse
import configparser
import os

import odoo.release

DEFAULTS = {
    'addons_path': '', 'data_dir': os.path.expanduser('~/.local/share/Odoo'), 'db_host': None, 'db_port': 5432,
    'db_user': None, 'db_password': None, 'db_name': None, 'dbfilter': '', 'http_port': 8069, 'gevent_port': 8072,
    'http_enable': True, 'http_interface': '', 'workers': 0, 'max_cron_threads': 2, 'proxy_mode': False,
    'init': '', 'update': '', 'stop_after_init': False, 'limit_memory_hard': 2684354560, 'limit_memory_soft': 2147483648,
    'limit_time_real': 120, 'without_demo': False, 'with_demo': False, 'log_level': 'info', 'server_wide_modules': 'base,web', 'list_db': True,
}
INT_KEYS = {'db_port', 'http_port', 'gevent_port', 'workers', 'max_cron_threads', 'limit_memory_hard', 'limit_memory_soft', 'limit_time_real'}
BOOL_KEYS = {'with_demo', 'http_enable', 'proxy_mode', 'stop_after_init', 'list_db'}


def parser():
    p = argparse.ArgumentParser(prog='odoo', add_help=True, allow_abbrev=False)
    a = p.add_argument
    a('-c', '--config', dest='config')
    a('-d', '--database', dest='db_name')
    a('--db_host', dest='db_host')
    a('--db_port', dest='db_port', type=int)
    a('--db_user', dest='db_user')
    a('--db_password', dest='db_password')
    a('--addons-path', dest='addons_path')
    a('-D', '--data-dir', dest='data_dir')
    a('-i', '--init', dest='init')
    a('-u', '--update', dest='update')
    a('--stop-after-init', dest='stop_after_init', action='store_true', default=None)
    a('--no-http', dest='http_enable', action='store_false', default=None)
    a('-p', '--http-port', dest='http_port', type=int)
    a('--http-interface', dest='http_interface')
    a('--gevent-port', '--longpolling-port', dest='gevent_port', type=int)
    a('--workers', dest='workers', type=int)
    a('--max-cron-threads', dest='max_cron_threads', type=int)
    a('--db-filter', dest='dbfilter')
    a('--proxy-mode', dest='proxy_mode', action='store_true', default=None)
    a('--limit-memory-hard', dest='limit_memory_hard', type=int)
    a('--limit-memory-soft', dest='limit_memory_soft', type=int)
    a('--limit-time-real', dest='limit_time_real', type=int)
    # Demo data (odoo/tools/config.py): 14.0-18.0 load it unless --without-demo (a value: 'all' or
    # module names); 19.0 inverts it, loading it only with --with-demo.
    if odoo.release.major_version >= 19:
        a('--with-demo', dest='with_demo', action='store_true', default=None)
    else:
        a('--without-demo', dest='without_demo')
    a('--version', action='version', version='Odoo Server %s' % odoo.release.version)
    a('--log-level', dest='log_level')
    a('--load', dest='server_wide_modules')
    return p


def load(argv):
    args = parser().parse_args(argv)
    conf = dict(DEFAULTS)
    path = args.config or os.environ.get('ODOO_RC')
    if path and os.path.exists(path):
        cp = configparser.RawConfigParser()
        cp.read(path)
        if cp.has_section('options'):
            for key, value in cp.items('options'):
                # configmanager.load(): 'True'/'False' become booleans for every key, not only flags.
                if value in ('True', 'true'):
                    value = True
                elif value in ('False', 'false'):
                    value = False
                elif value in ('None', ''):
                    value = False if key in BOOL_KEYS else None
                key = {'longpolling_port': 'gevent_port', 'db_filter': 'dbfilter'}.get(key, key)
                conf[key] = value
    for key, value in vars(args).items():
        if key != 'config' and value is not None:
            conf[key] = value
    for key in INT_KEYS:
        if conf.get(key) not in (None, ''):
            conf[key] = int(conf[key])
    for key in BOOL_KEYS:
        if isinstance(conf.get(key), str):
            conf[key] = conf[key].lower() in ('1', 'true', 'yes')
    conf['addons_paths'] = [p.strip() for p in str(conf['addons_path'] or '').split(',') if p.strip()]
    return conf
