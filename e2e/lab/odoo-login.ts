// Logging in to Odoo the way a browser does: GET /web/login (which sets the session cookie and
// renders a CSRF token tied to it), then POST the form with both. Odoo answers a POST without the
// token 400 "Session expired (invalid CSRF token)", so tests log in only through here. node:http,
// not fetch, so a test can send any Host (the edge routes by it).
import http from 'node:http';

export interface LoginResult {
  status: number;
  /** `session_id=…` after the POST (Odoo rotates the id on a successful login). */
  cookie: string | null;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, timeout: 15_000 }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within 15 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

const sessionCookie = (h: http.IncomingHttpHeaders) =>
  (h['set-cookie'] ?? []).map((c) => /session_id=[^;]+/.exec(c)?.[0]).find(Boolean) ?? null;

export async function browserLogin(
  base: string,
  login: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<LoginResult> {
  const page = await send(`${base}/web/login`, 'GET', headers);
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.body)?.[1];
  const first = sessionCookie(page.headers);
  if (!csrf || !first)
    throw new Error(`GET /web/login gave no ${csrf ? 'session cookie' : 'CSRF token'} (${page.status})`);
  const form = new URLSearchParams({ login, password, csrf_token: csrf }).toString();
  const r = await send(
    `${base}/web/login`,
    'POST',
    { ...headers, cookie: first, 'content-type': 'application/x-www-form-urlencoded' },
    form,
  );
  return { status: r.status, cookie: sessionCookie(r.headers) ?? first, body: r.body, headers: r.headers };
}
