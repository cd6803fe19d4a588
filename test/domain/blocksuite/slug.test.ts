import { describe, expect, it } from 'vitest';
import { normalizeTitle, topicSlug } from '../../../src/domain/blocksuite/index.ts';

describe('topicSlug', () => {
  it('lower-cases and joins words with -', () => {
    expect(topicSlug('Project Apollo')).toBe('project-apollo');
    expect(topicSlug('  C++ & Rust: 2024!  ')).toBe('c-rust-2024');
    expect(topicSlug('--already--dashed--')).toBe('already-dashed');
  });

  it('keeps non-Latin letters', () => {
    expect(topicSlug('日本語')).toBe('日本語');
    expect(topicSlug('서울 메모')).toBe('서울-메모');
    expect(topicSlug('مشروع أبولو')).toBe('مشروع-أبولو');
    expect(topicSlug('हिन्दी')).toBe('हिन्दी');
  });

  it('applies NFKC', () => {
    expect(topicSlug('ＡＢＣ')).toBe('abc');
    expect(topicSlug('ﬁle №1')).toBe('file-no1');
    expect(topicSlug('Cafe\u0301')).toBe(topicSlug('Caf\u00e9'));
    expect(topicSlug('𝔐𝔞𝔱𝔥 𝔉𝔬𝔫𝔱')).toBe('math-font');
  });

  it('folds case beyond ASCII', () => {
    expect(topicSlug('STRASSE')).toBe(topicSlug('straße'));
    expect(topicSlug('ΟΔΟΣ')).toBe(topicSlug('οδος'));
  });

  it('is empty when there is no letter or digit', () => {
    expect(topicSlug('   ')).toBe('');
    expect(topicSlug('')).toBe('');
    expect(topicSlug('!!! ---')).toBe('');
    expect(topicSlug('🚀')).toBe('');
    expect(topicSlug('🚀 Rocket Notes')).toBe('rocket-notes');
  });
});

describe('normalizeTitle', () => {
  it('matches case-insensitively beyond ASCII', () => {
    expect(normalizeTitle('CAFÉ OPS')).toBe(normalizeTitle('Café Ops'));
    expect(normalizeTitle('STRASSE')).toBe(normalizeTitle('straße'));
    expect(normalizeTitle('ΟΔΟΣ')).toBe(normalizeTitle('οδοσ'));
    expect(normalizeTitle('İstanbul')).toBe(normalizeTitle('i̇stanbul'));
  });

  it('matches NFD against NFC and compatibility forms', () => {
    const nfd = 'Cafe\u0301 Ops';
    const nfc = 'Caf\u00e9 Ops';
    expect(nfd).not.toBe(nfc);
    expect(normalizeTitle(nfd)).toBe(normalizeTitle(nfc));
    expect(normalizeTitle('CAFE\u0301 OPS')).toBe(normalizeTitle(nfc));
    expect(normalizeTitle('ＣＡＦＥ Ops')).toBe(normalizeTitle('cafe ops'));
  });

  it('trims and collapses whitespace, including non-breaking and ideographic spaces', () => {
    expect(normalizeTitle('  Mission \t\n Control  ')).toBe('mission control');
    expect(normalizeTitle('Mission\u00a0\u3000Control')).toBe('mission control');
  });

  it('keeps distinct titles distinct', () => {
    expect(normalizeTitle('Cafe Ops')).not.toBe(normalizeTitle('Café Ops'));
    expect(normalizeTitle('Mission Control')).not.toBe(normalizeTitle('MissionControl'));
  });
});
