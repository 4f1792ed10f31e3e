# Crons as Odoo runs them (odoo/addons/base/models/ir_cron.py, 14.0-17.0 columns): `ir_cron` rows with
# a `nextcall`; each cron thread (max_cron_threads of them, daemon threads) wakes up, skips the
# database while any module is 'to install' / 'to upgrade' / 'to remove' (_check_modules_state), and
# takes each ready job with SELECT ... FOR NO KEY UPDATE SKIP LOCKED (_acquire_one_job), holding that
# row lock for the job's whole run; the job runs in its own transaction, then nextcall moves on and
# the lock is released (_process_job). A SIGTERM ends the process: a running job dies with its
# thread and its transaction rolls back, so its nextcall has not moved and the next runner runs it
# again. Lab-only: the wake-up interval is STANDIN_CRON_INTERVAL seconds (Odoo: 60 s plus the
# cron_trigger notifications), `interval_type` may be 'seconds', and a job's `code` names one of the
# lab jobs below instead of a server action (and 'autovacuum', base's own).
import logging
import os
import socket
import time

from . import attachments, db

_logger = logging.getLogger('odoo.addons.base.models.ir_cron')
POOL = os.environ.get('FLIPDECK_POOL')
UNITS = {'seconds': 1, 'minutes': 60, 'hours': 3600, 'days': 86400, 'weeks': 604800}


def run_job(conn_job, conf, dbname, job):
    """The job's own work, in its own transaction (committed by the caller)."""
    code = job['code'] or ''
    with conn_job.cursor() as cr:
        if code == 'autovacuum':
            # base.autovacuum_job: ir.autovacuum._run_vacuum_cleaner, which includes _gc_file_store.
            attachments.gc_file_store(conf, dbname, cr)
        elif code == 'heartbeat':
            cr.execute('INSERT INTO flipdeck_cron_heartbeat (hostname, pool) VALUES (%s, %s)', (socket.gethostname(), POOL))
        elif code.startswith('sleep:'):
            # A long job: its start is recorded at once (autocommit, as an e-mail sent mid-job would be
            # seen by the world), its effect only when it commits.
            with db.connect(conf, dbname) as side, side.cursor() as sc:
                side.autocommit = True
                sc.execute('INSERT INTO flipdeck_cron_start (cron_id, hostname, pool) VALUES (%s, %s, %s) RETURNING started_at', (job['id'], socket.gethostname(), POOL))
                started = sc.fetchone()[0]
            time.sleep(float(code.split(':', 1)[1]))
            cr.execute('INSERT INTO flipdeck_cron_run (cron_id, started_at, hostname, pool) VALUES (%s, %s, %s, %s)', (job['id'], started, socket.gethostname(), POOL))


def process_jobs(conf, dbname):
    """ir_cron._process_jobs for one database."""
    conn = db.connect(conf, dbname)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'ir_cron'")
            if not cr.fetchone():
                return
            cr.execute("SELECT id FROM ir_cron WHERE active AND numbercall != 0 AND nextcall <= (now() at time zone 'UTC') ORDER BY priority, id")
            ids = [r[0] for r in cr.fetchall()]
            if not ids:
                conn.rollback()
                return
            cr.execute("SELECT 1 FROM ir_module_module WHERE state LIKE 'to %' LIMIT 1")
            if cr.fetchone():
                _logger.warning('Skipping database %s because of modules to install/upgrade/remove.', dbname)
                conn.rollback()
                return
            conn.commit()
            for job_id in ids:
                cr.execute("""SELECT id, cron_name, code, interval_number, interval_type, numbercall FROM ir_cron
                               WHERE active AND numbercall != 0 AND nextcall <= (now() at time zone 'UTC') AND id = %s
                               FOR NO KEY UPDATE SKIP LOCKED""", (job_id,))
                row = cr.fetchone()
                if not row:
                    conn.rollback()
                    _logger.debug('another worker is processing job %s, skip', job_id)
                    continue
                job = dict(zip(('id', 'cron_name', 'code', 'interval_number', 'interval_type', 'numbercall'), row))
                _logger.info('Starting job `%s`.', job['cron_name'])
                started = time.time()
                job_conn = db.connect(conf, dbname)
                try:
                    run_job(job_conn, conf, dbname, job)
                    job_conn.commit()
                except Exception:
                    job_conn.rollback()
                    _logger.exception('Call of job `%s` failed', job['cron_name'])
                finally:
                    job_conn.close()
                step = job['interval_number'] * UNITS.get(job['interval_type'], 60)
                numbercall = job['numbercall'] - 1 if job['numbercall'] > 0 else job['numbercall']
                cr.execute("""UPDATE ir_cron SET nextcall = (now() at time zone 'UTC') + %s * interval '1 second',
                                  lastcall = (now() at time zone 'UTC'), numbercall = %s, active = %s WHERE id = %s""",
                           (step, numbercall, numbercall != 0, job['id']))
                conn.commit()
                _logger.info('Job `%s` done in %.3fs.', job['cron_name'], time.time() - started)
    finally:
        conn.close()


def cron_thread(conf, stop, number):
    """ThreadedServer.cron_thread: wake up, process every ready job, sleep again (a daemon thread)."""
    interval = float(os.environ.get('STANDIN_CRON_INTERVAL', '1'))
    dbname = str(conf['db_name'] or '').split(',')[0]
    while not stop.wait(interval):
        if not dbname:
            continue
        try:
            process_jobs(conf, dbname)
        except Exception as e:
            _logger.warning('cron thread %s: %s', number, e)
