// Review queue: a "select all" box for the bulk actions (the page works without it).
(function () {
  var all = document.getElementById("select-all");
  if (!all) { return; }
  all.hidden = false;
  all.addEventListener("change", function () {
    document.querySelectorAll('input[name="ids"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
