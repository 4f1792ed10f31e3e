// The addons an Odoo image can load, and the modules a database has installed: what queue_job's
// wiring, the pre-flight and the module update all ask.
import type Docker from 'dockerode';
import type { AuditSink } from '../core/server-link';
import { imageFacts, loadableAddons } from './image-facts';

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

/**
 * The addons the image can load and install (./image-facts.ts: Odoo's own path, pip-installed addons,
 * the conf's addons_path; `installable: False` and directories without `__init__.py` left out).
 */
export async function imageAddons(docker: Docker, audit: AuditSink, image: string): Promise<Set<string> | null> {
  const facts = await imageFacts(docker, audit, image);
  return facts ? loadableAddons(facts) : null;
}
