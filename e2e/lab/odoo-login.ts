// Logging in to Odoo the way a browser does: GET /web/login (which sets the session cookie and
// renders a CSRF token tied to it), then POST the form with both. Odoo answers a POST without the
// token 400 "Session expired (invalid CSRF token)", so tests log in only through here.

export interface LoginResult {
  status: number;
  /** `session_id=…` after the POST (Odoo rotates the id on a successful login). */
  cookie: string | null;
  body: string;
  /** The headers of the POST's answer. */
  headers: Headers;
}

const sessionCookie = (h: Headers) => /session_id=[^;]+/.exec(h.get('set-cookie') ?? '')?.[0] ?? null;

export async function browserLogin(
  base: string,
  login: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<LoginResult> {
  const page = await fetch(`${base}/web/login`, { headers, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
  const html = await page.text();
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
  const first = sessionCookie(page.headers);
  if (!csrf || !first)
    throw new Error(`GET /web/login gave no ${csrf ? 'session cookie' : 'CSRF token'} (${page.status})`);
  const r = await fetch(`${base}/web/login`, {
    method: 'POST',
    headers: { ...headers, cookie: first },
    body: new URLSearchParams({ login, password, csrf_token: csrf }),
    redirect: 'manual',
    signal: AbortSignal.timeout(15_000),
  });
  return { status: r.status, cookie: sessionCookie(r.headers) ?? first, body: await r.text(), headers: r.headers };
}
