/*
 * The banner of a user waiting for a person: their place in line and the
 * expected wait, or, honestly, that nobody is there, with a form to leave
 * an e-mail address; and the button that withdraws the request.
 *
 * Why it exists: the queue status arrives on its own (the hand-off reply,
 * `queue` stream events, the contact form's answer) and redraws only this
 * part, taking care not to wipe an address being typed.
 */
import { el } from '../lib/dom.js';
import { api, errorText } from './api.js';
import { send } from './compose.js';
import { dom } from './frame.js';
import { renderMode } from './mode.js';
import { state, t } from './state.js';

// While waiting, the bot keeps answering; the user may withdraw the
// request (it is a message, so the transcript shows it).
export function cancelButton() {
  const s = t();
  return el('button', {
    type: 'button',
    class: 'link-btn cancel-handoff',
    'data-testid': 'cancel-handoff',
    text: s.cancelHandoff,
    onclick: () => send(s.cancelHandoffText),
  });
}

// What a user waiting for a person is told: their place and the wait
// while agents are there; otherwise, honestly, that nobody is, with a
// form to leave an e-mail address.
export function waitingText() {
  const s = t();
  const q = state.queue;
  const box = el('div', { class: 'waiting-text', 'data-testid': 'queue-status' });
  if (!q || q.status !== 'pending') {
    box.append(el('span', { text: s.waiting }));
    return box;
  }
  box.dataset.position = String(q.position);
  box.append(el('span', { text: `${s.queued} ${s.stillHelping}` }));
  const staffed = q.open && q.agents_online > 0;
  if (staffed) {
    const place = q.position === 1 ? s.next : s.place(q.position);
    const eta = q.estimated_wait_seconds == null ? s.noEta : s.eta(Math.ceil(q.estimated_wait_seconds / 60));
    box.append(el('span', { class: 'kept', 'data-testid': 'queue-place', text: `${place} ${eta}` }));
    return box;
  }
  box.append(el('span', { 'data-testid': 'queue-nobody', text: q.open ? s.nobody : s.closed(q.service_hours) }));
  if (q.contact_email) {
    box.append(el('span', { class: 'kept', 'data-testid': 'contact-kept', text: s.emailKept(q.contact_email) }));
    return box;
  }
  box.append(el('span', { class: 'kept', text: s.kept }));
  const input = el('input', { type: 'email', id: 'kefu-email', autocomplete: 'email', required: true, maxlength: '254', 'data-testid': 'contact-email' });
  const problem = el('span', { class: 'form-problem', role: 'alert', hidden: true });
  const form = el(
    'form',
    { class: 'contact', novalidate: true, 'data-testid': 'contact-form' },
    el('label', { class: 'sr-only', for: 'kefu-email', text: s.emailLabel }),
    input,
    el('button', { type: 'submit', class: 'contact-send', 'data-testid': 'contact-send', text: s.emailSend }),
    problem,
  );
  input.placeholder = s.emailLabel;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    problem.hidden = true;
    try {
      const status = await api('POST', `/v1/sessions/${state.session.id}/contact`, { email: input.value.trim() });
      setQueue(status);
    } catch (err) {
      problem.textContent = err && err.status === 422 ? s.emailBad : errorText(err);
      problem.hidden = false;
      input.focus();
    }
  });
  box.append(form);
  return box;
}

/** A new queue status (or null): redraws the banner if it changed. */
export function setQueue(queue) {
  const before = JSON.stringify(state.queue);
  state.queue = queue || null;
  if (JSON.stringify(state.queue) === before) return;
  // Typing in the e-mail field must not be lost to a redraw. The field is in
  // the shadow root: the page's own activeElement is only the host.
  const focused = dom.root && dom.root.activeElement;
  const typing = !!focused && focused.id === 'kefu-email';
  if (state.mode === 'waiting' && !(typing && state.queue && !state.queue.contact_email)) renderMode();
}
