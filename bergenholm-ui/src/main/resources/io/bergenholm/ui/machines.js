// Machines: every host with its state, last seen, groups and hostname; power on demand; search
// and filters; machines that registered themselves and wait for an operator come first.
import {API, enc, get} from './api.js';
import {field, fill, h, href, when} from './dom.js';
import {byAttention, hostList, SPECIAL, stateLabel, STATES, summaries, waiting} from './hosts.js';
import {alertError, announce} from './notify.js';

export async function machinesView() {
  const rows = (await summaries(await hostList())).filter(Boolean).sort(byAttention);
  const groups = [...new Set(rows.flatMap((r) => r.groups))].sort();
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');

  const search = h('input', {type: 'search', placeholder: 'id, hostname, group, parameter value', value: params.get('q') ?? ''});
  const state = h('select', {}, h('option', {value: ''}, 'any state'), STATES.map((s) => h('option', {value: s}, stateLabel(s))));
  const group = h('select', {}, h('option', {value: ''}, 'any group'), groups.map((g) => h('option', {value: g}, g)));
  const count = h('p', {class: 'count', 'aria-live': 'polite'});
  const body = h('tbody');
  const checkAll = h('button', {type: 'button', onclick: () => checkPower(visible())}, 'Check power of shown machines');

  let shown = rows;
  const visible = () => shown.filter((r) => !SPECIAL.includes(r.id));

  function apply() {
    const q = search.value.trim().toLowerCase();
    shown = rows.filter((r) =>
      (!state.value || (r.state === state.value && !SPECIAL.includes(r.id))) &&
      (!group.value || r.groups.includes(group.value)) &&
      (!q || r.id.toLowerCase().includes(q) || r.hostname.toLowerCase().includes(q) ||
        r.groups.some((g) => g.toLowerCase().includes(q)) ||
        Object.values(r.params).some((v) => typeof v === 'string' && v.toLowerCase().includes(q))));
    fill(body, shown.map(row));
    const waitingCount = shown.filter(waiting).length;
    count.textContent = `${shown.length} of ${rows.length} machines` + (waitingCount ? `, ${waitingCount} waiting for an operator` : '');
  }

  search.addEventListener('input', apply);
  state.addEventListener('change', apply);
  group.addEventListener('change', apply);
  apply();

  return h('section', {class: 'machines'},
    h('h1', {}, 'Machines'),
    h('form', {class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault()},
      field('Search', search), field('State', state), field('Group', group), checkAll),
    count,
    h('table', {class: 'list'},
      h('caption', {class: 'visually-hidden'}, 'Machines, newly registered first'),
      h('thead', {}, h('tr', {},
        ['Machine', 'Hostname', 'State', 'Last seen', 'Groups', 'Power'].map((t) => h('th', {scope: 'col'}, t)))),
      body));
}

function row(r) {
  const power = h('span', {class: 'power'});
  const button = h('button', {type: 'button', class: 'small', 'aria-label': `Check power of ${r.id}`,
    onclick: () => checkPower([r])}, 'Check');
  r.powerCell = power;
  const special = SPECIAL.includes(r.id);
  return h('tr', {class: waiting(r) ? 'attention' : null, 'data-host': r.id},
    h('th', {scope: 'row', 'data-label': 'Machine'}, h('a', {href: href('machines', r.id)}, r.id),
      special ? h('span', {class: 'note'}, ' (settings for unknown machines)') : null),
    h('td', {'data-label': 'Hostname'}, r.hostname || '—'),
    h('td', {'data-label': 'State'}, special ? '—' : h('span', {class: `state state-${r.state}`}, stateLabel(r.state))),
    h('td', {'data-label': 'Last seen'}, when(r.lastSeen)),
    h('td', {'data-label': 'Groups'}, r.groups.map((g, i) => [i ? ', ' : '', h('a', {href: href('groups', g)}, g)])),
    h('td', {'data-label': 'Power'}, special ? '—' : [power, ' ', button]));
}

async function checkPower(rows) {
  let failures = 0;
  await Promise.all(rows.map(async (r) => {
    r.powerCell.textContent = '…';
    try {
      r.powerCell.textContent = (await get(`${API}/power/${enc(r.id)}`)).power;
    } catch (e) {
      failures += 1;
      r.powerCell.textContent = 'error';
      r.powerCell.title = e.text;
      if (rows.length === 1) alertError(e);
    }
  }));
  announce(`Power checked for ${rows.length} machine${rows.length === 1 ? '' : 's'}` +
    (failures ? `, ${failures} failed (hover for the reason)` : ''));
}
