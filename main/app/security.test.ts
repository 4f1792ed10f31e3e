import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  CONTENT_SECURITY_POLICY,
  isTrustedSender,
  permissionDecision,
  resolveAppFile,
  shouldBlockNavigation,
  windowOpenDecision,
  windowOptions,
} from './security';

describe('Electron hardening', () => {
  it('isolates and sandboxes the renderer', () => {
    const w = windowOptions('/app/preload.cjs').webPreferences;
    expect(w).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    });
  });

  it('trusts only frames from the app origin', () => {
    expect(isTrustedSender(`${APP_ORIGIN}/index.html`)).toBe(true);
    expect(isTrustedSender('https://evil.example/index.html')).toBe(false);
    expect(isTrustedSender('flipdeck://app.evil/index.html')).toBe(false);
    expect(isTrustedSender('file:///etc/passwd')).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
    expect(isTrustedSender('not a url')).toBe(false);
  });

  it('blocks navigation, new windows and permissions', () => {
    expect(shouldBlockNavigation('https://example.com/')).toBe(true);
    expect(shouldBlockNavigation(`${APP_ORIGIN}/other.html`)).toBe(true);
    expect(shouldBlockNavigation(`${APP_ORIGIN}/index.html`)).toBe(false);
    expect(windowOpenDecision('https://odoo.com/doc')).toEqual({ action: 'deny', openExternally: true });
    expect(windowOpenDecision('file:///etc/passwd')).toEqual({ action: 'deny', openExternally: false });
    expect(permissionDecision('notifications')).toBe(false);
  });

  it('serves only files inside the renderer directory', () => {
    const join = (...p: string[]) => p.join('/');
    expect(resolveAppFile(`${APP_ORIGIN}/assets/a.js`, '/r', join)).toBe('/r/assets/a.js');
    expect(resolveAppFile(`${APP_ORIGIN}/`, '/r', join)).toBe('/r/index.html');
    // The URL parser resolves dot segments before we see them: the result stays inside the directory.
    expect(resolveAppFile(`${APP_ORIGIN}/%2e%2e/%2e%2e/etc/passwd`, '/r', join)).toBe('/r/etc/passwd');
    expect(resolveAppFile(`${APP_ORIGIN}/a/..%2f..%2fsecret`, '/r', join)).toBeNull();
    expect(resolveAppFile('https://evil.example/x', '/r', join)).toBeNull();
  });

  it('puts the same CSP in the page itself, so the browser host enforces it too', () => {
    const html = readFileSync(
      path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../renderer/index.html'),
      'utf8',
    );
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    // The one exception is inline styles (xterm.js needs them); never for scripts or evaluation.
    expect(CONTENT_SECURITY_POLICY.replace("style-src 'self' 'unsafe-inline'", '')).not.toContain('unsafe');
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe/);
  });
});

describe('packaging', () => {
  it('ships with the hardening fuses set', async () => {
    const { parse } = await import('yaml');
    const cfg = parse(
      readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../electron-builder.yml'), 'utf8'),
    ) as { electronFuses: Record<string, boolean> };
    expect(cfg.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
    });
  });
});
