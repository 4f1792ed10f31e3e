# Routes the lab tests use, declared the way an Odoo addon declares them.
import time

from odoo import http
from odoo.http import request


class FlipdeckLab(http.Controller):
    @http.route('/flipdeck_lab/slow', type='http', auth='none')
    def slow(self, seconds='1', **kw):
        time.sleep(min(float(seconds), 600))
        return request.make_response('slept %s' % seconds)

    @http.route('/flipdeck_lab/alloc', type='http', auth='none')
    def alloc(self, mb='10', **kw):
        block = bytearray(int(float(mb) * 1024 * 1024))
        for i in range(0, len(block), 4096):
            block[i] = 1
        FlipdeckLab._kept = getattr(FlipdeckLab, '_kept', []) + [block]
        return request.make_response('holding %d MiB' % (sum(len(b) for b in FlipdeckLab._kept) // (1024 * 1024)))
