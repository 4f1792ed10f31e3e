# PostgreSQL, for real: the database a request uses (dbfilter), the tables an initialised database
# has (a tiny res_users and ir_module_module), and the cron heartbeat table the lab tests read.
import hashlib
import logging
import os
import re

import psycopg2
import psycopg2.extensions

_logger = logging.getLogger('odoo.sql_db')


def connect(conf, dbname):
    return psycopg2.connect(host=conf['db_host'], port=conf['db_port'], user=conf['db_user'], password=conf['db_password'], dbname=dbname, connect_timeout=3)


def server_ok(conf):
    try:
        connect(conf, 'postgres').close()
        return True
    except psycopg2.Error:
        return False


def list_dbs(conf):
    with connect(conf, 'postgres') as c, c.cursor() as cr:
        cr.execute("SELECT datname FROM pg_database WHERE datistemplate = false AND datname NOT IN ('postgres') ORDER BY datname")
        return [r[0] for r in cr.fetchall()]


def db_filter(conf, dbs, host):
    """Odoo's http.db_filter: %h is the host without port, %d its first label; -d restricts the list."""
    h = (host or '').partition(':')[0]
    d = h.partition('.')[0]
    if h.startswith('www.') and d == 'www':
        d = h.split('.')[1]
    if conf.get('dbfilter'):
        pattern = conf['dbfilter'].replace('%h', re.escape(h)).replace('%d', re.escape(d))
        dbs = [db for db in dbs if re.match(pattern, db)]
    if conf.get('db_name'):
        names = [n.strip() for n in str(conf['db_name']).split(',')]
        dbs = [db for db in dbs if db in names]
    return dbs


def create_database(conf, name):
    c = connect(conf, 'postgres')
    c.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
    with c.cursor() as cr:
        cr.execute('SELECT 1 FROM pg_database WHERE datname = %s', (name,))
        if not cr.fetchone():
            _logger.info('Create database `%s`.', name)
            cr.execute('CREATE DATABASE "%s" ENCODING \'unicode\'' % name.replace('"', ''))
    c.close()


def hash_password(password, salt=None):
    salt = salt or os.urandom(8).hex()
    return 'pbkdf2$%s$%s' % (salt, hashlib.pbkdf2_hmac('sha512', password.encode(), salt.encode(), 10000).hex())


def check_password(password, stored):
    _, salt, _digest = stored.split('$')
    return hash_password(password, salt) == stored


def init_schema(cr):
    cr.execute('''
        CREATE TABLE IF NOT EXISTS res_users (id serial PRIMARY KEY, login varchar UNIQUE NOT NULL, password varchar, active boolean DEFAULT true);
        CREATE TABLE IF NOT EXISTS ir_module_module (name varchar PRIMARY KEY, latest_version varchar, state varchar, write_date timestamp DEFAULT now());
        CREATE TABLE IF NOT EXISTS flipdeck_cron_heartbeat (id serial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp(), hostname varchar, pool varchar);
    ''')
    cr.execute('SELECT 1 FROM res_users WHERE login = %s', ('admin',))
    if not cr.fetchone():
        cr.execute('INSERT INTO res_users (login, password) VALUES (%s, %s)', ('admin', hash_password('admin')))


def installed_modules(conf, dbname):
    try:
        with connect(conf, dbname) as c, c.cursor() as cr:
            cr.execute("SELECT name, latest_version FROM ir_module_module WHERE state = 'installed'")
            return dict(cr.fetchall())
    except psycopg2.Error:
        return None
