// A machine's boot timeline: its recorded events, then new ones live as the server streams them.
import {API, enc, follow, get} from './api.js';
import {fill, h, show, when} from './dom.js';

const SHOWN = 200;
const OWN = new Set(['time', 'kind', 'host', 'host_id', 'hostId', 'id', 'uuid', 'attributes']);

/** The host an event belongs to, whichever name the server gives the field. */
export function hostOf(event) {
  return event.host ?? event.host_id ?? event.hostId ?? event.uuid ?? null;
}

function item(event) {
  const fields = Object.entries(event).filter(([k]) => !OWN.has(k));
  if (event.attributes && typeof event.attributes === 'object') fields.push(...Object.entries(event.attributes));
  const details = fields.map(([k, v]) => h('span', {class: 'detail'}, h('span', {class: 'k'}, k), '=', show(v)));
  const failed = event.outcome !== undefined && event.outcome !== 'ok';
  return h('li', {class: `event kind-${String(event.kind).replace(/[^a-z0-9]+/gi, '-')}${failed ? ' failed' : ''}`},
    when(event.time), ' ', h('strong', {class: 'kind'}, String(event.kind)), ' ', details.map((d) => [d, ' ']));
}

/** onLive(event) is called for each event that arrives live. */
export function timeline(ctx, id, onLive) {
  const list = h('ol', {class: 'timeline', reversed: true, 'aria-live': 'polite', 'aria-relevant': 'additions'});
  const link = h('span', {class: 'link-state'}, 'connecting…');
  const section = h('section', {class: 'panel', 'aria-labelledby': 'tl-h'},
    h('h2', {id: 'tl-h'}, 'Timeline ', link), list);
  const seen = new Set();

  function add(event, live) {
    const key = JSON.stringify(event);
    if (seen.has(key)) return;
    seen.add(key);
    const li = item(event);
    if (live) li.classList.add('new');
    list.prepend(li);
    while (list.children.length > SHOWN) list.lastElementChild.remove();
  }

  (async () => {
    try {
      const past = (await get(`${API}/hosts/${enc(id)}/events?limit=${SHOWN}`)).events ?? [];
      past.forEach((e) => add(e, false));
      if (past.length === 0) list.append(h('li', {class: 'empty'}, 'No events recorded yet.'));
    } catch (e) {
      fill(list, h('li', {class: 'error'}, e.status === 404 && e.message.startsWith('no such path')
        ? 'This server keeps no boot events.' : e.text));
    }
  })();
  ctx.onLeave(follow(`${API}/events/stream?host=${enc(id)}`, (message) => {
    const event = message.data;
    if (event && typeof event === 'object' && hostOf(event) === id) {
      list.querySelector('.empty')?.remove();
      add(event, true);
      onLive?.(event);
    }
  }, (state, error) => {
    link.textContent = state === 'live' ? 'live' : state === 'reconnecting' ? 'reconnecting…' : 'not live';
    link.title = error?.text ?? '';
  }));
  return section;
}
