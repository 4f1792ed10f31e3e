# OCA queue_job's job runner as deploys meet it. It runs as a thread of an Odoo that loads queue_job
# server-wide (--load / server_wide_modules) unless ODOO_QUEUE_JOB_CHANNELS (or [queue_job] channels)
# is root:0. It does not run jobs: it asks Odoo to, with GET <scheme>://<host>:<port>/queue_job/runjob,
# where host and port come from ODOO_QUEUE_JOB_HOST/PORT (or [queue_job] host/port) and otherwise
# are this Odoo's own http_interface/http_port; in a --no-http cron runner nothing answers there, the
# job goes back to pending, and jobs never run. It keeps at most the root channel's capacity of jobs
# enqueued or started, and requeues dead jobs: enqueued or started for a while and not locked by the
# worker running them (a worker that was killed). Stand-in simplification: it polls the table
# instead of LISTENing to queue_job's NOTIFY trigger.
import configparser
import logging
import os
import socket
import threading
import urllib.error
import urllib.request

from . import db

_logger = logging.getLogger('odoo.addons.queue_job.jobrunner.runner')
POLL_SECONDS = 0.2
DEAD_AFTER_SECONDS = float(os.environ.get('STANDIN_JOB_DEAD_AFTER', '10'))


def _section(conf):
    path = conf.get('config') or os.environ.get('ODOO_RC')
    cp = configparser.RawConfigParser()
    if path and os.path.exists(path):
        cp.read(path)
    return dict(cp.items('queue_job')) if cp.has_section('queue_job') else {}


def _setting(conf, name, default):
    return os.environ.get('ODOO_QUEUE_JOB_' + name.upper()) or _section(conf).get(name) or default


def enabled(conf, loaded):
    server_wide = [m.strip() for m in str(conf.get('server_wide_modules') or '').split(',')]
    channels = _setting(conf, 'channels', 'root:1').strip()
    return 'queue_job' in server_wide and 'queue_job' in loaded and not conf['stop_after_init'] and not channels.startswith('root:0')


def _capacity(conf):
    root = _setting(conf, 'channels', 'root:1').split(',')[0].strip()
    try:
        return max(1, int(root.split(':')[1]))
    except (IndexError, ValueError):
        return 1


def _installed(conn):
    with conn.cursor() as cr:
        cr.execute("SELECT 1 FROM ir_module_module WHERE name = 'queue_job' AND state = 'installed'")
        return cr.fetchone() is not None


def _set_pending(conf, dbname, job_uuid):
    try:
        with db.connect(conf, dbname) as c, c.cursor() as cr:
            cr.execute("UPDATE queue_job SET state = 'pending', date_enqueued = NULL, date_started = NULL WHERE uuid = %s AND state = 'enqueued' RETURNING uuid", (job_uuid,))
            if cr.fetchone():
                _logger.warning('state of job %s was reset from enqueued to pending', job_uuid)
    except Exception as e:
        _logger.warning('could not reset job %s: %s', job_uuid, e)


def _dispatch(conf, dbname, url, job_uuid):
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            r.read()
    except (socket.timeout, TimeoutError):
        _set_pending(conf, dbname, job_uuid)  # only when the job never started: a long job is fine
    except Exception as e:
        _logger.error('exception in GET %s: %s', url, e)
        _set_pending(conf, dbname, job_uuid)


def _requeue_dead(cr):
    cr.execute('''
        WITH candidate AS (
            SELECT id FROM queue_job WHERE state IN ('enqueued', 'started')
               AND date_enqueued < (now() at time zone 'utc') - make_interval(secs => %s)),
        unlocked AS (
            SELECT queue_job_id FROM queue_job_lock WHERE queue_job_id IN (SELECT id FROM candidate) FOR NO KEY UPDATE SKIP LOCKED),
        held AS (
            SELECT queue_job_id FROM queue_job_lock WHERE queue_job_id IN (SELECT id FROM candidate)
            EXCEPT SELECT queue_job_id FROM unlocked)
        UPDATE queue_job SET state = 'pending', retry = retry + 1, date_enqueued = NULL, date_started = NULL, worker_pid = NULL
         WHERE id IN (SELECT id FROM candidate) AND id NOT IN (SELECT queue_job_id FROM held)
        RETURNING uuid''', (DEAD_AFTER_SECONDS,))
    for (job_uuid,) in cr.fetchall():
        _logger.warning('job %s was dead (not locked by any worker): requeued', job_uuid)


def _run_jobs(conf, dbname, base, cr):
    cr.execute("SELECT count(*) FROM queue_job WHERE state IN ('enqueued', 'started')")
    free = _capacity(conf) - cr.fetchone()[0]
    if free <= 0:
        return
    cr.execute('''SELECT uuid FROM queue_job WHERE state = 'pending' AND (eta IS NULL OR eta <= now() at time zone 'utc')
                  ORDER BY priority, date_created, id LIMIT %s''', (free,))
    for (job_uuid,) in cr.fetchall():
        cr.execute("UPDATE queue_job SET state = 'enqueued', date_enqueued = now() at time zone 'utc' WHERE uuid = %s AND state = 'pending' RETURNING uuid", (job_uuid,))
        if not cr.fetchone():
            continue
        _logger.info('asking Odoo to run job %s on db %s', job_uuid, dbname)
        url = '%s/queue_job/runjob?db=%s&job_uuid=%s' % (base, dbname, job_uuid)
        threading.Thread(target=_dispatch, args=(conf, dbname, url, job_uuid), daemon=True).start()


def run(conf, stop):
    dbname = str(conf['db_name'] or '').split(',')[0]
    host = _setting(conf, 'host', conf['http_interface'] or 'localhost')
    base = '%s://%s:%s' % (_setting(conf, 'scheme', 'http'), host, _setting(conf, 'port', conf['http_port']))
    _logger.info('starting (jobs are sent to %s)', base)
    conn = None
    ticks = 0
    while not stop.wait(POLL_SECONDS if conn else 0):
        try:
            if conn is None:
                conn = db.connect(conf, dbname)
                conn.autocommit = True
                if not _installed(conn):
                    _logger.info('queue_job is not installed for db %s', dbname)
                    return
                _logger.info('queue job runner ready for db %s', dbname)
            with conn.cursor() as cr:
                if ticks % 25 == 0:
                    _requeue_dead(cr)
                _run_jobs(conf, dbname, base, cr)
            ticks += 1
        except Exception as e:
            _logger.warning('job runner error, retrying in 1 s: %s', e)
            conn = None
            stop.wait(1)
    _logger.info('stopped')
