/*
 * The widget's one state: where kefu is, what this browser remembers, and
 * what is on screen.
 *
 * Why it exists: the widget's parts (messages, the waiting banner, the
 * stream, the composer) all read and change the same conversation; they
 * share this object instead of passing it around. `init` fills it once,
 * from the settings the loader (web/widget.js) read off its script tag.
 * What must survive a reload lives in localStorage under `kefu:<kefuUrl>…`.
 */
import { STRINGS } from './strings.js';

/** Where kefu is (`kefuUrl`, no trailing slash) and the storage key prefix. */
export const config = { kefuUrl: '', storeKey: '', openAtStart: false };

/** The conversation and the screen; see `init` for the fields. */
export const state = {};

/** The strings of the interface language. */
export const t = () => STRINGS[state.lang];

/** The storage key of `name` for this kefu (one widget may talk to several). */
export const keyOf = (name) => `${config.storeKey}:${name}`;

export function readJson(key, fallback) {
  try {
    const v = localStorage.getItem(key);
    return v ? JSON.parse(v) : fallback;
  } catch (_) {
    return fallback;
  }
}

/** Stores `value` as JSON; null removes the key. */
export function writeJson(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch (_) {
    /* private mode or full: the chat still works, it just won't survive a reload */
  }
}

/** A link from kefu (an article, an image) made absolute against kefuUrl. */
export function absoluteUrl(url) {
  try {
    return new URL(url, config.kefuUrl + '/').href;
  } catch (_) {
    return config.kefuUrl;
  }
}

/**
 * Fills `config` and `state` from the loader's settings:
 * `{ kefuUrl, lang: data-lang or '', open: data-open === "true" }`.
 */
export function init({ kefuUrl, lang: pageLang = '', open = false }) {
  config.kefuUrl = kefuUrl;
  config.storeKey = `kefu:${kefuUrl}`;
  config.openAtStart = open;
  const prefs = readJson(keyOf('prefs'), {});
  Object.assign(state, {
    lang: prefs.lang || (/^zh/i.test(pageLang || navigator.language || '') ? 'zh' : /^en/i.test(pageLang) ? 'en' : /^zh/i.test(navigator.language || '') ? 'zh' : 'en'),
    session: readJson(keyOf('session'), null), // {id, secret}
    rated: {}, // message id -> true/false; `csat:<id>` -> stars
    messages: new Map(), // id -> {dto, node}
    pending: [], // local user messages not yet confirmed: {text, node, articleId, serverId}
    lastId: 0,
    mode: 'bot', // bot | waiting | agent
    agentName: null,
    queue: null, // QueueStatus while waiting for a person
    open: false,
    busy: 0,
    unread: 0,
    loaded: false, // transcript fetched
    stream: null, // AbortController of the live stream
    streamUp: false,
    quickReplies: null, // {lang, items}
    quickRepliesLoading: null, // the language being fetched
  });
  if (state.session) state.rated = readJson(keyOf(`rated:${state.session.id}`), {});
}
