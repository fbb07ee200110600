/*
 * What the user tells us back: 👍/👎 under each answer of the bot, and
 * 1–5 stars (with an optional comment) when an agent resolves the
 * conversation.
 *
 * Why it exists: both are sent at once and remembered per session in
 * localStorage, so a reload shows them as given instead of asking again.
 */
import { el } from '../lib/dom.js';
import { api, errorText } from './api.js';
import { addMessage } from './messages.js';
import { keyOf, state, t, writeJson } from './state.js';

const remember = () => writeJson(keyOf(`rated:${state.session.id}`), state.rated);

// When an agent resolves the conversation the user is asked how it went:
// 1 to 5 stars, sent at once, then an optional comment.
export function ratingCard(dto) {
  const s = t();
  const key = `csat:${dto.id}`;
  const card = el('div', { class: 'rating', role: 'group', 'aria-label': s.rateAgent, 'data-testid': 'rating' });
  const note = el('p', { class: 'fb-note', role: 'status' });
  const stars = [1, 2, 3, 4, 5].map((n) =>
    el('button', {
      type: 'button',
      class: 'star',
      'data-testid': `rate-${n}`,
      'aria-label': s.stars(n),
      'aria-pressed': 'false',
      text: '★',
    }),
  );
  const shown = (rating) => {
    stars.forEach((b, i) => {
      b.classList.toggle('on', i < rating);
      b.setAttribute('aria-pressed', String(i + 1 === rating));
    });
  };
  const comment = el('textarea', { class: 'rating-comment', rows: '2', maxlength: '2000', 'aria-label': s.rateComment, placeholder: s.rateComment, 'data-testid': 'rating-comment' });
  const send = el('button', { type: 'button', class: 'link-btn', 'data-testid': 'rating-send', text: s.rateSend });
  const more = el('div', { class: 'rating-more', hidden: true }, comment, send);
  const post = async (rating, text) => {
    try {
      await api('POST', `/v1/sessions/${state.session.id}/rating`, text ? { rating, comment: text } : { rating });
      state.rated[key] = rating;
      remember();
      return true;
    } catch (e) {
      note.textContent = errorText(e);
      return false;
    }
  };
  stars.forEach((b, i) =>
    b.addEventListener('click', async () => {
      if (await post(i + 1)) {
        shown(i + 1);
        note.textContent = t().rateThanks;
        more.hidden = false;
      }
    }),
  );
  send.addEventListener('click', async () => {
    const text = comment.value.trim();
    if (!text) return;
    send.disabled = comment.disabled = true;
    if (await post(state.rated[key], text)) {
      more.replaceChildren();
      note.textContent = t().rateSent;
    } else send.disabled = comment.disabled = false;
  });
  card.append(el('p', { class: 'rating-q', text: s.rateAgent }), el('div', { class: 'stars' }, ...stars), note, more);
  if (state.rated[key]) {
    shown(state.rated[key]);
    note.textContent = s.rateThanks;
  }
  return card;
}

/** "Was this helpful?" under an answer; a 👎 may bring the bot's follow-up. */
export function feedbackRow(dto) {
  const s = t();
  const row = el('div', { class: 'feedback', role: 'group', 'aria-label': s.helpful });
  const up = el('button', { type: 'button', class: 'fb', 'data-testid': 'feedback-up', 'aria-pressed': 'false', 'data-i18n-label': 'helpfulYes', 'aria-label': s.helpfulYes, text: '👍' });
  const down = el('button', { type: 'button', class: 'fb', 'data-testid': 'feedback-down', 'aria-pressed': 'false', 'data-i18n-label': 'helpfulNo', 'aria-label': s.helpfulNo, text: '👎' });
  const note = el('span', { class: 'fb-note', role: 'status' });
  const done = (helpful) => {
    up.disabled = down.disabled = true;
    (helpful ? up : down).setAttribute('aria-pressed', 'true');
    note.dataset.i18n = 'thanks';
    note.textContent = t().thanks;
  };
  const rate = async (helpful) => {
    up.disabled = down.disabled = true;
    try {
      const r = await api('POST', `/v1/sessions/${state.session.id}/feedback`, {
        message_id: dto.id,
        helpful,
        locale: state.lang,
      });
      state.rated[dto.id] = helpful;
      remember();
      done(helpful);
      if (r && r.follow_up) addMessage(r.follow_up, { live: true });
    } catch (e) {
      up.disabled = down.disabled = false;
      note.removeAttribute('data-i18n');
      note.textContent = errorText(e);
    }
  };
  up.addEventListener('click', () => rate(true));
  down.addEventListener('click', () => rate(false));
  row.append(el('span', { class: 'fb-q', 'data-i18n': 'helpful', text: s.helpful }), up, down, note);
  if (dto.id in state.rated) done(state.rated[dto.id]);
  return row;
}
