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
});
