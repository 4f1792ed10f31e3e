# Asset bundles as Odoo 17.0/18.0 serve them (odoo/addons/base/models/assetsbundle.py AssetsBundle,
# addons/web/controllers/binary.py content_assets): a page references /web/assets/<version>/<bundle>,
# the version a checksum of the bundle's files and their last-modified times (get_checksum over each
# asset's url and last_modified), so it follows the code — a rebuilt image whose files have new
# mtimes has a new version. The bundle is generated on first request and saved as an ir_attachment
# (save_attachment), after deleting the attachments of this bundle's other versions (clean_attachments):
# one database keeps one version. A request for another version regenerates this worker's own and
# redirects to it — so two code versions serving one database at once delete each other's bundles
# on every page (the ping-pong). Saving broadcasts `bundle_changed` on the bus with the release
# version; clients prompt a reload only when it differs from theirs (not modelled: no bus messages).
import hashlib
import logging
import os

from werkzeug.wrappers import Response

import odoo.release
from . import attachments, db

_logger = logging.getLogger('odoo.addons.base.models.assetsbundle')
BUNDLE = 'web.assets_frontend.min.js'


def _static_files(paths):
    for base in paths:
        if not os.path.isdir(base):
            continue
        for addon in sorted(os.listdir(base)):
            static = os.path.join(base, addon, 'static')
            for root, _dirs, files in os.walk(static):
                for name in sorted(files):
                    yield os.path.join(root, name)


def compute_version(paths):
    """get_checksum: over each asset's url and last_modified (its file's mtime); 7 characters in the URL."""
    descriptor = ','.join('%s,%s' % (os.path.relpath(f, os.path.dirname(os.path.dirname(f))), os.path.getmtime(f)) for f in _static_files(paths))
    return hashlib.sha512(descriptor.encode()).hexdigest()[:7]


class Bundles:
    def __init__(self, conf, core):
        self.conf = conf
        self.version = compute_version([core] + conf['addons_paths'])

    def url(self, name=BUNDLE):
        return '/web/assets/%s/%s' % (self.version, name)

    def tag(self):
        return '<script type="text/javascript" src="%s"></script>' % self.url()

    def serve(self, dbname, unique, filename):
        own = self.url(filename)
        with db.connect(self.conf, dbname) as c, c.cursor() as cr:
            cr.execute('SELECT id FROM ir_attachment WHERE url = %s', (own,))
            row = cr.fetchone()
        if not row:
            self.save(dbname, filename, own)
        if unique != self.version:
            return Response('', status=302, headers={'Location': own})
        with db.connect(self.conf, dbname) as c, c.cursor() as cr:
            cr.execute('SELECT id FROM ir_attachment WHERE url = %s', (own,))
            row = cr.fetchone()
        return attachments.content(self.conf, dbname, row[0]) if row else Response('', status=404)

    def save(self, dbname, filename, own):
        """clean_attachments then save_attachment: one version of the bundle per database."""
        with db.connect(self.conf, dbname) as c, c.cursor() as cr:
            cr.execute("DELETE FROM ir_attachment WHERE url LIKE %s AND url != %s RETURNING url", ('/web/assets/%/' + filename, own))
            gone = [r[0] for r in cr.fetchall()]
        data = ('/* %s, version %s (Odoo %s) */\n' % (filename, self.version, odoo.release.version)).encode()
        attachments.create(self.conf, dbname, filename, data, 'ir.ui.view', 0, 'application/javascript', url=own)
        _logger.info('Generated asset bundle %s version %s%s', filename, self.version, (' (deleted %s)' % ', '.join(gone)) if gone else '')
