// One machine: what it resolves to and where each value comes from, the files it is served, its
// live timeline, power, provisioning, and its stored parameters to edit.
import {API, call, enc, get} from './api.js';
import {confirming, field, fill, h, href, show, when} from './dom.js';
import {recordEditor} from './editor.js';
import {SPECIAL, stateLabel, summary} from './hosts.js';
import {alertError, announce} from './notify.js';
import {timeline} from './timeline.js';

export async function machineView(ctx, id) {
  const [s, explained] = await Promise.all([summary(id), get(`${API}/hosts/${enc(id)}?explain=1`)]);
  // The version of the record this page shows: provisioning names it (If-Match), so that it never
  // acts on groups someone else changed since; a save from this page moves it on.
  const version = {etag: s.etag};
  const editor = await recordEditor({
    path: `${API}/hosts/${enc(id)}`, json: true, label: `Stored parameters of ${id} (JSON)`,
    canWrite: ctx.canWrite, onSaved: (etag) => {
      version.etag = etag ?? version.etag;
      announce(`Saved the parameters of ${id}.`);
    },
  });
  const special = SPECIAL.includes(id);
  const stateCell = h('dd', {}, badge(s.state));
  const seenCell = h('dd', {}, when(s.lastSeen));
  let pending = null;
  // A live event may move the machine on (installing, installed): read its state again, once.
  const onLive = () => {
    clearTimeout(pending);
    pending = setTimeout(async () => {
      try {
        const now = await summary(id);
        fill(stateCell, badge(now.state));
        fill(seenCell, when(now.lastSeen));
      } catch {
        // the timeline shows what happened; the header catches up on the next visit
      }
    }, 300);
  };
  ctx.onLeave(() => clearTimeout(pending));
  return h('article', {class: 'machine'},
    h('p', {class: 'crumbs'}, h('a', {href: '#/machines'}, 'Machines'), ' / '),
    h('h1', {}, id),
    h('dl', {class: 'facts'},
      fact('Hostname', s.hostname || '—'),
      h('dt', {}, 'State'), stateCell,
      h('dt', {}, 'Last seen'), seenCell,
      fact('Groups', s.groups.length ? s.groups.map((g, i) => [i ? ', ' : '', h('a', {href: href('groups', g)}, g)]) : '—')),
    h('div', {class: 'columns'},
      h('div', {},
        special ? null : timeline(ctx, id, onLive),
        special ? null : powerPanel(ctx, id),
        special || !ctx.canWrite ? null : await provisionPanel(id, s.groups, version),
        bootFiles(id, explained)),
      h('div', {},
        provenance(id, explained),
        h('section', {'aria-labelledby': 'edit-h'}, h('h2', {id: 'edit-h'}, 'Edit'),
          h('p', {class: 'note'}, 'Secret values read as ******** and are kept when saved unchanged.'),
          editor.element))));
}

function badge(state) {
  return h('span', {class: `state state-${state}`}, stateLabel(state));
}

function fact(term, value) {
  return [h('dt', {}, term), h('dd', {}, value)];
}

function powerPanel(ctx, id) {
  const state = h('output', {class: 'power-state'}, 'not checked');
  async function check() {
    state.textContent = '…';
    try {
      state.textContent = (await get(`${API}/power/${enc(id)}`)).power;
    } catch (e) {
      state.textContent = 'error';
      alertError(e);
    }
  }
  async function act(action) {
    try {
      await call('PUT', `${API}/power/${enc(id)}`, {body: {power: action}});
      announce(`Power ${action} sent to ${id}.`);
      await check();
    } catch (e) {
      alertError(e);
    }
  }
  return h('section', {class: 'panel', 'aria-labelledby': 'power-h'},
    h('h2', {id: 'power-h'}, 'Power'),
    h('p', {}, 'Power: ', state, ' ', h('button', {type: 'button', class: 'small', onclick: check}, 'Check power')),
    ctx.canWrite ? h('div', {class: 'actions'},
      h('button', {type: 'button', onclick: () => act('on')}, 'Power on'),
      confirming('Power off', 'Really power off?', () => act('off')),
      confirming('Power reset', 'Really reset?', () => act('reset'))) : null);
}

