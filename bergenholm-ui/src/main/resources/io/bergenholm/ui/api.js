// The REST API of the server that serves this page, with the operator's bearer token.
//
// The token lives in sessionStorage: it is gone when the tab closes, and no cookie carries it, so
// no other site can make the browser use it. Live events are read with fetch() streaming rather
// than EventSource, because EventSource cannot send an Authorization header.

export const API = '/api/1.0';
const TOKEN = 'bergenholm.token';

/** A refused or failed call, with the server's own words. */
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body ?? null;
  }

  /** "412: host 'x' was changed…" as the operator sees it. */
  get text() {
    return this.status ? `${this.status}: ${this.message}` : this.message;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN, value);
  else sessionStorage.removeItem(TOKEN);
}

function headers(extra) {
  const out = {...extra};
  const t = token();
  if (t) out.Authorization = `Bearer ${t}`;
  return out;
}

async function failure(res) {
  const raw = await res.text();
  let message = raw || res.statusText;
  let body = null;
  if ((res.headers.get('Content-Type') ?? '').startsWith('application/json')) {
    try {
      body = JSON.parse(raw);
      if (typeof body.error === 'string') message = body.error;
    } catch {
      // not JSON after all: keep the raw text
    }
  }
  return new ApiError(res.status, message, body);
}

/**
 * One call. body: an object (sent as JSON) or a string (sent as text).
 * Resolves to {status, etag, headers, body} (body parsed when JSON); rejects with ApiError.
 */
export async function call(method, path, {body, ifMatch} = {}) {
  const extra = {};
  let payload;
  if (typeof body === 'string') {
    payload = body;
    extra['Content-Type'] = 'text/plain; charset=utf-8';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    extra['Content-Type'] = 'application/json';
  }
  if (ifMatch) extra['If-Match'] = ifMatch;
  let res;
  try {
    res = await fetch(path, {method, headers: headers(extra), body: payload, cache: 'no-store', credentials: 'omit'});
  } catch (e) {
    throw new ApiError(0, `the server cannot be reached (${e.message})`);
  }
  if (!res.ok) throw await failure(res);
  const raw = await res.text();
  const json = (res.headers.get('Content-Type') ?? '').startsWith('application/json');
  return {status: res.status, etag: res.headers.get('ETag'), headers: res.headers, body: json && raw ? JSON.parse(raw) : raw};
}

export async function get(path) {
  return (await call('GET', path)).body;
}

export const enc = encodeURIComponent;

/** Runs fn over items, at most `limit` at a time; results in input order. */
export async function mapLimited(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker));
  return out;
}

/**
 * Follows a Server-Sent Events stream with the bearer token, reconnecting with back-off (and
 * Last-Event-ID when the server numbers its events). onEvent({event, id, data}) gets data parsed
 * as JSON where it is JSON; onState('live' | 'reconnecting' | 'stopped', error) reports the link.
 * Returns a function that stops following.
 */
export function follow(path, onEvent, onState) {
  const stop = new AbortController();
  let lastId = null;
  let delay = 1000;
  (async () => {
    while (!stop.signal.aborted) {
      try {
        const extra = {Accept: 'text/event-stream'};
        if (lastId !== null) extra['Last-Event-ID'] = lastId;
        const res = await fetch(path, {headers: headers(extra), signal: stop.signal, cache: 'no-store', credentials: 'omit'});
        if (!res.ok) throw await failure(res);
        onState('live');
        delay = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const {value, done} = await reader.read();
          if (done) break;
          buffer += value;
          const blocks = buffer.split(/\r\n\r\n|\n\n|\r\r/);
          buffer = blocks.pop();
          for (const block of blocks) {
            const ev = parseBlock(block);
            if (ev.id !== null) lastId = ev.id;
            if (ev.data !== null) onEvent(ev);
          }
        }
        throw new ApiError(0, 'the server closed the event stream');
      } catch (e) {
        if (stop.signal.aborted) return;
        // A missing endpoint or a refused token will not heal by retrying.
        if (e instanceof ApiError && [401, 403, 404, 405].includes(e.status)) {
          onState('stopped', e);
          return;
        }
        onState('reconnecting', e);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30000);
    }
  })();
  return () => stop.abort();
}

function parseBlock(block) {
  let event = 'message';
  let id = null;
  const data = [];
  for (const line of block.split(/\r\n|\n|\r/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') data.push(value);
    else if (name === 'event') event = value;
    else if (name === 'id') id = value;
  }
  if (data.length === 0) return {event, id, data: null};
  const text = data.join('\n');
  try {
    return {event, id, data: JSON.parse(text)};
  } catch {
    return {event, id, data: text};
  }
}
