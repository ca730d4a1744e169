// Groups and their inheritance graph: which groups a group pulls in (depth-first, first visit
// wins, as resolution walks them), which groups and hosts use it; each editable like a host.
import {API, enc, get, mapLimited} from './api.js';
import {h, href} from './dom.js';
import {recordEditor} from './editor.js';
import {groupsOf, hostIds} from './hosts.js';
import {announce} from './notify.js';

async function graph() {
  const names = (await get(`${API}/groups/`)).groups;
  const records = await mapLimited(names, 6, (n) => get(`${API}/groups/${enc(n)}`).catch(() => ({})));
  const parents = new Map(names.map((n, i) => [n, groupsOf(records[i])]));
  const children = new Map(names.map((n) => [n, []]));
  for (const [n, ps] of parents) ps.forEach((p) => children.get(p)?.push(n));
  return {names, parents, children};
}

async function hostsByGroup() {
  const ids = await hostIds();
  const records = await mapLimited(ids, 6, (id) => get(`${API}/hosts/${enc(id)}`).catch(() => ({})));
  const out = new Map();
  ids.forEach((id, i) => groupsOf(records[i]).forEach((g) => {
    if (!out.has(g)) out.set(g, []);
    out.get(g).push(id);
  }));
  return out;
}

const link = (g) => h('a', {href: href('groups', g)}, g);
const list = (items, render) => items.length ? items.map((x, i) => [i ? ', ' : '', render(x)]) : '—';

export async function groupsView() {
  const [g, hosts] = await Promise.all([graph(), hostsByGroup()]);
  return h('section', {},
    h('h1', {}, 'Groups'),
    h('table', {class: 'list'},
      h('caption', {class: 'visually-hidden'}, 'Groups, what they pull in and what uses them'),
      h('thead', {}, h('tr', {}, ['Group', 'Pulls in', 'Used by groups', 'Hosts'].map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, g.names.map((n) => h('tr', {'data-group': n},
        h('th', {scope: 'row', 'data-label': 'Group'}, link(n)),
        h('td', {'data-label': 'Pulls in'}, list(g.parents.get(n), link)),
        h('td', {'data-label': 'Used by groups'}, list(g.children.get(n), link)),
        h('td', {'data-label': 'Hosts'}, String((hosts.get(n) ?? []).length)))))));
}

/** A tree along `edges` from `root`; a node met again is shown once more but not expanded. */
function tree(root, edges, seen = new Set()) {
  const next = edges.get(root) ?? [];
  return h('ul', {class: 'tree'}, next.map((n) => {
    const again = seen.has(n);
    seen.add(n);
    return h('li', {}, link(n), again ? h('span', {class: 'note'}, ' (already applied)')
      : (edges.get(n) ?? []).length ? tree(n, edges, seen) : null);
  }));
}

export async function groupView(ctx, name) {
  const [g, hosts, resolved] = await Promise.all([graph(), hostsByGroup(), get(`${API}/groups/${enc(name)}?params=all`)]);
  const editor = await recordEditor({
    path: `${API}/groups/${enc(name)}`, json: true, label: `Stored parameters of group ${name} (JSON)`,
    canWrite: ctx.canWrite, onSaved: () => announce(`Saved group ${name}.`),
  });
  const users = hosts.get(name) ?? [];
  return h('article', {class: 'group'},
    h('p', {class: 'crumbs'}, h('a', {href: '#/groups'}, 'Groups'), ' / '),
    h('h1', {}, `Group ${name}`),
    h('div', {class: 'columns'},
      h('div', {},
        h('section', {class: 'panel', 'aria-labelledby': 'up-h'}, h('h2', {id: 'up-h'}, 'Pulls in'),
          (g.parents.get(name) ?? []).length ? tree(name, g.parents, new Set([name])) : h('p', {}, 'No other group.')),
        h('section', {class: 'panel', 'aria-labelledby': 'down-h'}, h('h2', {id: 'down-h'}, 'Used by groups'),
          (g.children.get(name) ?? []).length ? tree(name, g.children, new Set([name])) : h('p', {}, 'No group.')),
        h('section', {class: 'panel', 'aria-labelledby': 'hosts-h'}, h('h2', {id: 'hosts-h'}, 'Used by hosts (directly)'),
          users.length ? h('ul', {}, users.map((id) => h('li', {}, h('a', {href: href('machines', id)}, id))))
            : h('p', {}, 'No host lists it.')),
        h('section', {class: 'panel', 'aria-labelledby': 'inh-h'}, h('h2', {id: 'inh-h'}, 'Inherited parameters (not expanded)'),
          h('pre', {class: 'code', tabindex: '0'}, JSON.stringify(resolved, null, 2)))),
      h('div', {}, h('section', {'aria-labelledby': 'gedit-h'}, h('h2', {id: 'gedit-h'}, 'Edit'), editor.element))));
}
