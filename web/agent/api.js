/*
 * The console's calls to the agent and admin API, with the agent's token.
 *
 * Why it exists: every call carries the bearer token, and a 401 on any of
 * them means the token is no longer valid: the console signs out at once
 * instead of failing call by call.
 */
import { json, request as send } from '../lib/http.js';
import { signOut } from './session.js';
import { state } from './state.js';

/** The response of an authenticated call, or an ApiError. */
export async function request(method, path, body) {
  try {
    return await send(path, { method, headers: { authorization: `Bearer ${state.token}` }, body });
  } catch (e) {
    if (e.status === 0) e.message = `网络错误 · Network error: ${e.message}`;
    if (e.status === 401 && state.me) {
      signOut('令牌无效或已失效，请重新登录。 · Your token is no longer valid: sign in again.');
    }
    throw e;
  }
}

/** The JSON answer of an authenticated call. */
export async function api(method, path, body) {
  return json(await request(method, path, body));
}

/** A file (chart, CSV, draft) fetched with the token. */
export const fetchBlob = async (path) => (await request('GET', path)).blob();
