'use strict';
(async () => {
  const { el, clear, api } = QF;
  await QF.start();
  const form = document.getElementById('log');
  const text = form.elements.text;
  // Each filled-in form has its own id, so posting it twice (a retry) logs one ticket.
  const newSubmission = () => {
    form.dataset.sid = Array.from(crypto.getRandomValues(new Uint8Array(12)), b => b.toString(16).padStart(2, '0')).join('');
  };
  newSubmission();

  // A ringing call pops up with the caller's history and starts a new log form.
  QF.live(ev => {
    if (ev.event !== 'ringing') return;
    const call = document.getElementById('call');
    call.hidden = false;
    document.getElementById('caller').textContent = ev.caller || '未显示号码';
    const list = clear(document.getElementById('history'));
    for (const h of ev.history || []) {
      list.append(el('li', {}, el('a', { href: '/staff/ticket?id=' + encodeURIComponent(h.number), target: '_blank' }, h.number),
        ' ', QF.categoryName(h.category), ' · ', QF.statusName(h.status), ' · ', QF.time(h.created_at)));
    }
    if (!list.firstChild) list.append(el('li', { class: 'muted' }, '首次来电'));
    form.reset();
    newSubmission();
    form.elements.call_id.value = ev.call_id || '';
    form.elements.caller.value = ev.caller || '';
  });

  // Suggestions follow the operator's typing, at most one request in flight.
  let timer = null, seq = 0;
  text.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++seq;
      if (text.value.trim().length < 4) return;
      try {
        const s = await api('POST', '/suggest', { text: text.value });
        if (mine !== seq) return;
        document.getElementById('s-category').textContent = QF.categoryName(s.category);
        document.getElementById('s-subject').textContent = [s.subject.name, s.subject.position, s.subject.unit].filter(Boolean).join(' · ') || '—';
        document.getElementById('s-mode').textContent = QF.modeName(s.mode);
        document.getElementById('s-evidence').textContent = (s.evidence || []).map(e => e.text).join('、') || '—';
      } catch (e) { /* suggestions are a help only */ }
    }, 400);
  });

  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const err = form.querySelector('.error');
    err.textContent = '';
    const f = form.elements;
    try {
      const r = await api('POST', '/calls', { call_id: f.call_id.value, caller: f.caller.value.trim(), name: f.name.value.trim(),
        anonymous: f.anonymous.checked, text: f.text.value, submission: form.dataset.sid });
      const done = document.getElementById('done');
      clear(done).append(el('h2', {}, '已登记'), el('p', {}, '工单编号：', el('a', { href: '/staff/ticket?id=' + encodeURIComponent(r.ticket) }, r.ticket)),
        el('p', {}, '请告知来电人查询码：', el('strong', { id: 'query-code' }, r.query_code || '（重复提交，沿用原查询码）')));
      done.hidden = false;
      form.reset();
      newSubmission();
      document.getElementById('call').hidden = true;
    } catch (e) { err.textContent = e.message; }
  });
})();
