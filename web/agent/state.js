/*
 * The console's one state: who is signed in, the queue, the open ticket.
 *
 * Why it exists: the queue, the ticket pane, the live feed and the
 * insights all act on the same signed-in agent and the same open ticket;
 * they share this object. The token lives in sessionStorage (this tab
 * only), never in localStorage.
 */

export const TOKEN_KEY = 'kefu.agentToken';

export const state = {
  token: sessionStorage.getItem(TOKEN_KEY) || '',
  me: null, // {name, role}
  tickets: [],
  fetchedAt: 0, // when `tickets` came, for their ages
  current: null, // TicketDetail, with fetchedAt
  currentId: null,
  stream: null, // AbortController of the live feed
  live: 'off', // live | polling | reconnecting
  pollTimer: null,
  attached: null, // the article the next reply carries
  assistKey: null, // ticket and latest user message agent assist was read for
};
