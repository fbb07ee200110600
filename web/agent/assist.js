/*
 * Agent assist: beside the transcript, for each of the user's latest
 * messages, the articles the bot would answer with, sent with one click.
 *
 * Why it exists: most hand-offs are answered by an article the bot was
 * not sure enough of. It is read again only when the user has written
 * something new, not on every refresh of the ticket.
 */
import { $, el } from '../lib/dom.js';
import { api } from './api.js';
import { insertButton } from './reply.js';
import { state } from './state.js';

/** Fills the suggestions for ticket `detail`, unless they are current. */
export async function loadAssist(detail) {
  const users = detail.messages.filter((m) => m.author === 'user');
  const key = `${detail.ticket.id}:${users.length ? users[users.length - 1].id : 0}`;
  if (state.assistKey === key) return;
  state.assistKey = key;
  const r = await api('GET', `/v1/agent/tickets/${detail.ticket.id}/suggestions`);
  if (state.assistKey !== key) return;
  const said = new Map(users.map((m) => [m.id, m.text]));
  const items = ((r && r.messages) || []).slice().reverse();
  $('assist-empty').hidden = items.length > 0;
  $('assist').replaceChildren(
    ...items.map((a) =>
      el(
        'li',
        { 'data-testid': 'assist-message', 'data-message-id': a.message_id },
        el('p', { class: 'asked', title: said.get(a.message_id) || null, text: `“${said.get(a.message_id) || '…'}”` }),
        el(
          'ul',
          {},
          ...a.articles.map((article, i) =>
            el(
              'li',
              { class: 'assist-article', 'data-testid': 'assist-article', 'data-article-id': article.id },
              el(
                'div',
                { class: 'result-text' },
                el('strong', { text: article.title }),
                i === 0 ? el('span', { class: 'confidence', text: ` ${Math.round(a.confidence * 100)}%` }) : null,
                el('p', { class: 'excerpt', text: article.excerpt }),
              ),
              insertButton(article, 'assist-insert'),
            ),
          ),
        ),
      ),
    ),
  );
}
