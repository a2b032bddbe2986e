// The citizen's chat: one websocket, resumed after a drop from the last offset seen.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var optionsBox = document.getElementById("options");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var state = document.getElementById("state");
  var session = sessionStorage.getItem("qf-session") || "";
  var offset = Number(sessionStorage.getItem("qf-offset") || "0");
  var ws = null;
  var retry = 500;
  var lastShown = "";

  // Everything shown is text, never HTML: what anyone typed cannot run.
  function show(cls, text) {
    var div = document.createElement("div");
    div.className = "msg " + cls;
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    lastShown = cls + "\n" + text;
    return div;
  }

  function setOptions(list) {
    optionsBox.textContent = "";
    (list || []).forEach(function (label) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.addEventListener("click", function () { send(label); });
      optionsBox.appendChild(b);
    });
  }

  function onLine(m) {
    if (m.offset && m.offset <= offset) { return; }
    // The greeting is not numbered (nothing is kept until the citizen speaks): a
    // reconnect before then sends it again, and it is shown once.
    if (!m.offset && m.from === "bot" && lastShown === "bot\n" + m.text) { return; }
    if (m.offset) { offset = m.offset; sessionStorage.setItem("qf-offset", String(offset)); }
    var div = show(m.from === "me" ? "me" : "bot", m.text);
    if (m.ticket) { div.classList.add("ticket"); div.setAttribute("data-ticket", m.ticket); }
    if (m.from === "bot") { setOptions(m.options); }
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + location.host + "/ws/chat");
    ws.onopen = function () {
      state.textContent = "已连接";
      ws.send(JSON.stringify({ type: "hello", session: session, offset: offset }));
    };
    ws.onmessage = function (ev) {
      var m = JSON.parse(ev.data);
      if (m.type === "session") {
        retry = 500; // back off until the server takes the hello, not merely the connection
        if (m.session !== session) { offset = 0; sessionStorage.setItem("qf-offset", "0"); }
        session = m.session;
        sessionStorage.setItem("qf-session", session);
      } else if (m.type === "message") {
        onLine(m);
      } else if (m.type === "error") {
        show("error", m.message);
      }
    };
    ws.onclose = function () {
      state.textContent = "连接中断，正在重连…";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  function send(text) {
    if (!ws || ws.readyState !== WebSocket.OPEN) { show("error", "尚未连接，请稍候"); return; }
    ws.send(JSON.stringify({ type: "message", text: text }));
    setOptions([]);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (text) { send(text); input.value = ""; }
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  connect();
})();
