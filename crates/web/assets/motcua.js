// Một Cửa — the little the pages need beyond htmx: upload progress, and printing.
document.addEventListener('htmx:xhr:progress', function (e) {
  var bar = e.target.parentElement && e.target.parentElement.querySelector('progress');
  if (bar && e.detail.lengthComputable) {
    bar.hidden = false;
    bar.value = Math.round(100 * e.detail.loaded / e.detail.total);
  }
});
document.addEventListener('htmx:afterRequest', function (e) {
  var bar = e.target.parentElement && e.target.parentElement.querySelector('progress');
  if (bar) { bar.hidden = true; bar.value = 0; }
  if (e.target.type === 'file') {
    e.target.value = '';
    // A scan attached to a component means the component is given: tick it.
    var tick = e.detail.successful && e.target.closest('li') &&
      e.target.closest('li').querySelector('input[type=checkbox][name=c]');
    if (tick) { tick.checked = true; }
  }
});
document.addEventListener('click', function (e) {
  if (e.target.matches('[data-print]')) { window.print(); }
  // "Bỏ tệp": no inline handlers, so the pages' Content-Security-Policy can forbid them.
  if (e.target.matches('[data-remove-line]')) { e.target.closest('li').remove(); }
  // "Điền thông tin người nộp từ hồ sơ trước": fills the applicant's fields left empty.
  if (e.target.matches('[data-fill-applicant]')) {
    var p = e.target.dataset;
    var sources = document.getElementById('nguon-du-lieu');
    var overwrite = p.overwrite !== undefined;
    if (p.ref && sources) {
      var old = sources.querySelector('input[name=population_ref]');
      if (old) { old.remove(); }
      var ref = document.createElement('input');
      ref.type = 'hidden'; ref.name = 'population_ref'; ref.value = p.ref;
      sources.appendChild(ref);
    }
    [['name', p.name], ['phone', p.phone], ['email', p.email], ['address_line', p.line],
     ['commune_code', p.commune], ['id_number', p.id]].forEach(function (f) {
      var input = document.getElementById(f[0]);
      if (!input || !f[1] || (input.value && !overwrite)) { return; }
      input.value = f[1];
      markFilled(sources, f[0], p.source);
    });
    e.target.disabled = true;
  }
  // "Dùng cho …" (kho dữ liệu): attaches a document the applicant already holds to its
  // component, with the earlier dossier it comes from, in one click.
  if (e.target.matches('[data-reuse]')) {
    var d = e.target.dataset;
    var list = document.getElementById('tep-ds-' + d.component);
    var box = document.querySelector('input[name=c][value="' + d.component + '"]');
    if (!list) { return; }
    if (box) { box.checked = true; }
    var li = document.createElement('li');
    li.className = 'file-line';
    li.appendChild(document.createTextNode(d.name + ' (kho dữ liệu, hồ sơ ' + d.code + ') '));
    [['f_' + d.component, d.value], ['r_' + d.component, d.dossier]].forEach(function (p) {
      var input = document.createElement('input');
      input.type = 'hidden'; input.name = p[0]; input.value = p[1];
      li.appendChild(input);
    });
    var remove = document.createElement('button');
    remove.type = 'button'; remove.className = 'link-dark'; remove.textContent = 'Bỏ tệp';
    remove.setAttribute('data-remove-line', '');
    li.appendChild(remove);
    list.appendChild(li);
    e.target.disabled = true;
    e.target.textContent = 'Đã đính kèm';
  }
});

// Thông tin lấy từ dữ liệu: each field filled from data is named in a hidden `filled` input
// ("field:source"), which the server checks against the source; typing in the field takes
// it away again (the value is then the officer's).
var FILLED_FIELD = { name: 'name', id_number: 'id-number', address_line: 'address',
  commune_code: 'address', phone: 'phone', email: 'email' };
function markFilled(sources, id, source) {
  var field = FILLED_FIELD[id];
  if (!sources || !field || !source) { return; }
  sources.querySelectorAll('input[name=filled]').forEach(function (i) {
    if (i.value.split(':')[0] === field) { i.remove(); }
  });
  var input = document.createElement('input');
  input.type = 'hidden'; input.name = 'filled'; input.value = field + ':' + source;
  sources.appendChild(input);
}
document.addEventListener('input', function (e) {
  var field = FILLED_FIELD[e.target.id];
  var sources = document.getElementById('nguon-du-lieu');
  if (!field || !sources) { return; }
  sources.querySelectorAll('input[name=filled]').forEach(function (i) {
    if (i.value.split(':')[0] === field) { i.remove(); }
  });
});


// The kiosk's ticket: printed as soon as it shows, then the kiosk is ready for the next person.
(function () {
  var back = document.body && document.body.getAttribute('data-autoprint');
  if (!back) { return; }
  window.addEventListener('load', function () {
    window.print();
    setTimeout(function () { window.location.href = back; }, 8000);
  });
}());
