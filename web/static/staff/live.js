'use strict';
// The intake office's live conversations (转人工): the queue on the left, the conversation
// on the right. A member of staff takes one (one at a time), writes to the citizen on
// their own channel while the bot is quiet, then hands it back to the bot or files its
// report. The console's live connection says that something happened to a conversation
// ("handoff" events carry no words); what was said is read over the API.
(async () => {
  const { el, clear, api } = QF;
  const st = await QF.start();
  const me = st.me.username;
  const $ = id => document.getElementById(id);
  const lines = $('lines');
  const replyText = $('reply-text');
  const fromNames = { citizen: '群众', bot: '智能助手', staff: '工作人员' };

  let current = null; // the conversation shown
  let seq = 0; // the last line shown

  const channel = c => QF.channelName(c) || c;
  const stateText = h => h.state === 'waiting' ? '等待接入' : h.taker === me ? '由我接待' : '由 ' + h.taker + ' 接待';
  const waited = h => {
    const min = Math.max(0, Math.round((Date.now() - new Date(h.asked_at)) / 60000));
    return min < 1 ? '刚刚' : '已等待 ' + min + ' 分钟';
  };

  // ---- the queue ---------------------------------------------------------------------

  async function loadQueue() {
    let data;
    try {
      data = await api('GET', '/handoffs');
    } catch (e) {
      QF.notice(e.message, 'warn');
      return;
    }
    const list = data.handoffs || [];
    $('queue-count').textContent = String(list.filter(h => h.state === 'waiting').length);
    $('queue-empty').hidden = list.length > 0;
    clear($('handoffs')).append(...list.map(h => el('li', {},
      el('button', { type: 'button', 'data-id': h.id, class: h.id === current ? 'on' : '', onclick: () => open(h.id) },
        el('span', { class: 'line1' }, el('span', {}, channel(h.channel) + '群众'),
          h.urgent ? el('span', { class: 'badge danger' }, '急') : ''),
        el('span', { class: h.state === 'waiting' ? 'waiting' : 'muted' }, stateText(h) + ' · ' + waited(h))))));
  }

  // ---- one conversation --------------------------------------------------------------

  async function open(id) {
    if (id !== current) {
      current = id;
      seq = 0;
      clear(lines);
      $('file-form').reset();
      delete $('file-form').dataset.filled;
      $('pick').hidden = true;
      $('talk-body').hidden = false;
      for (const b of document.querySelectorAll('#handoffs button')) b.classList.toggle('on', b.dataset.id === id);
    }
    await refresh();
  }

  function ended(text) {
    QF.notice(text);
    current = null;
    $('talk-body').hidden = true;
    $('pick').hidden = false;
    loadQueue();
  }

  // refresh reads what is new in the conversation shown; reads never overlap, and one
  // asked for meanwhile follows the one in flight.
  let inFlight = null, again = false;
  function refresh() {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = (async () => {
      do {
        again = false;
        if (!current) break;
        const id = current;
        try {
          const v = await api('GET', '/handoffs/' + encodeURIComponent(id) + '?after=' + seq);
          if (id === current) show(v);
        } catch (e) {
          if (e.code === 'handoff_gone' && id === current) ended('对话已结束');
          else QF.notice(e.message, 'warn');
        }
      } while (again);
      inFlight = null;
    })();
    return inFlight;
  }

  function show(v) {
    $('talk-title').textContent = channel(v.channel) + '群众' + (v.urgent ? '（紧急）' : '');
    $('talk-state').textContent = stateText(v) + ' · 转人工于 ' + QF.time(v.asked_at);
    const mine = v.state === 'taken' && v.taker === me;
    $('take').disabled = v.state !== 'waiting';
    $('release').disabled = !mine;
    replyText.disabled = !mine;
    document.querySelector('#reply button').disabled = !mine;
    document.querySelector('#file-form button').disabled = !mine;
    drawDraft(v.draft || {});
    const phone = document.querySelector('#file-form input[name=phone]');
    phone.placeholder = v.channel === 'sms' ? '不填则用群众发短信的号码（不显示）' : '';
    const atBottom = lines.scrollTop + lines.clientHeight >= lines.scrollHeight - 8;
    for (const l of v.lines || []) {
      if (l.seq <= seq) continue;
      lines.append(el('li', { class: l.from, 'data-seq': l.seq },
        el('span', { class: 'who' }, (l.by || fromNames[l.from] || l.from) + (l.at ? ' · ' + QF.time(l.at).slice(-8) : '')), l.text));
      seq = l.seq;
    }
    if (atBottom || v.lines && v.lines.some(l => l.from === 'staff' && l.by === me)) lines.scrollTop = lines.scrollHeight;
  }

  function drawDraft(d) {
    const rows = [['问题', d.description], ['单位', d.unit], ['被反映人', d.who], ['时间', d.when], ['证据', d.evidence],
      ['方式', d.identity === 'real' ? '实名' + (d.name ? '（' + d.name + '）' : '') : d.identity === 'anonymous' ? '匿名' : ''],
      ['已登记', d.ticket]].filter(([, v]) => v);
    $('draft-box').hidden = rows.length === 0;
    clear($('draft')).append(...rows.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, v))));
    const form = $('file-form');
    if (!form.dataset.filled && d.identity) {
      form.dataset.filled = '1';
      form.elements.way.value = d.identity === 'real' ? 'real' : 'anonymous';
      form.elements.name.value = d.name || '';
      form.elements.phone.value = d.phone || '';
    }
  }

  // ---- what the member of staff does -------------------------------------------------

  const path = what => '/handoffs/' + encodeURIComponent(current) + what;

  $('take').addEventListener('click', async () => {
    try {
      show(await api('POST', path('/take')));
      replyText.focus();
      loadQueue();
    } catch (e) {
      QF.notice(e.message, 'warn');
      refresh();
    }
  });

  $('release').addEventListener('click', async () => {
    try {
      await api('POST', path('/release'));
      ended('已交回智能助手');
    } catch (e) { QF.notice(e.message, 'warn'); }
  });

  $('reply').addEventListener('submit', async ev => {
    ev.preventDefault();
    const text = replyText.value.trim();
    const error = document.querySelector('#reply .error');
    if (!text) return;
    error.textContent = '';
    try {
      const sent = await api('POST', path('/messages'), { text });
      replyText.value = '';
      if (!sent.delivered) QF.notice('短信将随群众下一条短信的回复发出');
    } catch (e) {
      error.textContent = e.message;
    }
    refresh();
  });
  replyText.addEventListener('keydown', e => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); $('reply').requestSubmit(); }
  });

  $('file-form').addEventListener('submit', async ev => {
    ev.preventDefault();
    const form = ev.target;
    const error = form.querySelector('.error');
    error.textContent = '';
    try {
      const done = await api('POST', path('/file'), { anonymous: form.elements.way.value !== 'real',
        name: form.elements.name.value, phone: form.elements.phone.value, summary: form.elements.summary.value });
      ended('已登记为工单 ' + done.ticket + '，编号和查询码已告知群众');
    } catch (e) {
      error.textContent = e.message;
    }
  });

  QF.live(ev => {
    if (ev.event === 'handoff') {
      if (ev.what === 'opened') QF.notice('有群众转人工', 'new');
      loadQueue();
      if (ev.id === current) refresh();
    } else if (ev.event === 'reconnected') {
      loadQueue();
      refresh();
    }
  });
  await loadQueue();
  const first = new URLSearchParams(location.search).get('id');
  if (first) open(first);
})();
