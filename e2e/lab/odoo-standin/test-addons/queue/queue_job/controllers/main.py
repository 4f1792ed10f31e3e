# /queue_job/runjob, as queue_job's controller runs a job: only a job in state `enqueued` (locked
# FOR UPDATE, so a second request for it does nothing); `started` is committed first with a lock
# row, then the job runs in a transaction that holds that row locked, and its effects commit with
# `done`. A worker killed mid-job therefore leaves no effect and an unlocked row, which the runner
# requeues (dead job): a job is never lost and never takes effect twice.
import json
import logging
import os
import traceback

from odoo import http, sql_db
from odoo.http import request

from ..job import JOB_FUNCTIONS

_logger = logging.getLogger('odoo.addons.queue_job.controllers.main')


class Job:
    def __init__(self, job_id, uuid, kwargs):
        self.id, self.uuid, self.kwargs = job_id, uuid, kwargs


def _start(conn, job_uuid):
    with conn.cursor() as cr:
        cr.execute("SELECT id, model_name, method_name, kwargs FROM queue_job WHERE uuid = %s AND state = 'enqueued' FOR UPDATE", (job_uuid,))
        row = cr.fetchone()
        if not row:
            conn.rollback()
            return None
        cr.execute("UPDATE queue_job SET state = 'started', date_started = now() at time zone 'utc', worker_pid = %s WHERE id = %s", (os.getpid(), row[0]))
        cr.execute('INSERT INTO queue_job_lock (queue_job_id) VALUES (%s) ON CONFLICT DO NOTHING', (row[0],))
    conn.commit()
    return row


def _perform(conn, row, job_uuid):
    job_id, model, method, kwargs = row
    with conn.cursor() as cr:
        cr.execute('SELECT 1 FROM queue_job_lock WHERE queue_job_id = %s FOR NO KEY UPDATE', (job_id,))
        # Requeued as dead between the two transactions: someone else owns it now.
        cr.execute("SELECT 1 FROM queue_job WHERE id = %s AND state = 'started' AND worker_pid = %s", (job_id, os.getpid()))
        if not cr.fetchone():
            conn.rollback()
            return
        try:
            JOB_FUNCTIONS[(model, method)](Job(job_id, job_uuid, kwargs), cr, **json.loads(kwargs or '{}'))
            cr.execute("UPDATE queue_job SET state = 'done', date_done = now() at time zone 'utc' WHERE id = %s", (job_id,))
            cr.execute('DELETE FROM queue_job_lock WHERE queue_job_id = %s', (job_id,))
            conn.commit()
        except Exception:
            conn.rollback()
            _logger.exception('%s failed', job_uuid)
            cr.execute("UPDATE queue_job SET state = 'failed', exc_info = %s WHERE id = %s", (traceback.format_exc(), job_id))
            cr.execute('DELETE FROM queue_job_lock WHERE queue_job_id = %s', (job_id,))
            conn.commit()


class RunJobController(http.Controller):
    @http.route('/queue_job/runjob', type='http', auth='none')
    def runjob(self, db=None, job_uuid=None, **kw):
        conn = sql_db.db_connect(request.db or db)
        try:
            row = _start(conn, job_uuid)
            if row is None:
                _logger.warning('was requested to run job %s, but it does not exist, or is not in state enqueued', job_uuid)
                return request.make_response('')
            _logger.info('%s started', job_uuid)
            _perform(conn, row, job_uuid)
            _logger.info('%s done', job_uuid)
        finally:
            conn.close()
        return request.make_response('')
