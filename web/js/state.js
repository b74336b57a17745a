// One state object for the whole page. Panels and the map subscribe with `on` and change it
// with `set`; nothing here knows about the DOM, the map or the network.
//
// `set(patch)` merges the patch into the state one level deep for plain objects
// (so `set({parent: {results}})` keeps the other fields of `parent`), then emits
// `change` with the list of changed top-level keys, and one `<key>` event per changed key.

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

export function createState(initial) {
  const data = { ...initial };
  const listeners = new Map(); // event name -> Set of functions

  function on(event, fn) {
    if (!listeners.has(event)) listeners.set(event, new Set());
    listeners.get(event).add(fn);
    return () => listeners.get(event).delete(fn);
  }

  function emit(event, ...args) {
    for (const fn of [...(listeners.get(event) || [])]) {
      try {
        fn(...args);
      } catch (e) {
        console.error(`state listener for "${event}" failed`, e);
      }
    }
  }

  function set(patch) {
    const changed = [];
    for (const [key, value] of Object.entries(patch)) {
      const before = data[key];
      const after = isPlainObject(before) && isPlainObject(value) ? { ...before, ...value } : value;
      if (after !== before) {
        data[key] = after;
        changed.push(key);
      }
    }
    for (const key of changed) emit(key, data[key], data);
    if (changed.length) emit('change', changed, data);
    return changed;
  }

  // Reads go through the proxy so callers always see the current value; writes must use set.
  const view = new Proxy(data, {
    set() {
      throw new Error('state is read-only: use state.set({...})');
    },
  });

  return { get: () => view, set, on, emit, data: view };
}
