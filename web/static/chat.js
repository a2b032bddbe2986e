// The citizen's chat: one websocket, resumed after a drop or a reload. The session id is
// kept in this tab (sessionStorage). A page that has shown nothing yet (a reload, a way
// back from the status page) says hello from offset 0, so the server replays the kept
// transcript and the question the dialogue is at is on screen again; a reconnect of a
// page already showing the conversation asks only for what it missed.
(function () {
  "use strict";
  var T = {
    connected: "已连接",
    reconnecting: "连接中断，正在重连…",
    notConnected: "尚未连接，请稍候",
    copied: "已复制编号和查询码。",
    copyFailed: "复制失败，请手动记下编号和查询码。",
    saved: "回执图片已保存，请在下载中查看。",
    saveFailed: "保存失败，请截图或手动记下编号和查询码。"
  };
  var log = document.getElementById("log");
  var optionsBox = document.getElementById("options");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var state = document.getElementById("state");
  var receiptBox = document.getElementById("receipt");
  var note = document.getElementById("receipt-note");
  var session = sessionStorage.getItem("qf-session") || "";
  var offset = 0; // the last line this page shows
  var receipt = null;
  var ws = null;
  var retry = 500;
  var lastShown = "";
  var atBottom = true; // the citizen has not scrolled back to read

  function scrollToNewest() {
    log.scrollTop = log.scrollHeight;
  }

  // Everything shown is text, never HTML: what anyone typed cannot run.
  function show(cls, text) {
    var div = document.createElement("div");
    div.className = "msg " + cls;
    div.textContent = text;
    log.appendChild(div);
    scrollToNewest();
    lastShown = cls + "\n" + text;
    return div;
  }

  function setOptions(list) {
    var hadFocus = optionsBox.contains(document.activeElement);
    optionsBox.textContent = "";
    (list || []).forEach(function (label) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.addEventListener("click", function () { send(label); });
      optionsBox.appendChild(b);
    });
    if (hadFocus) { input.focus(); } // the button pressed is gone: typing goes on
    scrollToNewest();
  }

  function showReceipt(r) {
    receipt = r;
    document.getElementById("receipt-number").textContent = r.number;
    document.getElementById("receipt-code").textContent = r.code;
    receiptBox.hidden = false;
    scrollToNewest();
  }

  function onLine(m) {
    if (m.offset && m.offset <= offset) { return; }
    // The greeting is not numbered (nothing is kept until the citizen speaks): a
    // reconnect before then sends it again, and it is shown once.
    if (!m.offset && m.from === "bot" && lastShown === "bot\n" + m.text) { return; }
    if (m.offset) { offset = m.offset; }
    var div = show(m.from === "me" ? "me" : "bot", m.text);
    if (m.ticket) { div.classList.add("ticket"); div.setAttribute("data-ticket", m.ticket); }
    if (m.ticket && m.query_code) {
      var r = { number: m.ticket, code: m.query_code };
      QFReceipt.save(r);
      showReceipt(r);
    }
    if (m.from === "bot") { setOptions(m.options); }
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + location.host + "/ws/chat");
    ws.onopen = function () {
      state.textContent = T.connected;
      ws.send(JSON.stringify({ type: "hello", session: session, offset: offset }));
    };
    ws.onmessage = function (ev) {
      var m = JSON.parse(ev.data);
      if (m.type === "session") {
        retry = 500; // back off until the server takes the hello, not merely the connection
        if (m.session !== session) { offset = 0; } // a new conversation numbers from 1
        session = m.session;
        sessionStorage.setItem("qf-session", session);
      } else if (m.type === "message") {
        onLine(m);
      } else if (m.type === "error") {
        show("error", m.message);
      }
    };
    ws.onclose = function () {
      state.textContent = T.reconnecting;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  function send(text) {
    if (!ws || ws.readyState !== WebSocket.OPEN) { show("error", T.notConnected); return; }
    ws.send(JSON.stringify({ type: "message", text: text }));
    setOptions([]);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (text) { send(text); input.value = ""; }
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  // The keyboard opening shrinks the log: the newest line stays in view unless the
  // citizen had scrolled back to read.
  log.addEventListener("scroll", function () {
    atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
  });
  window.addEventListener("resize", function () { if (atBottom) { scrollToNewest(); } });

  document.getElementById("copy").addEventListener("click", function () {
    QFReceipt.copy(receipt).then(function () { note.textContent = T.copied; },
      function () { note.textContent = T.copyFailed; });
  });
  document.getElementById("save").addEventListener("click", function () {
    QFReceipt.download(receipt, function (ok) { note.textContent = ok ? T.saved : T.saveFailed; });
  });

  var kept = QFReceipt.load();
  if (kept) { showReceipt(kept); }
  connect();
})();
