import { describe, expect, it } from 'vitest';
import { baseUrlPlan, baseUrlSql } from './base-url';
import { renderEdgeConfig } from '../proxy/haproxy-config';
import { environmentSchema } from '../../../shared/environment';

describe('the base URL Flipdeck pins', () => {
  it('is the public scheme and the first domain, frozen; nothing without domains', () => {
    expect(baseUrlPlan({ domains: ['Shop.Example', 'www.shop.example'], public_scheme: 'https' }).url).toBe(
      'https://shop.example',
    );
    expect(baseUrlPlan({ domains: [], public_scheme: 'http' })).toMatchObject({ url: null, why: /no domains/ });
    expect(baseUrlSql('http://shop.example')).toContain("('web.base.url.freeze', 'True')");
  });

  it('refuses to put anything but a plain URL into its SQL', () => {
    expect(() => baseUrlSql("http://x'); DROP TABLE res_users; --")).toThrow(/not a base URL/);
  });

  it('https needs the proxy that ends TLS in trusted_proxies; the edge keeps only its X-Forwarded-Proto', () => {
    const base = { server: 's', name: 'e', image: 'odoo:17', domains: ['shop.example'], public_scheme: 'https' };
    expect(environmentSchema.safeParse(base).error?.issues[0]?.message).toMatch(/trusted_proxies/);
    expect(environmentSchema.safeParse({ ...base, trusted_proxies: ['10.0.0.0/8'] }).success).toBe(true);
    expect(environmentSchema.safeParse({ ...base, trusted_proxies: ['not-an-ip'] }).success).toBe(false);
    const spec = {
      env: 'e',
      replicas: 1,
      httpPort: 8069,
      busPorts: { blue: 8069, green: 8069 },
      healthPath: '/web/health',
      domains: [],
    };
    expect(renderEdgeConfig(spec)).toContain('http-request set-header X-Forwarded-Proto http if !{ ssl_fc }\n');
    const trusted = renderEdgeConfig({ ...spec, trustedProxies: ['10.0.0.0/8'] });
    expect(trusted).toContain('acl from_trusted_proxy src 10.0.0.0/8');
    expect(trusted).toContain('X-Forwarded-Proto http if !{ ssl_fc } !from_trusted_proxy');
  });
});
