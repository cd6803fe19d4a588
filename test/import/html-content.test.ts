// docs/formats/framelord-export.md §4.2: TipTap HTML note bodies become plain-text lines before §4.1's rules apply.
import { describe, expect, it } from 'vitest';
import { contentLines, htmlToLines, isHtmlContent } from '../../src/domain/import/html-content.ts';

describe('HTML note content', () => {
  it('is detected only when it starts with a tag and closes a block', () => {
    expect(isHtmlContent('  <p>hi</p>')).toBe(true);
    expect(isHtmlContent('<h2>Title</h2>')).toBe(true);
    expect(isHtmlContent('<3 you')).toBe(false);
    expect(isHtmlContent('see <p>x</p>')).toBe(false);
    expect(isHtmlContent('<b>bold only</b>')).toBe(false);
  });

  it('gives one line per block, breaks at <br>, keeps empty paragraphs, flattens nested lists', () => {
    expect(
      htmlToLines(
        '<h1>Plan</h1><p>a<br>b</p><p></p><ul><li><p>one</p></li><li>two</li></ul><blockquote><p>quoted</p></blockquote>',
      ),
    ).toEqual(['Plan', 'a', 'b', '', 'one', 'two', 'quoted']);
  });

  it('turns the app spans into [[title]], @name and #label and drops their decorated text', () => {
    const html =
      '<p>See <span class="wikilink" data-wiki-title="R&amp;D Plan" data-note-id="n1"><span class="wikilink-text">R&amp;D Plan</span></span>, ' +
      'ask <span data-contact-id="c1" data-contact-name="Zoë" class="contact-mention"><span>Zoë</span></span> ' +
      '<span class="topic-mention" data-topic-id="t1" data-topic-label="Q1">#Q1</span></p>';
    expect(htmlToLines(html)).toEqual(['See [[R&D Plan]], ask @Zoë #Q1']);
  });

  it('decodes entities, drops other tags, collapses HTML whitespace and keeps <pre> lines', () => {
    expect(
      htmlToLines('<p>1 &lt; 2 &amp;&amp; &#233;&#x263A; <strong>bold</strong>\n  text</p><pre>a  b\n\tc</pre>'),
    ).toEqual(['1 < 2 && é☺ bold text', 'a  b', '\tc']);
  });

  it('leaves plain text as its \\n-separated lines, empty ones included', () => {
    expect(contentLines('a\n\n\tb\r\nc')).toEqual(['a', '', '\tb', 'c']);
    expect(contentLines('')).toEqual(['']);
  });
});
