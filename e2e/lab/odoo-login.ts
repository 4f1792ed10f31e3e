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
  body?: string | Buffer,
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

/** The web client's CSRF token for its own POSTs (rendered into /web for the logged-in session). */
export async function webClientCsrf(
  base: string,
  cookie: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const page = await send(`${base}/web`, 'GET', { ...headers, cookie });
  const token = /csrf_token: "([^"]+)"/.exec(page.body)?.[1];
  if (!token) throw new Error(`GET /web gave no CSRF token (${page.status})`);
  return token;
}

/** Uploads one file as the web client does (/web/binary/upload_attachment, multipart); resolves with its id. */
export async function uploadAttachment(
  base: string,
  cookie: string,
  file: { name: string; data: Buffer; type: string },
  headers: Record<string, string> = {},
): Promise<{ status: number; id: number | null; body: string }> {
  const csrf = await webClientCsrf(base, cookie, headers);
  const boundary = `flipdeck${Date.now()}`;
  const field = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const body = Buffer.concat([
    Buffer.from(field('csrf_token', csrf) + field('model', 'res.partner') + field('id', '1')),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="ufile"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
    ),
    file.data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const r = await send(
    `${base}/web/binary/upload_attachment`,
    'POST',
    { ...headers, cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  );
  const id = r.status === 200 ? ((JSON.parse(r.body) as { id: number }[])[0]?.id ?? null) : null;
  return { status: r.status, id, body: r.body };
}

/** GET /web/content/<id> with the session; the body as bytes. */
export function downloadAttachment(
  base: string,
  cookie: string,
  id: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; data: Buffer; worker: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/web/content/${id}`, { headers: { ...headers, cookie }, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          data: Buffer.concat(chunks),
          worker: String(res.headers['x-flipdeck-worker'] ?? ''),
        }),
      );
    });
    req.on('timeout', () => req.destroy(new Error('GET /web/content: no answer within 15 s')));
    req.on('error', reject);
  });
}
