// What the console knows about machines: their stored records, and the state and last-seen time
// the server derives from their boot events.
import {API, call, enc, get, mapLimited} from './api.js';

/** Host records that stand for every unknown machine rather than for one machine. */
export const SPECIAL = ['default', 'register'];

/** The states in the order an operator deals with them: new machines first. */
export const STATES = ['registered', 'installing', 'installed', 'local-boot', 'unknown'];

/** "local-boot" → "local boot". */
export function stateLabel(state) {
  return state.replace(/[-_]/g, ' ');
}

export function groupsOf(params) {
  const g = params?.groups;
  if (Array.isArray(g)) return g.filter((x) => typeof x === 'string');
  return typeof g === 'string' ? [g] : [];
}

/**
 * The state of a host as the server reports it; a server without boot events reports none, and
 * then the stored groups tell what they can: 'installed' once marked, 'registered' for a machine
 * that registered itself and still sits in the default group only.
 */
export function stateOf(summary) {
  if (typeof summary.state === 'string' && summary.state) return summary.state;
  const groups = summary.groups;
  if (groups.includes('installed')) return 'installed';
  if (groups.length === 1 && groups[0] === 'default' && 'manufacturer' in summary.params) return 'registered';
  return 'unknown';
}

export async function hostIds() {
  return (await get(`${API}/hosts/`)).hosts;
}

/** Every host id, with {state, last_seen} per id where the server derives them from boot events. */
export async function hostList() {
  const answer = await get(`${API}/hosts/?detail=1`);
  // A server without boot events takes "detail" for a parameter filter and answers no detail.
  if (!answer.detail) return {ids: await hostIds(), detail: {}};
  return {ids: answer.hosts, detail: answer.detail};
}

/**
 * One machine's row: stored record, state, last seen. The state comes from the listing's detail
 * when given, else from the headers of the host read.
 */
export async function summary(id, detail) {
  const answer = await call('GET', `${API}/hosts/${enc(id)}`);
  const params = answer.body;
  const s = {
    id,
    params,
    etag: answer.etag,
    groups: groupsOf(params),
    hostname: typeof params.hostname === 'string' ? params.hostname : '',
    state: detail?.state ?? answer.headers.get('X-Bergenholm-State'),
    lastSeen: detail?.last_seen ?? answer.headers.get('X-Bergenholm-Last-Seen'),
  };
  s.state = stateOf(s);
  return s;
}

export async function summaries({ids, detail}) {
  return mapLimited(ids, 6, async (id) => {
    try {
      return await summary(id, detail[id]);
    } catch (e) {
      if (e.status === 404) return null; // deleted meanwhile
      throw e;
    }
  });
}

/**
 * A machine that registered itself and that no operator has put anywhere yet: registered, and in
 * no group but the default one.
 */
export function waiting(summary) {
  return !SPECIAL.includes(summary.id) && summary.state === 'registered' &&
    summary.groups.every((g) => g === 'default');
}

/** Waiting machines first, then the most recently seen, then by id; the special records last. */
export function byAttention(a, b) {
  const special = SPECIAL.includes(a.id) - SPECIAL.includes(b.id);
  if (special) return special;
  const first = waiting(b) - waiting(a);
  if (first) return first;
  const seen = String(b.lastSeen ?? '').localeCompare(String(a.lastSeen ?? ''));
  return seen || a.id.localeCompare(b.id);
}
