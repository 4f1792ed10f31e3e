import { describe, expect, it } from 'vitest';
import { demoArgs, imageOdooMajor } from './demo-data';
import type Docker from 'dockerode';

const dockerWith = (env: string[] | null) =>
  ({
    getImage: () => ({
      inspect: async () => (env ? { Config: { Env: env } } : Promise.reject(new Error('no such image'))),
    }),
  }) as unknown as Docker;

describe('demo data flags', () => {
  it('says --without-demo=all on 14.0–18.0 unless the environment asks for demo data', () => {
    for (const major of [14, 15, 16, 17, 18]) {
      expect(demoArgs(major, false)).toEqual(['--without-demo=all']);
      expect(demoArgs(major, true)).toEqual([]);
    }
  });

  it('says --with-demo on 19.0 only when asked (19 loads none by default)', () => {
    expect(demoArgs(19, false)).toEqual([]);
    expect(demoArgs(19, true)).toEqual(['--with-demo']);
  });

  it('assumes the 14.0–18.0 form when the version is unknown, so no production database gets demo data silently', () => {
    expect(demoArgs(null, false)).toEqual(['--without-demo=all']);
  });

  it("reads the version from the image's ODOO_VERSION first, then the environment's odoo_version", async () => {
    expect(await imageOdooMajor(dockerWith(['PATH=/usr/bin', 'ODOO_VERSION=19.0']), 'x', '17.0')).toMatchObject({
      major: 19,
    });
    expect(await imageOdooMajor(dockerWith(['PATH=/usr/bin']), 'x', '18.0')).toMatchObject({ major: 18 });
    expect(await imageOdooMajor(dockerWith(null), 'x')).toMatchObject({ major: null });
  });
});
