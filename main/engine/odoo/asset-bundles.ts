// Odoo's asset bundles and what a deploy must know about them. A page names its bundles by version,
// /web/assets/<version>/<bundle>; the version is a checksum over the bundle's files and their
// last-modified times (odoo/addons/base/models/assetsbundle.py get_checksum), so it follows the code.
// One database keeps one version of each bundle: saving one deletes the others (clean_attachments).
// Two code versions serving one database at once (the rolling strategy's mixed window) therefore
// delete and regenerate each other's bundles on every page; blue-green regenerates once, after the
// flip. The fingerprint below is what the version depends on: every addon's static files, by path
// and mtime, across the image's addons paths (Odoo's own, pip-installed ones, the conf's).
import type Docker from 'dockerode';
import type { AuditSink } from '../core/server-link';
import { runTool } from '../docker/containers';

export const ASSET_FINGERPRINT_PY = [
  'import configparser, hashlib, os',
  'paths = []',
  'try:',
  '    import odoo.addons',
  '    paths += list(odoo.addons.__path__)',
  'except Exception:',
  '    pass',
  'c = configparser.ConfigParser()',
  'try:',
  "    c.read(os.environ.get('ODOO_RC') or '/etc/odoo/odoo.conf')",
  "    paths += [p.strip() for p in c.get('options', 'addons_path', fallback='').split(',') if p.strip()]",
  'except Exception:',
  '    pass',
  'h = hashlib.sha256()',
  'n = 0',
  'for base in paths:',
  '    if not os.path.isdir(base):',
  '        continue',
  '    for addon in sorted(os.listdir(base)):',
  "        for root, dirs, files in os.walk(os.path.join(base, addon, 'static')):",
  '            dirs.sort()',
  '            for name in sorted(files):',
  '                f = os.path.join(root, name)',
  "                h.update(('%s,%r\\n' % (os.path.relpath(f, base), os.path.getmtime(f))).encode())",
  '                n += 1',
  "print('assets %s %d' % (h.hexdigest(), n))",
].join('\n');

/** The asset fingerprint of an image (a one-off, audited); null when it cannot tell. */
export async function assetFingerprint(docker: Docker, audit: AuditSink, image: string): Promise<string | null> {
  const out = await runTool(docker, audit, image, ['python3', '-c', ASSET_FINGERPRINT_PY]);
  return parseFingerprint(out ?? '');
}

export function parseFingerprint(output: string): string | null {
  return /^assets ([0-9a-f]{64}) \d+$/m.exec(output)?.[1] ?? null;
}

/** The bundle URLs a page references. */
export function bundleUrls(html: string): string[] {
  return [...new Set([...html.matchAll(/(?:src|href)="(\/web\/assets\/[^"]+)"/g)].map((m) => m[1]!))];
}

export const ROLLING_MIXES_BUNDLES =
  "the rolling strategy would serve the old and the new code at once, and their asset bundles differ (Odoo keeps one version of each bundle per database: every page would delete and regenerate the other's, and a page from one version would get the other's scripts). Deploy this change with strategy blue-green (one regeneration, after the flip); rolling stays fine for deploys whose static files did not change";

/**
 * Regenerations are counted from the attachment id sequence: a saved bundle is a new ir_attachment
 * row even when the next save deletes it, so inserts since the deploy began, minus the other
 * attachments created meanwhile (uploads, which stay), are the bundles generated. The mark is read
 * before the new pool starts; the count at the cron handover, inside the fence (cron-fence.ts).
 */
export const ATTACHMENT_MARK_SQL =
  "SELECT 'mark:' || CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM ir_attachment_id_seq";

export function parseMarks(output: string): { mark: number | null; other: number | null } {
  const num = (re: RegExp) => {
    const m = re.exec(output);
    return m ? Number(m[1]) : null;
  };
  return { mark: num(/^mark:(\d+)$/m), other: num(/^other:(\d+)$/m) };
}
