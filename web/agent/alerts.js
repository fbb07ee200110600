/*
 * The error banner under the top bar.
 *
 * Why it exists: an action that fails (a claim someone else won, a reply
 * that could not be sent) says so in one place, in words an agent can act
 * on, and clears itself after a while.
 */
import { $ } from '../lib/dom.js';

let alertTimer;

/** Shows `e` (an ApiError or text), prefixed with what was being done. */
export function showError(e, context) {
  const box = $('alert');
  let text;
  if (e && e.status === 409) {
    text = `${context || '操作失败 · Could not do that'}: 该工单已被其他客服接走或已不在待接入状态。 · Someone else has it or it is no longer pending. (${e.message})`;
  } else if (e && e.status === 404 && e.code === 'queue_empty') {
    text = '队列里没有待接入的工单。 · There are no pending tickets.';
  } else {
    text = `${context ? context + ': ' : ''}${(e && e.message) || e}`;
  }
  box.textContent = text;
  box.hidden = false;
  box.dataset.status = e && e.status ? String(e.status) : '';
  clearTimeout(alertTimer);
  alertTimer = setTimeout(() => (box.hidden = true), 12000);
}

export function clearError() {
  $('alert').hidden = true;
}
