/*
 * An article in the conversation: its title (a link to the help center),
 * its excerpt, and "read the full article" in place.
 *
 * Why it exists: answers are articles, not paragraphs of chat. The full
 * text comes from /v1/articles as HTML the server has sanitized; it is the
 * only HTML the widget ever inserts, with its links and images made
 * absolute against kefu and opened in a new tab.
 */
import { el } from '../lib/dom.js';
import { hasHan } from '../lib/lang.js';
import { api } from './api.js';
import { ui } from './frame.js';
import { absoluteUrl, t } from './state.js';

/** A card for `article` ({id, title, excerpt, url}); `withBody`: readable in place. */
export function articleCard(article, withBody) {
  const s = t();
  const url = absoluteUrl(article.url || `/help/articles/${article.id}`);
  const body = el('div', { class: 'article-body', hidden: true, 'data-testid': 'article-body' });
  const excerpt = withBody && article.excerpt ? el('p', { class: 'excerpt', text: article.excerpt }) : null;
  const toggle = el('button', {
    type: 'button',
    class: 'link-btn',
    'data-testid': 'read-more',
    'aria-expanded': 'false',
    'data-i18n': 'readMore',
    text: s.readMore,
  });
  toggle.addEventListener('click', async () => {
    const opening = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(opening));
    toggle.dataset.i18n = opening ? 'hideArticle' : 'readMore';
    toggle.textContent = opening ? t().hideArticle : t().readMore;
    body.hidden = !opening;
    if (excerpt) excerpt.hidden = opening; // the body starts with it
    if (!opening || body.dataset.loaded) return;
    body.replaceChildren(el('p', { class: 'muted', text: t().loadingArticle }));
    try {
      const lang = hasHan(article.title) ? 'zh' : 'en';
      const full = await api('GET', `/v1/articles/${encodeURIComponent(article.id)}?lang=${lang}`, undefined, {
        auth: false,
      });
      const content = el('div', { class: 'article-html' });
      content.innerHTML = full.html; // sanitized by the server
      for (const a of content.querySelectorAll('a[href]')) {
        a.href = absoluteUrl(a.getAttribute('href'));
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
      }
      for (const img of content.querySelectorAll('img[src]')) img.src = absoluteUrl(img.getAttribute('src'));
      body.replaceChildren(
        content,
        el('a', { class: 'open-link', href: absoluteUrl(full.url || url), target: '_blank', rel: 'noopener noreferrer', 'data-i18n': 'openArticle', text: t().openArticle }),
      );
      body.dataset.loaded = '1';
      // Show the article from its title, not from its end.
      const card = toggle.closest('.msg') || toggle;
      requestAnimationFrame(() => (ui.scroller.scrollTop = Math.max(0, card.offsetTop - 8)));
    } catch (_) {
      // No article API (or it failed): open the help-center page instead.
      toggle.setAttribute('aria-expanded', 'false');
      toggle.dataset.i18n = 'readMore';
      toggle.textContent = t().readMore;
      body.hidden = true;
      if (excerpt) excerpt.hidden = false;
      window.open(url, '_blank', 'noopener');
    }
  });
  return el(
    'div',
    { class: 'article', 'data-testid': 'article', 'data-article-id': article.id },
    el('a', { class: 'article-title', href: url, target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'article-title', text: article.title }),
    excerpt,
    withBody ? el('div', { class: 'article-actions' }, toggle) : null,
    withBody ? body : null,
  );
}
