/*
 * One line of a ticket's transcript, as an agent reads it: who wrote it
 * and when, the text (masked by the server), and for the bot's replies its
 * decision, confidence, warning, hand-off reason and the articles it
 * weighed.
 *
 * Why it exists: agents judge what the bot did before they reply; the
 * widget shows users none of this.
 */
import { el } from '../lib/dom.js';
import { timeText } from '../lib/time.js';
import { label } from './labels.js';

/** The `<li>` of message `m` (a MessageDto). */
export function messageItem(m) {
  const who =
    m.author === 'user'
      ? '用户 · User'
      : m.author === 'bot'
        ? '机器人 · Bot'
        : m.author === 'agent'
          ? `客服 · ${m.agent || 'agent'}`
          : `系统 · System${m.agent ? ` (${m.agent})` : ''}`;
  const item = el(
    'li',
    { class: `tm ${m.author}`, 'data-testid': 'message', 'data-author': m.author, 'data-message-id': m.id },
    el('div', { class: 'tm-head' }, el('span', { class: 'tm-who', text: who }), el('time', { datetime: m.created_at, text: timeText(m.created_at) })),
    el('div', { class: 'tm-text', text: m.text }),
  );
  const r = m.reply;
  if (m.author === 'agent' && r && r.article) {
    item.append(el('div', { class: 'tm-meta', 'data-testid': 'sent-article', text: `📎 ${r.article.title} (${r.article.id})` }));
  }
  if (m.author === 'bot' && r) {
    const meta = el('div', { class: 'tm-meta', 'data-testid': 'bot-meta' });
    meta.append(
      el('span', { class: `decision ${r.decision}`, text: label('decision', r.decision) }),
      el('span', { class: 'conf', text: `置信度 · confidence ${Math.round((r.confidence || 0) * 100)}%` }),
    );
    if (r.warning) meta.append(el('span', { class: 'warn', text: `⚠ ${label('warning', r.warning)}` }));
    if (r.handoff_reason) meta.append(el('span', { text: label('reason', r.handoff_reason) }));
    item.append(meta);
    const details = [];
    if (r.article) details.push(['文章 · Article', `${r.article.title} (${r.article.id})`]);
    if (r.suggestions && r.suggestions.length) {
      details.push(['建议 · Suggestions', r.suggestions.map((s) => `${s.title} (${s.id})`).join('；')]);
    }
    if (r.candidates && r.candidates.length) {
      details.push([
        '候选 · Candidates',
        r.candidates
          .slice(0, 5)
          .map((c) => `${c.id} ${Number(c.score).toFixed(2)}`)
          .join(' · '),
      ]);
    }
    if (details.length) {
      item.append(
        el('dl', { class: 'tm-details' }, ...details.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })])),
      );
    }
  }
  return item;
}
