'use strict';
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
  fill('mode', Object.entries(st.vocab.modes));
  fill('category', st.vocab.categories.map(c => [c.ID, c.Name]));
  fill('channel', Object.entries(st.vocab.channels));
  fill('body', st.vocab.bodies.map(b => [b.id, b.name]));
  form.elements.level.value = params.get('level') || '';
  form.elements.q.value = params.get('q') || '';
  let status = params.get('status') || '';

  form.addEventListener('submit', ev => { ev.preventDefault(); load(); });
  for (const s of form.querySelectorAll('select')) s.addEventListener('change', () => load());

  function query() {
    const q = new URLSearchParams();
    if (status) q.set('status', status);
    for (const name of ['mode', 'category', 'channel', 'body', 'level']) {
      if (form.elements[name].value) q.set(name, form.elements[name].value);
    }
    q.set('limit', '200');
    return q;
  }

  function tabs(counts) {
    const box = clear(document.getElementById('tabs'));
    if (st.me.role === 'operator') return;
    for (const s of st.vocab.order) {
      box.append(el('button', { type: 'button', class: s === status ? 'tab on' : 'tab', 'data-status': s,
        onclick: () => { status = s; form.elements.q.value = ''; load(); } },
        QF.statusName(s), el('span', { class: 'count' }, String(counts[s] || 0))));
    }
  }

  function row(t) {
    const href = '/staff/ticket?id=' + encodeURIComponent(t.id);
    const summary = t.text.length > 60 ? t.text.slice(0, 60) + '…' : t.text;
    return el('tr', { class: t.urgent ? 'urgent' : '', 'data-id': t.id },
      el('td', {}, QF.badge(t.level), t.urgent ? el('span', { class: 'badge danger', title: '涉及人身安全' }, '急') : ''),
      el('td', {}, el('a', { href }, t.id)),
      el('td', {}, QF.categoryName(t.category)),
      el('td', { class: 'text' }, summary),
      el('td', {}, t.subject.unit || '—'),
      el('td', {}, QF.modeName(t.mode)),
      el('td', {}, QF.bodyName(t.body)),
      el('td', {}, t.due || '—'),
      el('td', {}, QF.statusName(t.status)));
  }

  async function load() {
    const q = form.elements.q.value.trim();
    const summary = document.getElementById('summary');
    let data;
    try {
      data = q ? await api('GET', '/search?q=' + encodeURIComponent(q)) : await api('GET', '/tickets?' + query());
    } catch (e) {
      summary.textContent = e.message;
      return;
    }
    if (!q && !status && data.field === 'status') status = data.value;
    if (data.counts) tabs(data.counts);
    const body = clear(document.querySelector('#queue tbody'));
    for (const t of data.tickets) body.append(row(t));
    summary.textContent = q ? `检索“${q}”：${data.tickets.length} 件` : `${data.tickets.length} 件（按紧急程度和期限排序）`;
    if (!data.tickets.length) body.append(el('tr', {}, el('td', { colspan: 9, class: 'muted' }, '没有工单')));
  }

  let pending = null;
  QF.live(ev => {
    if (ev.event === 'created') QF.notice('新工单 ' + ev.ticket, 'new');
    else if (ev.event === 'warning') QF.notice('期限预警 ' + ev.ticket, 'warn');
    else if (ev.event === 'moved') QF.notice('工单 ' + ev.ticket + ' 已更新');
    clearTimeout(pending);
    pending = setTimeout(load, 300);
  });
  load();
})();
