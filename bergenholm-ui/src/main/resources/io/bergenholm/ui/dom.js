// Building DOM nodes. Text always goes in as text nodes, never as HTML: every value the console
// shows comes from the server, and much of it from machines on the provisioning network.

/** h('a', {href: '#/x', onclick: f}, 'text', child, [more]) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'value' || key === 'checked' || key === 'selected') {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of el. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A value as an operator reads it: strings bare, everything else as JSON. */
export function show(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function when(iso) {
  if (!iso) return '—';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return String(iso);
  return h('time', {datetime: iso, title: iso}, t.toLocaleString());
}

export function href(...parts) {
  return '#/' + parts.map(encodeURIComponent).join('/');
}

let uid = 0;
/** A unique id for label/for pairs. */
export function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A labelled form field: [label, control]. */
export function field(label, control) {
  if (!control.id) control.id = nextId('f');
  return h('div', {class: 'field'}, h('label', {for: control.id}, label), control);
}

/**
 * A button for something that cannot be undone: the first press asks (the button's text becomes
 * the question), a second press within 6 s does it. No dialog, so it works the same by keyboard.
 */
export function confirming(label, question, action, props = {}) {
  let armed = null;
  const button = h('button', {type: 'button', ...props}, label);
  button.addEventListener('click', async (event) => {
    event.preventDefault();
    if (!armed) {
      button.textContent = question;
      button.classList.add('armed');
      armed = setTimeout(() => {
        armed = null;
        button.textContent = label;
        button.classList.remove('armed');
      }, 6000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    button.textContent = label;
    button.classList.remove('armed');
    await action();
  });
  return button;
}
