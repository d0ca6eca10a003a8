// Bảng gọi số: follows the centre's calls (server-sent events), shows each at once, chimes and,
// when asked (?doc=1), reads it aloud in Vietnamese. EventSource reconnects by itself after a
// network blip; each connection starts with the whole state, so the board resyncs.
(function () {
  'use strict';
  var body = document.body;
  var feed = body.getAttribute('data-feed');
  if (!feed) { return; }
  var speak = body.getAttribute('data-speak') === '1';
  var audio = null;
  var sound = document.getElementById('sound');

  function chime() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [660, 880].forEach(function (f, i) {
        var o = audio.createOscillator();
        var g = audio.createGain();
        o.frequency.value = f;
        g.gain.setValueAtTime(0.0001, audio.currentTime + i * 0.35);
        g.gain.exponentialRampToValueAtTime(0.4, audio.currentTime + i * 0.35 + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + i * 0.35 + 0.3);
        o.connect(g); g.connect(audio.destination);
        o.start(audio.currentTime + i * 0.35); o.stop(audio.currentTime + i * 0.35 + 0.32);
      });
    } catch (e) { /* no sound on this screen */ }
  }

  function announce(call) {
    if (!speak || !window.speechSynthesis) { return; }
    var digits = call.ticket.split('').join(' ');
    var u = new SpeechSynthesisUtterance('Mời số ' + digits + ' đến quầy số ' + call.counter);
    u.lang = 'vi-VN';
    window.speechSynthesis.speak(u);
  }

  function cell(text) { var td = document.createElement('td'); td.textContent = text; return td; }

  function render(state) {
    var rows = document.getElementById('serving');
    rows.textContent = '';
    state.serving.forEach(function (c) {
      var tr = document.createElement('tr');
      tr.appendChild(cell(c.ticket)); tr.appendChild(cell(String(c.counter))); tr.appendChild(cell(c.area));
      rows.appendChild(tr);
    });
    var first = state.serving[0];
    document.getElementById('latest').classList.toggle('idle', !first);
    document.getElementById('call-number').textContent = first ? first.ticket : '—';
    document.getElementById('call-counter').textContent = first ? String(first.counter) : '—';
    var waiting = document.getElementById('waiting');
    waiting.textContent = '';
    state.waiting.forEach(function (w) {
      var li = document.createElement('li');
      li.appendChild(document.createTextNode(w[0] + ': '));
      var b = document.createElement('strong'); b.textContent = String(w[1]); li.appendChild(b);
      li.appendChild(document.createTextNode(' người chờ'));
      waiting.appendChild(li);
    });
  }

  var offline = document.getElementById('offline');
  var live = document.getElementById('live');
  var source = new EventSource(feed);
  source.addEventListener('board', function (e) {
    var msg = JSON.parse(e.data);
    render(msg.state);
    offline.hidden = true;
    live.textContent = 'Đang cập nhật trực tiếp';
    if (msg.call) {
      document.getElementById('latest').classList.remove('idle');
      var big = document.getElementById('call-number');
      big.textContent = msg.call.ticket;
      document.getElementById('call-counter').textContent = String(msg.call.counter);
      big.classList.remove('flash'); void big.offsetWidth; big.classList.add('flash');
      // For the load test and the curious: when the call was made, and when it showed here.
      body.setAttribute('data-call', msg.call.ticket + '@' + msg.call.at_ms + '>' + Date.now());
      chime();
      announce(msg.call);
    }
  });
  source.addEventListener('open', function () { offline.hidden = true; });
  source.addEventListener('error', function () { offline.hidden = false; live.textContent = ''; });

  if (sound) {
    sound.addEventListener('click', function () { chime(); sound.hidden = true; });
  }
  var clock = document.getElementById('clock');
  function tick() {
    clock.textContent = new Date().toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric' });
  }
  tick(); setInterval(tick, 15000);
}());
