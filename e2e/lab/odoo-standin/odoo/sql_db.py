# `odoo.sql_db.db_connect` for addons: a new connection to a database of the running server.
# Stand-in simplification: a psycopg2 connection, not Odoo's cursor pool.
from .tools import config


def db_connect(dbname):
    from .standin import db
    return db.connect(config, dbname)
