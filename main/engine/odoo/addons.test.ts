// The database answers the module stamp needs, read apart from one psql output.
import { describe, expect, it } from 'vitest';
import { parseLanguageCodes, parseModuleNames } from './addons';

describe('installed modules and active languages from one psql call', () => {
  it('keeps the two answers apart', () => {
    const out = 'base\nsale\nlang:en_US\nlang:fr_BE\nlang:sr@latin\n';
    expect(parseModuleNames(out)).toEqual(new Set(['base', 'sale']));
    expect(parseLanguageCodes(out)).toEqual(['en_US', 'fr_BE', 'sr@latin']);
    expect(parseLanguageCodes('base\nsale\n')).toBeNull();
  });
});
