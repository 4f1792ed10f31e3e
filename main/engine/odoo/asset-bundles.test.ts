import { describe, expect, it } from 'vitest';
import { bundleUrls, parseFingerprint, parseMarks } from './asset-bundles';

describe('asset bundles', () => {
  it('reads the fingerprint line, the bundle URLs of a page, and the attachment marks', () => {
    expect(parseFingerprint(`noise\nassets ${'a'.repeat(64)} 12\n`)).toBe('a'.repeat(64));
    expect(parseFingerprint('Traceback (most recent call last)')).toBeNull();
    expect(
      bundleUrls(
        '<script src="/web/assets/1a2b3c4/web.assets_frontend.min.js"></script><link href="/web/assets/1a2b3c4/web.assets_frontend.min.css"/><script src="/web/assets/1a2b3c4/web.assets_frontend.min.js"></script>',
      ),
    ).toEqual(['/web/assets/1a2b3c4/web.assets_frontend.min.js', '/web/assets/1a2b3c4/web.assets_frontend.min.css']);
    expect(parseMarks('mark:41\nother:2\n')).toEqual({ mark: 41, other: 2 });
    expect(parseMarks('ERROR: relation "ir_attachment_id_seq" does not exist')).toEqual({ mark: null, other: null });
  });
});
