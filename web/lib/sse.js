/*
 * Server-Sent Events read with fetch(), shared by the widget (its session's
 * messages) and the agent console (queue and session changes).
 *
 * Why it exists: EventSource cannot send an Authorization header, and both
 * streams authenticate with a bearer secret. This is the parser of the
 * event-stream format (fields, comments, \r\n, \r or \n line ends split
 * across chunks) and the watchdog both loops use.
 */

/**
 * Reads `body` (a ReadableStream of bytes) until it ends, calling
 * `onEvent({ type, data, id })` for each event with data. With `idleMs`,
 * `onIdle()` is called when nothing (not even a keep-alive comment) arrives
 * for that long: the server sends one every 15 s, so silence means a dead
 * connection that nobody closed.
 */
export async function readEvents(body, onEvent, { idleMs = 0, onIdle } = {}) {
  let watchdog;
  const arm = () => {
    if (!idleMs) return;
    clearTimeout(watchdog);
    watchdog = setTimeout(() => onIdle && onIdle(), idleMs);
  };
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = { type: 'message', data: [], id: null };
  arm();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      arm();
      buffer += value;
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buffer);
        if (!m) break;
        if (m[0] === '\r' && m.index === buffer.length - 1) break; // maybe \r\n split across chunks
        const line = buffer.slice(0, m.index);
        buffer = buffer.slice(m.index + m[0].length);
        if (line === '') {
          if (event.data.length) onEvent({ type: event.type, data: event.data.join('\n'), id: event.id });
          event = { type: 'message', data: [], id: null };
        } else if (line[0] !== ':') {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let val = colon < 0 ? '' : line.slice(colon + 1);
          if (val[0] === ' ') val = val.slice(1);
          if (field === 'event') event.type = val;
          else if (field === 'data') event.data.push(val);
          else if (field === 'id') event.id = val;
        }
      }
    }
  } finally {
    clearTimeout(watchdog);
  }
}
