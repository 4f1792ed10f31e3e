# Attachments as Odoo stores them (odoo/addons/base/models/ir_attachment.py, 14.0-18.0): an
# ir_attachment row whose content lives in the filestore, <data_dir>/filestore/<db>/<sha1[:2]>/<sha1>
# (_file_write, named by the content's sha1, written once), every file written also marked in the
# `checklist` folder (_mark_for_gc); the autovacuum's _gc_file_store removes the files listed there
# that no row references any more. Served by /web/content/<id> (ir.binary), uploaded through
# /web/binary/upload_attachment (addons/web/controllers/binary.py, a user route, CSRF-checked).
import hashlib
import json
import logging
import mimetypes
import os

from werkzeug.wrappers import Response

from . import db

_logger = logging.getLogger('odoo.addons.base.models.ir_attachment')


def filestore(conf, dbname):
    return os.path.join(conf['data_dir'], 'filestore', dbname)


def _mark_for_gc(store, fname):
    path = os.path.join(store, 'checklist', fname)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, 'ab').close()


def file_write(conf, dbname, data):
    checksum = hashlib.sha1(data).hexdigest()
    fname = '%s/%s' % (checksum[:2], checksum)
    store = filestore(conf, dbname)
    full = os.path.join(store, fname)
    if not os.path.exists(full):
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full + '.tmp', 'wb') as f:
            f.write(data)
        os.replace(full + '.tmp', full)
    _mark_for_gc(store, fname)
    return fname, checksum


def create(conf, dbname, name, data, res_model, res_id, mimetype=None, url=None):
    fname, checksum = file_write(conf, dbname, data)
    mimetype = mimetype or mimetypes.guess_type(name)[0] or 'application/octet-stream'
    with db.connect(conf, dbname) as c, c.cursor() as cr:
        cr.execute('''INSERT INTO ir_attachment (name, store_fname, checksum, file_size, mimetype, res_model, res_id, url)
                      VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id''', (name, fname, checksum, len(data), mimetype, res_model, res_id, url))
        return cr.fetchone()[0], len(data)


def upload(conf, dbname, request):
    """binary.py upload_attachment: one row per uploaded file, answered as JSON (no callback)."""
    out = []
    for ufile in request.files.getlist('ufile'):
        att_id, size = create(conf, dbname, ufile.filename, ufile.read(), request.form.get('model'), int(request.form.get('id') or 0), ufile.content_type)
        out.append({'filename': ufile.filename, 'mimetype': ufile.content_type, 'id': att_id, 'size': size})
    return Response(json.dumps(out), content_type='text/html')


def content(conf, dbname, att_id):
    with db.connect(conf, dbname) as c, c.cursor() as cr:
        cr.execute('SELECT name, store_fname, mimetype FROM ir_attachment WHERE id = %s', (att_id,))
        row = cr.fetchone()
    path = row and os.path.join(filestore(conf, dbname), row[1])
    if not row or not os.path.exists(path):
        if row:
            _logger.info('_read_file reading %s', path)  # Odoo logs the missing file and serves nothing
        return Response('<h1>404: Not Found</h1>', status=404, content_type='text/html')
    with open(path, 'rb') as f:
        data = f.read()
    return Response(data, content_type=row[2], headers={'Content-Disposition': 'inline; filename="%s"' % row[0]})


def gc_file_store(conf, dbname, cr):
    """_gc_file_store_unsafe: under a SHARE lock on ir_attachment, remove the checklisted files no
    row references; the checklist entries go either way."""
    store = filestore(conf, dbname)
    checklist_dir = os.path.join(store, 'checklist')
    marked = []
    for root, _dirs, files in os.walk(checklist_dir):
        for name in files:
            full = os.path.join(root, name)
            marked.append(os.path.relpath(full, checklist_dir))
    if not marked:
        return 0
    cr.execute('LOCK ir_attachment IN SHARE MODE')
    cr.execute('SELECT store_fname FROM ir_attachment WHERE store_fname = ANY(%s)', (marked,))
    kept = {r[0] for r in cr.fetchall()}
    removed = 0
    for fname in marked:
        if fname not in kept:
            try:
                os.unlink(os.path.join(store, fname))
                removed += 1
            except FileNotFoundError:
                pass
        os.unlink(os.path.join(checklist_dir, fname))
    _logger.info('filestore gc %d checked, %d removed', len(marked), removed)
    return removed
