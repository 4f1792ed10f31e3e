// Odoo's web.base.url: the address Odoo writes into e-mails, reports, portal links and OAuth
// redirects. Left alone, the next administrator login records whatever address that request used
// (res_users.authenticate, unless web.base.url.freeze is set) — an internal IP, a staging name, or
// http behind TLS. Flipdeck sets it to the environment's public address and freezes it, in a one-off
// before a new pool starts (each worker caches parameters). HTTPS at the edge and staging copies
// call this same function.
import type { Environment } from '../../../shared/environment';

export interface BaseUrlPlan {
  /** Null: the environment has no domains, so Odoo keeps deciding it. */
  url: string | null;
  why: string;
}

export function baseUrlPlan(e: Pick<Environment, 'domains' | 'public_scheme'>): BaseUrlPlan {
  const first = e.domains[0];
  if (!first)
    return {
      url: null,
      why: "no domains: web.base.url is left to Odoo (an administrator's login records the address it used)",
    };
  const url = `${e.public_scheme}://${first.toLowerCase()}`;
  return { url, why: `web.base.url = ${url} (frozen), the first of the environment's domains` };
}

/** The SQL that sets and freezes it; the URL is checked again here because it goes into a literal. */
export function baseUrlSql(url: string): string {
  if (!/^https?:\/\/[a-z0-9.-]+$/.test(url)) throw new Error(`not a base URL Flipdeck sets: ${url}`);
  return (
    "INSERT INTO ir_config_parameter (key, value) VALUES ('web.base.url', '" +
    url +
    "'), ('web.base.url.freeze', 'True') ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
  );
}
