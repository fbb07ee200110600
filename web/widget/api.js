/*
 * The widget's calls to kefu's public API, and what to tell the user when
 * one fails.
 *
 * Why it exists: every call goes to kefuUrl (often another origin than the
 * page: CORS, never cookies) with the session's bearer secret; this is the
 * one place that knows that.
 */
import { json, request } from '../lib/http.js';
import { config, state, t } from './state.js';

/**
 * `api('POST', '/v1/sessions/…', body)`: the JSON answer, or an ApiError.
 * `auth: false` for calls made before there is a session.
 */
export async function api(method, path, body, { auth = true, signal } = {}) {
  const headers = {};
  if (auth && state.session) headers.authorization = `Bearer ${state.session.secret}`;
  const res = await request(config.kefuUrl + path, { method, headers, body, signal, credentials: 'omit', mode: 'cors' });
  return json(res);
}

/** A failed call as the user reads it. */
export function errorText(e) {
  const s = t();
  if (e && e.status === 429) return s.rateLimited;
  if (e && e.status === 413) return s.tooLong;
  return s.error;
}
