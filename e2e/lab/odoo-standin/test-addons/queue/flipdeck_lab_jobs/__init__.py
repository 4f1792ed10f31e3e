# Delayed jobs for the lab's handover tests: each records, with its own commit, which worker (and
# pool) ran it, so a test can see a job lost (no row) or run twice (two rows).
import os
import socket
import time

from odoo import http, sql_db
from odoo.http import request
from odoo.addons.queue_job import enqueue, job_function


def post_init_hook(env):
    env.cr.execute('CREATE TABLE IF NOT EXISTS flipdeck_job_effect (id serial PRIMARY KEY, job_uuid varchar, hostname varchar, pool varchar, at timestamptz DEFAULT clock_timestamp())')


@job_function('flipdeck.lab.job', 'sleep_and_record')
def sleep_and_record(job, cr, seconds=0.5):
    time.sleep(min(float(seconds), 60))
    cr.execute('INSERT INTO flipdeck_job_effect (job_uuid, hostname, pool) VALUES (%s, %s, %s)', (job.uuid, socket.gethostname(), os.environ.get('FLIPDECK_POOL')))


class LabJobs(http.Controller):
    @http.route('/flipdeck_lab_jobs/enqueue', type='http', auth='none')
    def enqueue(self, n='1', seconds='0.5', **kw):
        conn = sql_db.db_connect(request.db)
        try:
            with conn.cursor() as cr:
                uuids = [enqueue(cr, 'flipdeck.lab.job', 'sleep_and_record', seconds=float(seconds)) for _ in range(max(0, min(int(n), 1000)))]
            conn.commit()
        finally:
            conn.close()
        return request.make_response('\n'.join(uuids))
