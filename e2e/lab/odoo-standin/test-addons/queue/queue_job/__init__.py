# OCA queue_job as deploys meet it (a stand-in; see the stand-in README): the queue_job table, the
# /queue_job/runjob controller that runs one enqueued job, and job functions other addons declare.
# Its job runner is odoo/standin/queue_runner.py: like the real one, it starts only in an Odoo that
# loads queue_job server-wide (--load / server_wide_modules).
from . import controllers  # noqa: F401
from .job import enqueue, job_function  # noqa: F401


def post_init_hook(env):
    env.cr.execute('''
        CREATE TABLE IF NOT EXISTS queue_job (
            id serial PRIMARY KEY, uuid varchar UNIQUE NOT NULL, state varchar NOT NULL DEFAULT 'pending',
            model_name varchar, method_name varchar, kwargs text DEFAULT '{}', channel varchar DEFAULT 'root',
            priority integer DEFAULT 10, eta timestamp, retry integer DEFAULT 0, exc_info text, worker_pid integer,
            date_created timestamp DEFAULT (now() at time zone 'utc'), date_enqueued timestamp, date_started timestamp, date_done timestamp);
        CREATE TABLE IF NOT EXISTS queue_job_lock (id serial PRIMARY KEY, queue_job_id integer UNIQUE REFERENCES queue_job(id) ON DELETE CASCADE);
    ''')
