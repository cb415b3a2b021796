import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, renderInline, renderMarkdown, safeUrl, slugify } from '../lib/markdown.mjs';

describe('renderInline', () => {
  it('renders code, strong, emphasis and links', () => {
    assert.equal(
      renderInline('Use `a < b`, **bold** and *em* with [docs](https://example.com/a?b=1&c=2).'),
      'Use <code>a &lt; b</code>, <strong>bold</strong> and <em>em</em> with <a href="https://example.com/a?b=1&amp;c=2">docs</a>.',
    );
  });

  it('nests emphasis inside links and strong', () => {
    assert.equal(renderInline('[**big** link](x.html)'), '<a href="x.html"><strong>big</strong> link</a>');
    assert.equal(renderInline('**a *b* c**'), '<strong>a <em>b</em> c</strong>');
  });

  it('escapes HTML and honours backslash escapes', () => {
    assert.equal(renderInline('<script>alert(1)</script> \\*not em\\*'), '&lt;script&gt;alert(1)&lt;/script&gt; *not em*');
  });

  it('leaves unmatched markers as text', () => {
    assert.equal(renderInline('2 * 3 = 6 and a ` tick'), '2 * 3 = 6 and a ` tick');
  });

  it('rewrites link targets with the link option and neutralises script URLs', () => {
    assert.equal(renderInline('[p](page.md)', { link: (h) => h.replace('.md', '.html') }), '<a href="page.html">p</a>');
    assert.equal(renderInline('[x](javascript:alert(1))'), '<a href="#">x</a>)');
    assert.equal(safeUrl('JavaScript:alert(1)'), '#');
    assert.equal(safeUrl('mailto:team@example.com'), 'mailto:team@example.com');
    assert.equal(safeUrl('../up.html'), '../up.html');
  });

  it('renders images with escaped alt text', () => {
    assert.equal(renderInline('![a "logo"](logo.png)'), '<img src="logo.png" alt="a &quot;logo&quot;">');
  });
});

describe('renderMarkdown', () => {
  it('renders headings with unique ids and returns the title', () => {
    const doc = renderMarkdown('# Hello *world*\n\n## Usage\n\n## Usage\n');
    assert.equal(doc.title, 'Hello world');
    assert.equal(doc.html, '<h1 id="hello-world">Hello <em>world</em></h1>\n<h2 id="usage">Usage</h2>\n<h2 id="usage-1">Usage</h2>');
    assert.deepEqual(doc.headings.map((h) => h.id), ['hello-world', 'usage', 'usage-1']);
  });

  it('joins paragraph lines and separates paragraphs on blank lines', () => {
    assert.equal(renderMarkdown('one\ntwo\n\nthree').html, '<p>one\ntwo</p>\n<p>three</p>');
  });

  it('renders fenced code verbatim and escaped, with its language', () => {
    const md = '```sh\necho "<hi>" **not bold**\n```\nafter';
    assert.equal(
      renderMarkdown(md).html,
      '<pre><code class="language-sh">echo &quot;&lt;hi&gt;&quot; **not bold**\n</code></pre>\n<p>after</p>',
    );
  });

  it('renders lists, with indented continuation lines', () => {
    assert.equal(renderMarkdown('- a\n- b\n  more\n\n1. x\n2. y').html, '<ul>\n<li>a</li>\n<li>b\nmore</li>\n</ul>\n<ol>\n<li>x</li>\n<li>y</li>\n</ol>');
  });

  it('renders block quotes, rules, and a list right after a paragraph', () => {
    assert.equal(renderMarkdown('> quoted **text**\n\n---\nText\n- item').html,
      '<blockquote>\n<p>quoted <strong>text</strong></p>\n</blockquote>\n<hr>\n<p>Text</p>\n<ul>\n<li>item</li>\n</ul>');
  });

  it('has no title without a level-1 heading', () => {
    assert.equal(renderMarkdown('## Only a section').title, null);
  });

  it('escapes and slugifies consistently', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    assert.equal(slugify('Héllo, World! 2'), 'héllo-world-2');
    assert.equal(slugify('!!!'), 'section');
  });
});
