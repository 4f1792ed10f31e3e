# Routes the lab tests use, declared the way an Odoo addon declares them.
import logging
import time

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)


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

    @http.route('/flipdeck_lab/log', type='http', auth='none')
    def log(self, level='info', n='1', msg='lab line', **kw):
        count = max(0, min(int(n), 100000))
        lvl = getattr(logging, level.upper(), logging.INFO)
        for i in range(count):
            _logger.log(lvl, '%s %d', msg, i)
        return request.make_response('logged %d' % count)

    @http.route('/flipdeck_lab/whereami', type='http', auth='none')
    def whereami(self, **kw):
        # The request as Odoo sees it (after ProxyFix): what URLs it writes are built from.
        r = request.httprequest
        return request.make_response('%s %s' % (r.url_root, r.remote_addr))
