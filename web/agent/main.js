/*
 * The agent console's entry module (web/agent.html loads it with
 * `<script type="module">`): sign in with an agent token, work the queue,
 * claim tickets, read transcripts (masked by the server), reply, add notes,
 * set status; admins also read the insights.
 *
 * Why it exists: it wires the console's parts to the page, in one place,
 * and starts it: signed in again if this tab holds a token, else at the
 * sign-in form. The parts: session (sign-in, presence), queue, ticket
 * (with transcript, assist, reply and articles), events (the live feed)
 * and insights, over the shared lib/ (DOM, HTTP, SSE, time).
 *
 * No dependencies, no build step. Everything users or agents wrote is set
 * with textContent, never as HTML.
 */
import * as articles from './articles.js';
import * as events from './events.js';
import * as insights from './insights.js';
import * as queue from './queue.js';
import * as reply from './reply.js';
import * as session from './session.js';
import { state } from './state.js';
import * as ticket from './ticket.js';

session.wire();
queue.wire();
ticket.wire();
reply.wire();
articles.wire();
events.wire();
insights.wire();

if (state.token) {
  session
    .signIn(state.token)
    .catch((e) => session.signOut(e.status === 401 ? '令牌无效，请重新登录。 · Token not valid: sign in again.' : e.message));
} else {
  session.signOut();
}
