// The addons an Odoo image can load, and the modules a database has installed: what queue_job's
// wiring, the pre-flight and the module update all ask.
import type Docker from 'dockerode';
import type { AuditSink } from '../core/server-link';
import { runTool } from '../docker/containers';

/** What Odoo has installed; read by the pre-flight (managed database) and the migrating step (any). */
export const INSTALLED_MODULES_SQL = "SELECT name FROM ir_module_module WHERE state = 'installed'";

export function parseModuleNames(output: string): Set<string> {
  return new Set(
    output
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^[a-z0-9_]+$/.test(l)),
  );
}

/**
 * The database's active languages, as click-odoo-update reads them (`res_lang WHERE active`): the
 * module stamp counts only their .po files. Each line is prefixed so that one psql call can ask it
 * after INSTALLED_MODULES_SQL (`-c` twice) and the two answers stay apart.
 */
export const ACTIVE_LANGUAGES_SQL = "SELECT 'lang:' || code FROM res_lang WHERE active";

/** The language codes in psql's output; null when it holds none (the question was not answered). */
export function parseLanguageCodes(output: string): string[] | null {
  const codes = output
    .split('\n')
    .map((l) => /^lang:([A-Za-z]{2,3}(?:_[A-Za-z0-9]+)?(?:@[a-z]+)?)$/.exec(l.trim())?.[1])
    .filter((c): c is string => !!c);
  return codes.length ? [...new Set(codes)].sort() : null;
}

/** Lists every addon the image can load: Odoo's own addons path and the config's addons_path. A fixed script. */
export const LIST_ADDONS_PY = [
  'import os, json, configparser',
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
  'names = set()',
  'for p in paths:',
  '    try:',
  '        names.update(n for n in os.listdir(p) if os.path.isfile(os.path.join(p, n, "__manifest__.py")))',
  '    except OSError:',
  '        pass',
  'print(json.dumps(sorted(names)))',
].join('\n');

export async function imageAddons(docker: Docker, audit: AuditSink, image: string): Promise<Set<string> | null> {
  const out = await runTool(docker, audit, image, ['python3', '-c', LIST_ADDONS_PY]);
  try {
    return out ? new Set(JSON.parse(out.trim().split('\n').pop() ?? '[]') as string[]) : null;
  } catch {
    return null;
  }
}