async function provisionPanel(id, current, version) {
  const groups = (await get(`${API}/groups/`)).groups.filter((g) => g !== 'installed');
  const boxes = groups.map((g) => h('input', {type: 'checkbox', value: g, checked: current.includes(g)}));
  const result = h('div', {class: 'result', 'aria-live': 'polite'});
  async function provision() {
    const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
    fill(result, 'Provisioning…');
    try {
      const answer = await call('POST', `${API}/hosts/${enc(id)}/provision`,
        {body: {groups: chosen}, ifMatch: version.etag});
      version.etag = answer.etag ?? version.etag;
      fill(result, h('p', {class: 'ok'}, `Provisioning into ${chosen.join(', ') || 'no group'}.`), answerList(answer.body));
      announce(`Provisioning of ${id} started.`);
    } catch (e) {
      if (e.status === 412) {
        fill(result, h('p', {class: 'error'},
          'Not provisioned: this machine was changed by someone else after this page was loaded (', e.text,
          '). Nothing was done. Reload to see the change, then provision again.'),
        h('button', {type: 'button', onclick: () => location.reload()}, 'Reload'));
        return;
      }
      // The answer says which steps took effect before one failed: show all of it.
      fill(result, h('p', {class: 'error'}, e.text), e.body?.done ? answerList(e.body) : null);
    }
  }
  return h('section', {class: 'panel', 'aria-labelledby': 'prov-h'},
    h('h2', {id: 'prov-h'}, 'Provision'),
    h('p', {class: 'note'}, 'Sets these groups, clears "installed", boots from the network next and power-cycles the machine.'),
    h('form', {onsubmit: (e) => e.preventDefault()},
      h('fieldset', {class: 'choices'}, h('legend', {}, 'Groups'),
        boxes.map((b, i) => h('label', {class: 'choice'}, b, ' ', groups[i]))),
      confirming('Provision', 'Really reinstall this machine?', provision, {class: 'primary'})),
    result);
}

function answerList(body) {
  if (!body || typeof body !== 'object') return body ? h('pre', {class: 'code'}, String(body)) : null;
  return h('dl', {class: 'answer'}, Object.entries(body).map(([k, v]) => [h('dt', {}, k), h('dd', {}, show(v))]));
}

function provenance(id, explained) {
  const rows = Object.entries(explained).sort(([a], [b]) => a.localeCompare(b)).map(([key, p]) => {
    const raw = p.raw !== undefined && p.raw !== null && show(p.raw) !== show(p.expanded)
      ? h('div', {class: 'raw'}, 'as written: ', show(p.raw)) : null;
    return h('tr', {'data-key': key},
      h('th', {scope: 'row'}, key),
      h('td', {}, h('span', {class: 'value'}, show(p.expanded)), raw),
      h('td', {class: 'source'}, source(id, p.source)));
  });
  return h('section', {'aria-labelledby': 'params-h'},
    h('h2', {id: 'params-h'}, 'Resolved parameters'),
    h('table', {class: 'params'},
      h('caption', {class: 'visually-hidden'}, 'Each resolved parameter and the record it comes from'),
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Parameter'), h('th', {scope: 'col'}, 'Value'),
        h('th', {scope: 'col'}, 'From'))),
      h('tbody', {}, rows)));
}

function source(id, text) {
  const [kind, ...rest] = String(text).split(':');
  const name = rest.join(':');
  if (kind === 'group') return ['group ', h('a', {href: href('groups', name)}, name)];
  if (kind === 'host') return name === id ? 'this host' : ['host ', h('a', {href: href('machines', name)}, name)];
  return text;
}

/** The templates a machine fetches: the kickstart/preseed its parameters name or link to. */
function fetchedTemplates(explained) {
  const names = new Set();
  for (const key of ['kickstart', 'preseed', 'autoinstall', 'cloud_init']) {
    if (typeof explained[key]?.expanded === 'string') names.add(explained[key].expanded);
  }
  for (const p of Object.values(explained)) {
    const text = show(p.expanded);
    for (const m of text.matchAll(/\/api\/1\.0\/templates\/([A-Za-z0-9._-]+)\//g)) names.add(m[1]);
  }
  return [...names];
}

function bootFiles(id, explained) {
  // Rendered on the management side: looking at a machine's files is not a boot step, so it leaves
  // no event on its timeline; secrets read as ********, as everywhere in the console.
  const preview = (name) => `${API}/templates/${enc(name)}/preview/${enc(id)}`;
  const files = [];
  const script = explained.ipxe_script?.expanded;
  if (typeof script === 'string') files.push([`iPXE script (${script})`, preview(script)]);
  // Secure Boot machines get the template their grub_config names, rendered the same way, over TFTP.
  const grub = explained.grub_config?.expanded;
  if (typeof grub === 'string') files.push([`GRUB config (${grub})`, preview(grub)]);
  for (const name of fetchedTemplates(explained)) files.push([name, preview(name)]);
  const out = h('pre', {class: 'code rendered', tabindex: '0', 'aria-label': 'Rendered file'});
  const picker = h('select', {}, files.map(([label, url], i) => h('option', {value: url, selected: i === 0}, label)));
  async function load() {
    out.textContent = 'Rendering…';
    out.classList.remove('failed');
    try {
      out.textContent = (await call('GET', picker.value)).body;
    } catch (e) {
      out.classList.add('failed');
      out.textContent = e.text;
    }
  }
  picker.addEventListener('change', load);
  if (files.length) load();
  else out.textContent = 'No ipxe_script parameter: this machine is served no script.';
  return h('section', {class: 'panel', 'aria-labelledby': 'files-h'},
    h('h2', {id: 'files-h'}, 'Files it is served'),
    h('p', {class: 'note'}, 'As the machine gets them, with secret values masked.'),
    field('File', picker), out);
}
