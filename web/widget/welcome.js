/*
 * The top of the conversation and its bottom edge: the greeting, the
 * quick-reply chips of an empty conversation, suggestion chips, and the
 * "looking for an answer…" indicator.
 *
 * Why it exists: the greeting is not a server message (a conversation
 * starts with no session at all), so it is drawn here, in the current
 * language, with the quick replies kefu lists for that language.
 */
import { el } from '../lib/dom.js';
import { api } from './api.js';
import { send } from './compose.js';
import { scrollToEnd, ui } from './frame.js';
import { state, t } from './state.js';

/** The greeting, and the quick replies while nothing has been said. */
export function renderWelcome() {
  const s = t();
  const children = [
    el(
      'div',
      { class: 'msg bot' },
      el('div', { class: 'who', text: s.bot }),
      el('div', { class: 'bubble' }, el('p', { text: s.greeting })),
    ),
  ];
  const empty = state.messages.size === 0 && state.pending.length === 0;
  if (empty && state.quickReplies && state.quickReplies.lang === state.lang && state.quickReplies.items.length) {
    children.push(
      chipGroup(
        s.quickReplies,
        state.quickReplies.items.map((i) => ({ id: i.article_id, label: i.label })),
        'quick',
      ),
    );
  }
  ui.welcome.replaceChildren(...children);
  if (empty && state.open && (!state.quickReplies || state.quickReplies.lang !== state.lang)) loadQuickReplies();
}

async function loadQuickReplies() {
  const lang = state.lang;
  if (state.quickRepliesLoading === lang) return;
  state.quickRepliesLoading = lang;
  try {
    const r = await api('GET', `/v1/quick-replies?lang=${lang}`, undefined, { auth: false });
    state.quickReplies = { lang, items: (r && r.items) || [] };
  } catch (_) {
    state.quickReplies = { lang, items: [] };
  } finally {
    state.quickRepliesLoading = null;
  }
  if (lang === state.lang) renderWelcome();
}

// The suggestions follow the bot's own "which of these do you mean?", so
// their label is for screen readers only: on screen it would say it twice.
/** Chips that send their label (with the article they stand for) when tapped. */
export function chipGroup(label, items, kind) {
  const labelId = `kefu-chips-${Math.random().toString(36).slice(2)}`;
  const labelClass = kind === 'suggest' ? 'chips-label sr-only' : 'chips-label';
  return el(
    'div',
    { class: `chips ${kind}`, role: 'group', 'aria-labelledby': labelId },
    el('div', { class: labelClass, id: labelId, text: label }),
    ...items.map((item) =>
      el('button', {
        type: 'button',
        class: 'chip',
        'data-testid': 'chip',
        'data-article-id': item.id,
        text: item.label,
        onclick: () => send(item.label, item.id),
      }),
    ),
  );
}

/** The typing indicator, shown while a message of ours is on its way. */
export function renderTyping() {
  const waitingForBot = state.busy > 0;
  ui.typing.hidden = !waitingForBot;
  if (waitingForBot) {
    ui.typing.replaceChildren(
      el('span', { class: 'dots', 'aria-hidden': 'true' }, el('i'), el('i'), el('i')),
      el('span', { class: 'typing-text', text: state.mode === 'bot' ? t().thinking : t().sending }),
    );
    scrollToEnd();
  }
}
