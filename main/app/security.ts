// Electron hardening as data and pure functions, so it is unit-tested here where no Electron binary
// can run. index.ts only hands these to Electron.

/** The page's Content-Security-Policy. The same string is in renderer/index.html (a test keeps them equal),
 * so the browser host enforces exactly what Electron does. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // xterm.js (terminal and log panes) sizes and themes itself through <style> elements it creates;
  // without inline styles it renders nothing. Scripts stay strictly 'self'; no remote style, image,
  // font or connection source exists to exfiltrate through CSS.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Electron's BrowserWindow webPreferences, hardened. */
export function windowOptions(preloadPath: string) {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Flipdeck',
    backgroundColor: '#111418',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
    },
  } as const;
}

/** The app is served from a custom protocol; only frames from that origin may call main. */
export const APP_SCHEME = 'flipdeck';
export const APP_ORIGIN = `${APP_SCHEME}://app`;

export function isTrustedSender(frameUrl: string | undefined, appOrigin = APP_ORIGIN): boolean {
  if (!frameUrl) return false;
  try {
    const u = new URL(frameUrl);
    return `${u.protocol}//${u.host}` === appOrigin;
  } catch {
    return false;
  }
}

/** Navigation away from the app is never allowed (a link, a redirect, a dropped file). */
export function shouldBlockNavigation(targetUrl: string, appOrigin = APP_ORIGIN): boolean {
  return !isTrustedSender(targetUrl, appOrigin) || new URL(targetUrl).pathname !== '/index.html';
}

/** No new windows, ever; http(s) links the user clicks may open in the system browser instead. */
export function windowOpenDecision(url: string): { action: 'deny'; openExternally: boolean } {
  try {
    const u = new URL(url);
    return { action: 'deny', openExternally: u.protocol === 'https:' || u.protocol === 'http:' };
  } catch {
    return { action: 'deny', openExternally: false };
  }
}

/** Every permission request (camera, notifications from web content, geolocation…) is denied. */
export function permissionDecision(_permission: string): boolean {
  return false;
}

/** Maps a request on the app protocol to a file inside the built renderer, or null when it escapes it. */
export function resolveAppFile(
  requestUrl: string,
  rendererDir: string,
  join: (...p: string[]) => string,
): string | null {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return null;
  }
  if (`${u.protocol}//${u.host}` !== APP_ORIGIN) return null;
  const rel = decodeURIComponent(u.pathname).replace(/^\/+/, '') || 'index.html';
  if (rel.split('/').some((part) => part === '..' || part === '') || rel.includes('\\')) return null;
  return join(rendererDir, rel);
}
