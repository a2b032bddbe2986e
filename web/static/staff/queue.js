'use strict';
// The queue: the status tabs of the user's role, filters, and the tickets in working
// order. A refresh changes the rows that changed and keeps the others (and the focus).
(async () => {
  const { el, clear, api } = QF;
  const st = await QF.start();
  if (st.me.role === 'admin') { location.replace('/staff/admin'); return; }
  const params = new URLSearchParams(location.search);
  const form = document.getElementById('filters');
  const fill = (name, entries) => {
    const sel = form.elements[name];
    for (const [v, label] of entries) sel.append(el('option', { value: v }, label));
    sel.value = params.get(name) || '';
  };
  fill('mode', Object.entries(st.vocab.names.mode));
  fill('category', st.vocab.categories.map(c => [c.ID, c.Name]));
  fill('channel', Object.entries(st.vocab.names.channel));
  fill('body', st.vocab.bodies.map(b => [b.id, b.name]));
  fill('level', ['red', 'orange', 'yellow'].map(l => [l, QF.name('level', l)]));
  form.elements.q.value = params.get('q') || '';
  // With no status asked for, the server answers the role's own queue (where its work is).
  let status = params.get('status') || '';

  form.addEventListener('submit', ev => { ev.preventDefault(); load(); });
  for (const s of form.querySelectorAll('select')) s.addEventListener('change', () => load());

  function query() {
    const q = new URLSearchParams();
    if (status) q.set('status', status);
    for (const name of ['mode', 'category', 'channel', 'body', 'level']) {
      if (form.elements[name].value) q.set(name, form.elements[name].value);
    }
    return q;
  }

  // The tabs are the statuses this role acts on; drawn once, their counts kept current.
  const tabBox = document.getElementById('tabs');
  tabBox.hidden = !st.vocab.tabs.length;
  for (const s of st.vocab.tabs) {
    tabBox.append(el('button', { type: 'button', class: 'tab', 'data-status': s, 'aria-pressed': 'false',
      onclick: () => { status = s; form.elements.q.value = ''; load(); } },
      QF.statusName(s), el('span', { class: 'count' }, '0')));
  }
  function syncTabs(counts) {
    for (const b of tabBox.querySelectorAll('.tab')) {
      const on = b.dataset.status === status && !form.elements.q.value.trim();
      b.classList.toggle('on', on);
      b.setAttribute('aria-pressed', String(on));
      if (counts) b.querySelector('.count').textContent = String(counts[b.dataset.status] || 0);
    }
  }

  // age says how long ago a ticket arrived, roughly.
  function age(at) {
    const min = Math.max(0, Math.floor((Date.now() - new Date(at)) / 60000));
    if (min < 60) return min + ' 分钟';
    if (min < 24 * 60) return Math.floor(min / 60) + ' 小时';
    return Math.floor(min / (24 * 60)) + ' 天' + (Math.floor(min / 60) % 24 ? ' ' + Math.floor(min / 60) % 24 + ' 小时' : '');
  }

  function row(t) {
    const href = '/staff/ticket?id=' + encodeURIComponent(t.id);
    const summary = t.text.length > 60 ? t.text.slice(0, 60) + '…' : t.text;
    return el('tr', { class: t.urgent ? 'urgent' : '', 'data-id': t.id, 'data-key': t.version + '|' + t.level },
      el('td', {}, QF.badge(t.level), t.urgent ? el('span', { class: 'badge danger', title: '涉及人身安全' }, '急', el('span', { class: 'sr' }, '涉及人身安全')) : ''),
      el('td', {}, el('a', { href }, t.id)),
      el('td', {}, QF.time(t.created_at), el('br'), el('span', { class: 'muted age', 'data-at': t.created_at }, age(t.created_at))),
      el('td', {}, QF.categoryName(t.category)),
      el('td', { class: 'text' }, summary),
      el('td', {}, t.subject.unit || '—'),
      el('td', {}, QF.modeName(t.mode)),
      el('td', {}, QF.bodyName(t.body)),
      el('td', {}, t.due || '—'),
      el('td', {}, QF.statusName(t.status)));
  }

  // syncRows puts the tickets in order, reusing the row of a ticket that has not changed.
  function syncRows(tickets) {
    const body = document.querySelector('#queue tbody');
    const had = new Map([...body.querySelectorAll('tr[data-id]')].map(r => [r.dataset.id, r]));
    const rows = tickets.map(t => {
      const old = had.get(t.id);
      return old && old.dataset.key === t.version + '|' + t.level ? old : row(t);
    });
    for (const r of body.querySelectorAll('tr')) if (!rows.includes(r)) r.remove();
    rows.forEach((r, i) => { if (body.children[i] !== r) body.insertBefore(r, body.children[i] || null); });
    for (const a of body.querySelectorAll('.age')) a.textContent = age(a.dataset.at);
    if (!tickets.length) body.append(el('tr', {}, el('td', { colspan: 10, class: 'muted' }, '没有工单')));
  }

  async function load() {
    const q = form.elements.q.value.trim();
    const summary = document.getElementById('summary');
    let data;
    try {
      data = q ? await api('GET', '/search?q=' + encodeURIComponent(q)) : await api('GET', '/tickets?' + query() + '&limit=200');
    } catch (e) {
      summary.textContent = e.message;
      return;
    }
    if (!q && !status && data.field === 'status') status = data.value;
    if (!q) history.replaceState(null, '', location.pathname + (query().size ? '?' + query() : '')); // a reload keeps the tab
    syncTabs(data.counts);
    syncRows(data.tickets);
    summary.textContent = q ? `检索“${q}”：${data.tickets.length} 件` : `${data.tickets.length} 件（按紧急程度和期限排序）`;
  }

  let pending = null;
  QF.live(ev => {
    if (ev.event === 'created') QF.notice('新工单 ' + ev.ticket, 'new');
    else if (ev.event === 'warning') QF.notice('期限预警 ' + ev.ticket, 'warn');
    clearTimeout(pending);
    pending = setTimeout(load, 300);
  });
  load();
})();
