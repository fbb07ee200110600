/*
 * Who the user is talking to (the bot, a queue for a person, or an agent),
 * and how the header and banner say so.
 *
 * Why it exists: the mode follows from the transcript read in order (a
 * hand-off reply, an agent joining, the conversation resolved), whether a
 * message arrives live, from a sync, or out of order; one place derives it
 * and one function draws it.
 */
import { el } from '../lib/dom.js';
import { ICON_PERSON, svg } from './icons.js';
import { dom, ui } from './frame.js';
import { state, t } from './state.js';
import { cancelButton, setQueue, waitingText } from './waiting.js';
import { renderTyping } from './welcome.js';

/** What a system message announces (`reply.event`, set by the server). */
export const systemEvent = (dto) => (dto.author === 'system' && dto.reply && dto.reply.event) || null;

/** The subtitle, the banner under the header and the hand-off toolbar. */
export function renderMode() {
  const s = t();
  if (state.mode === 'agent') {
    ui.subtitle.textContent = s.subtitleAgent(state.agentName || '');
    ui.banner.hidden = false;
    ui.banner.className = 'banner joined';
    ui.banner.setAttribute('data-testid', 'agent-joined');
    ui.banner.replaceChildren(svg(ICON_PERSON, 18), el('span', { text: s.joined(state.agentName || '') }));
  } else if (state.mode === 'waiting') {
    ui.subtitle.textContent = s.subtitleWaiting;
    ui.banner.hidden = false;
    ui.banner.className = 'banner waiting';
    ui.banner.setAttribute('data-testid', 'waiting');
    ui.banner.replaceChildren(el('span', { class: 'spinner', 'aria-hidden': 'true' }), waitingText(), cancelButton());
  } else {
    ui.subtitle.textContent = s.subtitleBot;
    ui.banner.hidden = true;
    ui.banner.removeAttribute('data-testid');
    ui.banner.replaceChildren();
  }
  // Asking for a person is offered only while the bot is talking: waiting
  // users have the cancel action, and a person is already there otherwise.
  ui.toolbar.hidden = state.mode !== 'bot';
  dom.frame.dataset.mode = state.mode;
}

/** Follows a message just added; one older than the newest replays them all. */
export function updateMode(dto) {
  // The conversation's owner follows from the transcript, read in order.
  if (dto.id < state.lastId) {
    recomputeMode();
    return;
  }
  applyMode(dto);
  renderMode();
  renderTyping();
}

function applyMode(dto) {
  if (dto.author === 'bot' && dto.reply && dto.reply.handoff_withdrawn && state.mode === 'waiting') {
    state.mode = 'bot';
    setQueue(null);
  } else if (dto.author === 'bot' && dto.reply && dto.reply.decision === 'handoff' && state.mode !== 'agent') {
    state.mode = 'waiting';
  } else if (systemEvent(dto) === 'resolved') {
    state.mode = 'bot';
    state.agentName = null;
  } else if (systemEvent(dto) === 'agent_joined') {
    state.mode = 'agent';
    state.agentName = dto.agent || state.agentName;
  } else if (dto.author === 'agent') {
    state.mode = 'agent';
    state.agentName = dto.agent || state.agentName;
  }
}

function recomputeMode() {
  state.mode = 'bot';
  state.agentName = null;
  const ids = Array.from(state.messages.keys()).sort((a, b) => a - b);
  for (const id of ids) applyMode(state.messages.get(id).dto);
  renderMode();
}
