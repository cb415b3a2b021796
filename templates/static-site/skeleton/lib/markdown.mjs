/**
 * A small Markdown-to-HTML converter for this site's pages: no dependencies, a documented subset.
 *
 * Blocks: ATX headings (`#` to `######`, each with an id), paragraphs, fenced code blocks (```lang),
 * unordered (`-`, `*`, `+`) and ordered (`1.`) lists, one level, block quotes (`>`), horizontal rules (`---`).
 * Inline: `code`, **strong**, *emphasis*, [links](url), ![images](url), backslash escapes.
 * Everything else is text: all text is HTML-escaped (raw HTML is not passed through), and link targets with
 * a scheme other than http, https or mailto become `#`.
 */

/** @param {string} text */
export function escapeHtml(text) {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A heading's id: lower case, letters and digits joined by dashes. */
export function slugify(text) {
  return (
    text
      .toLowerCase()
      .replace(/<[^>]*>/g, '')
      .replace(/&[a-z0-9#]+;/g, '')
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-+|-+$/g, '') || 'section'
  );
}

const ALLOWED_SCHEMES = new Set(['http', 'https', 'mailto']);

/** A link target that cannot run script: a relative URL or one with an allowed scheme, else `#`. */
export function safeUrl(url) {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url.trim());
  if (scheme && !ALLOWED_SCHEMES.has(scheme[1].toLowerCase())) return '#';
  return url.trim();
}

const INLINE = [
  { re: /\\([\\`*_{}[\]()#+\-.!>])/y, html: (m) => escapeHtml(m[1]) },
  { re: /`([^`]+)`/y, html: (m) => `<code>${escapeHtml(m[1])}</code>` },
  {
    re: /!\[([^\]]*)\]\(([^)\s]+)\)/y,
    html: (m, o) => `<img src="${escapeHtml(safeUrl(o.link(m[2])))}" alt="${escapeHtml(m[1])}">`,
  },
  {
    re: /\[([^\]]+)\]\(([^)\s]+)\)/y,
    html: (m, o) => `<a href="${escapeHtml(safeUrl(o.link(m[2])))}">${renderInline(m[1], o)}</a>`,
  },
  { re: /\*\*(?=\S)([\s\S]*?\S)\*\*/y, html: (m, o) => `<strong>${renderInline(m[1], o)}</strong>` },
  { re: /\*(?=\S)([\s\S]*?\S)\*/y, html: (m, o) => `<em>${renderInline(m[1], o)}</em>` },
];

/**
 * Inline Markdown to HTML.
 * @param {string} text
 * @param {{ link?: (href: string) => string }} [options] `link` rewrites link and image targets.
 */
export function renderInline(text, options = {}) {
  const o = { link: options.link ?? ((href) => href) };
  let out = '';
  let plain = '';
  let i = 0;
  outer: while (i < text.length) {
    for (const rule of INLINE) {
      rule.re.lastIndex = i;
      const m = rule.re.exec(text);
      if (m) {
        // Read the end before rule.html: nested calls reuse (and reset) the same sticky regexes.
        i = rule.re.lastIndex;
        out += escapeHtml(plain) + rule.html(m, o);
        plain = '';
        continue outer;
      }
    }
    plain += text[i];
    i += 1;
  }
  return out + escapeHtml(plain);
}

const HEADING = /^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^(`{3,})[ \t]*([\w+-]*)[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const BULLET = /^ {0,3}[-*+][ \t]+(.*)$/;
const NUMBERED = /^ {0,3}\d{1,9}[.)][ \t]+(.*)$/;
const QUOTE = /^ {0,3}>[ \t]?(.*)$/;

function startsBlock(line) {
  return HEADING.test(line) || FENCE.test(line) || RULE.test(line) || BULLET.test(line) || NUMBERED.test(line) || QUOTE.test(line);
}

/**
 * Markdown to HTML.
 * @param {string} markdown
 * @param {{ link?: (href: string) => string }} [options] `link` rewrites link and image targets (the site
 *   build turns `page.md` into `page.html`).
 * @returns {{ html: string, title: string | null, headings: { level: number, text: string, id: string }[] }}
 *   `title` is the text of the first level-1 heading. Heading texts are HTML-escaped, ready to insert.
 */
export function renderMarkdown(markdown, options = {}) {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const headings = [];
  const ids = new Map();
  const uniqueId = (text) => {
    const base = slugify(text);
    const n = ids.get(base) ?? 0;
    ids.set(base, n + 1);
    return n === 0 ? base : `${base}-${n}`;
  };

  const blocks = (input) => {
    const out = [];
    let i = 0;
    while (i < input.length) {
      const line = input[i];
      let m;
      if (line.trim() === '') {
        i += 1;
      } else if ((m = FENCE.exec(line))) {
        const fence = m[1];
        const lang = m[2];
        const code = [];
        i += 1;
        while (i < input.length && !input[i].startsWith(fence)) code.push(input[i++]);
        i += 1; // the closing fence (or the end of the text when it is missing)
        const cls = lang ? ` class="language-${escapeHtml(lang)}"` : '';
        out.push(`<pre><code${cls}>${escapeHtml(code.join('\n'))}${code.length ? '\n' : ''}</code></pre>`);
      } else if ((m = HEADING.exec(line))) {
        const level = m[1].length;
        const inner = renderInline(m[2], options);
        const text = inner.replace(/<[^>]*>/g, '');
        const id = uniqueId(text);
        headings.push({ level, text, id });
        out.push(`<h${level} id="${id}">${inner}</h${level}>`);
        i += 1;
      } else if (RULE.test(line)) {
        out.push('<hr>');
        i += 1;
      } else if (QUOTE.test(line)) {
        const quoted = [];
        while (i < input.length && (m = QUOTE.exec(input[i]))) {
          quoted.push(m[1]);
          i += 1;
        }
        out.push(`<blockquote>\n${blocks(quoted)}\n</blockquote>`);
      } else if (BULLET.test(line) || NUMBERED.test(line)) {
        const pattern = BULLET.test(line) ? BULLET : NUMBERED;
        const items = [];
        while (i < input.length) {
          const item = pattern.exec(input[i]);
          if (item) {
            items.push(item[1]);
          } else if (input[i].trim() !== '' && /^[ \t]/.test(input[i]) && items.length > 0) {
            // An indented line continues the item above it.
            items[items.length - 1] += `\n${input[i].trim()}`;
          } else {
            break;
          }
          i += 1;
        }
        const tag = pattern === BULLET ? 'ul' : 'ol';
        out.push(`<${tag}>\n${items.map((t) => `<li>${renderInline(t, options)}</li>`).join('\n')}\n</${tag}>`);
      } else {
        const para = [];
        while (i < input.length && input[i].trim() !== '' && (para.length === 0 || !startsBlock(input[i]))) {
          para.push(input[i].trim());
          i += 1;
        }
        out.push(`<p>${renderInline(para.join('\n'), options)}</p>`);
      }
    }
    return out.join('\n');
  };

  const html = blocks(lines);
  const title = headings.find((h) => h.level === 1)?.text ?? null;
  return { html, title, headings };
}
