// bench/lib/page-probe.mjs — what bench/console.mjs runs inside the page (through Playwright, so the console's
// CSP does not apply to it): arm() marks the screen's current elements as old, notes when the user's action starts
// (the input event's time) and, from DOM mutations, when each wanted part of the new screen is in the DOM; the
// end is taken after the next frame (requestAnimationFrame, then a task: the frame that shows it was painted).
/* global window, document, performance, requestAnimationFrame, MessageChannel, MutationObserver */

/**
 * Runs in the page. o.start: 'click' | 'enter' | 'mouseup' | 'now' (the start is when the event reaches the
 * window, capture phase; 'now' is this call); o.want: parts of the screen that must be new: 'rows' (a results
 * table not there before, with rows), 'count' (the count shown went to "…" and then to a number), 'histogram'
 * (a chart canvas not there before), 'session' (a session's counters), 'more' (more result rows loaded than o.rows),
 * 'detail' (an expanded row).
 */
export function arm(o) {
  // the rows loaded: the windowed table says how many (data-rows); a table of all its rows has them in the DOM
  const loadedRows = () => {
    const t = document.querySelector('[data-testid=results]');
    return t === null ? 0 : t.hasAttribute('data-rows') ? Number(t.getAttribute('data-rows')) : t.querySelectorAll('tbody tr').length;
  };
  performance.clearResourceTimings();
  performance.setResourceTimingBufferSize(2000);
  const B = { t0: null, parts: {}, t1: null, error: null };
  window.__bench = B;
  for (const el of document.querySelectorAll('[data-testid=results], [data-testid=histogram] canvas, [data-testid=counters], [data-testid=detail]')) el.__benchOld = true;
  let countReset = false;
  const fresh = (sel) => [...document.querySelectorAll(sel)].some((e) => !e.__benchOld);
  const checks = {
    // a new results table with rows (or none when the count says there are none)
    rows: () => [...document.querySelectorAll('[data-testid=results]')].some((t) => !t.__benchOld
      && (t.querySelector('tbody tr') !== null || /^0 /.test(document.querySelector('[data-testid=count]')?.textContent ?? ''))),
    count: () => {
      const c = document.querySelector('[data-testid=count]')?.textContent ?? '…';
      if (c === '…') countReset = true;
      return countReset && c !== '…';
    },
    histogram: () => fresh('[data-testid=histogram] canvas'),
    session: () => fresh('[data-testid=counters]'),
    more: () => loadedRows() > o.rows,
    detail: () => fresh('[data-testid=detail]'),
  };
  const check = () => {
    if (B.t0 === null) return;
    const now = performance.now();
    for (const w of o.want) if (B.parts[w] === undefined && checks[w]()) B.parts[w] = now - B.t0;
    if (o.want.every((w) => B.parts[w] !== undefined)) {
      mo.disconnect();
      const err = document.querySelector('[data-testid=error], .error');
      if (err !== null) B.error = err.textContent;
      requestAnimationFrame(() => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => {
          B.t1 = performance.now();
        };
        ch.port2.postMessage(0);
      });
    }
  };
  const mo = new MutationObserver(check);
  mo.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  if (o.start === 'now') {
    B.t0 = performance.now();
    return;
  }
  const type = o.start === 'enter' ? 'keydown' : o.start;
  const on = (e) => {
    if (o.start === 'enter' && e.key !== 'Enter') return;
    window.removeEventListener(type, on, true);
    B.t0 = e.timeStamp;
    // a part already there when the action starts would not count: checks see only later mutations
  };
  window.addEventListener(type, on, true);
}

/** Runs in the page: the measurement once complete (null until then), with the /api requests started since t0. */
export function result() {
  const B = window.__bench;
  if (B === undefined || B.t1 === null) return null;
  const api = performance.getEntriesByType('resource')
    .filter((e) => new URL(e.name).pathname.startsWith('/api/') && e.startTime >= B.t0 - 1)
    .map((e) => ({ url: e.name, start: e.startTime - B.t0, end: e.responseEnd - B.t0, size: e.encodedBodySize }));
  return { ms: B.t1 - B.t0, parts: B.parts, api, error: B.error };
}
