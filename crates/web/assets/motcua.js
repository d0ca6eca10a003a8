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
  if (e.target.type === 'file') { e.target.value = ''; }
});
document.addEventListener('click', function (e) {
  if (e.target.matches('[data-print]')) { window.print(); }
  // "Bỏ tệp": no inline handlers, so the pages' Content-Security-Policy can forbid them.
  if (e.target.matches('[data-remove-line]')) { e.target.closest('li').remove(); }
  // "Điền thông tin người nộp từ hồ sơ trước": fills the applicant's fields left empty.
  if (e.target.matches('[data-fill-applicant]')) {
    var p = e.target.dataset;
    [['name', p.name], ['phone', p.phone], ['email', p.email], ['address_line', p.line],
     ['commune_code', p.commune]].forEach(function (f) {
      var input = document.getElementById(f[0]);
      if (input && !input.value && f[1]) { input.value = f[1]; }
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
