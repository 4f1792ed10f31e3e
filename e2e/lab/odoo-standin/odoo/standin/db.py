# PostgreSQL, for real: the database a request uses (dbfilter), the tables an initialised database
# has (a tiny res_users and ir_module_module), and the cron heartbeat table the lab tests read.
import hashlib
import logging
import os
import re
import uuid

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
    """odoo/service/db.py list_dbs (force=True, as request routing calls it): with --database and no
    dbfilter, the --database names as given; otherwise only the databases the connecting role OWNS
    (datdba = current_user), so a database owned by another role is never listed."""
    if not conf.get('dbfilter') and conf.get('db_name'):
        return sorted(n.strip() for n in str(conf['db_name']).split(','))
    with connect(conf, 'postgres') as c, c.cursor() as cr:
        cr.execute("""SELECT datname FROM pg_database
                       WHERE datdba = (SELECT usesysid FROM pg_user WHERE usename = current_user)
                         AND NOT datistemplate AND datallowconn AND datname NOT IN ('postgres', 'template0')
                       ORDER BY datname""")
        return [r[0] for r in cr.fetchall()]


def db_filter(conf, dbs, host):
    """odoo/http.py db_filter: with dbfilter, %h is the host without port and without a leading
    'www.', %d its first label, and --database plays no part; without it, --database intersects."""
    if conf.get('dbfilter'):
        h = (host or '').partition(':')[0]
        if h.startswith('www.'):
            h = h[4:]
        d = h.partition('.')[0]
        pattern = re.compile(conf['dbfilter'].replace('%h', re.escape(h)).replace('%d', re.escape(d)))
        return [db for db in dbs if pattern.match(db)]
    if conf.get('db_name'):
        names = {n.strip() for n in str(conf['db_name']).split(',')}
        return sorted(names.intersection(dbs))
    return list(dbs)


def get_param(conf, dbname, key):
    with connect(conf, dbname) as c, c.cursor() as cr:
        cr.execute('SELECT value FROM ir_config_parameter WHERE key = %s', (key,))
        row = cr.fetchone()
        return row[0] if row else None


def guess_base_url(conf, dbname, base):
    """res_users.authenticate: after an administrator logs in, web.base.url = the request's root,
    unless web.base.url.freeze is set."""
    with connect(conf, dbname) as c, c.cursor() as cr:
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = 'web.base.url.freeze'")
        row = cr.fetchone()
        if row and row[0]:  # get_param returns the text: any value at all freezes it
            return
        cr.execute("""INSERT INTO ir_config_parameter (key, value) VALUES ('web.base.url', %s)
                      ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value""", (base,))


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
        CREATE TABLE IF NOT EXISTS ir_module_module (name varchar PRIMARY KEY, latest_version varchar, state varchar, demo boolean DEFAULT false, write_date timestamp DEFAULT now());
        CREATE TABLE IF NOT EXISTS res_lang (id serial PRIMARY KEY, code varchar UNIQUE NOT NULL, active boolean DEFAULT false);
        INSERT INTO res_lang (code, active) VALUES ('en_US', true) ON CONFLICT DO NOTHING;
        CREATE TABLE IF NOT EXISTS ir_attachment (id serial PRIMARY KEY, name varchar NOT NULL, store_fname varchar, checksum varchar(40),
            file_size integer, mimetype varchar, res_model varchar, res_id integer, url varchar, create_date timestamp DEFAULT (now() at time zone 'UTC'));
        CREATE TABLE IF NOT EXISTS ir_config_parameter (key varchar PRIMARY KEY, value text NOT NULL);
        CREATE TABLE IF NOT EXISTS flipdeck_cron_heartbeat (id serial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp(), hostname varchar, pool varchar);
        CREATE TABLE IF NOT EXISTS ir_cron (id serial PRIMARY KEY, cron_name varchar NOT NULL, active boolean DEFAULT true, code varchar,
            interval_number integer DEFAULT 1, interval_type varchar DEFAULT 'months', numbercall integer DEFAULT -1,
            priority integer DEFAULT 5, nextcall timestamp NOT NULL DEFAULT (now() at time zone 'UTC'), lastcall timestamp);
        CREATE TABLE IF NOT EXISTS flipdeck_cron_start (id serial PRIMARY KEY, cron_id integer, started_at timestamptz DEFAULT clock_timestamp(), hostname varchar, pool varchar);
        CREATE TABLE IF NOT EXISTS flipdeck_cron_run (id serial PRIMARY KEY, cron_id integer, started_at timestamptz, finished_at timestamptz DEFAULT clock_timestamp(), hostname varchar, pool varchar);
    ''')
    # base/data/ir_config_parameter_data.xml and res_config's defaults: a per-database secret (CSRF
    # tokens) and web.base.url as base installs it, http://localhost:8069.
    cr.execute("INSERT INTO ir_config_parameter (key, value) VALUES ('database.secret', %s), ('web.base.url', 'http://localhost:8069') ON CONFLICT DO NOTHING", (str(uuid.uuid4()),))
    # A job that runs at every wake-up of a cron thread (the lab's heartbeat, read by the tests).
    cr.execute("SELECT 1 FROM ir_cron WHERE code = 'heartbeat'")
    if not cr.fetchone():
        cr.execute("INSERT INTO ir_cron (cron_name, code, interval_number, interval_type) VALUES ('Flipdeck lab: heartbeat', 'heartbeat', 0, 'seconds')")
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
