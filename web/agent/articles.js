/*
 * "Insert article link": searching the help articles from the reply box.
 *
 * Why it exists: agents look up an article by words the user did not use.
 * Search snippets come from the server with the matched words marked; only
 * their text and <mark>/<b>/<em>/<strong> are kept, rebuilt as new nodes,
 * so nothing in them can run.
 */
import { $, el } from '../lib/dom.js';
import { api } from './api.js';
import { insertButton } from './reply.js';

// A search snippet may mark the matched words; keep only the text and
// <mark>/<b>/<em>, built as new nodes (nothing from the HTML runs).
function safeSnippet(html) {
  const doc = new DOMParser().parseFromString(`<div>${html || ''}</div>`, 'text/html');
  const out = el('span', { class: 'snippet' });
  const walk = (from, to) => {
    for (const n of from.childNodes) {
      if (n.nodeType === Node.TEXT_NODE) to.append(n.textContent);
      else if (n.nodeType === Node.ELEMENT_NODE) {
        const tag = n.tagName.toLowerCase();
        if (tag === 'mark' || tag === 'b' || tag === 'em' || tag === 'strong') {
          const copy = el(tag === 'mark' ? 'mark' : 'strong');
          walk(n, copy);
          to.append(copy);
        } else walk(n, to);
      }
    }
  };
  walk(doc.body.firstChild || doc.body, out);
  return out;
}

let searchTimer;
let searchSeq = 0;
async function searchArticles() {
  const q = $('article-search').value.trim();
  const seq = ++searchSeq;
  const results = $('article-results');
  if (!q) {
    results.replaceChildren();
    return;
  }
  try {
    const params = new URLSearchParams({ q, lang: $('article-lang').value });
    const r = await api('GET', `/v1/search?${params}`);
    if (seq !== searchSeq) return;
    const items = (r && r.results) || [];
    results.replaceChildren(
      ...(items.length
        ? items.slice(0, 8).map((a) =>
            el(
              'li',
              { 'data-testid': 'article-result', 'data-article-id': a.id },
              insertButton(a, 'article-insert'),
              el('div', { class: 'result-text' }, el('strong', { text: a.title }), safeSnippet(a.snippet_html)),
            ),
          )
        : [el('li', { class: 'muted', text: '没有找到文章 · No articles found' })]),
    );
  } catch (e) {
    if (seq === searchSeq) results.replaceChildren(el('li', { class: 'form-error', text: `搜索失败 · Search failed: ${e.message}` }));
  }
}

/** Search as you type (after a pause), at once on Enter or a language change. */
export function wire() {
  $('article-search').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(searchArticles, 250);
  });
  $('article-search').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      clearTimeout(searchTimer);
      searchArticles();
    }
  });
  $('article-lang').addEventListener('change', searchArticles);
}
