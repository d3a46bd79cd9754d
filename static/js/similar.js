/* Similar submissions while a title is typed on the submit form (progressive enhancement:
   without this script the form works the same, just without suggestions). */
(function () {
  "use strict";
  var box = document.getElementById("similar-submissions");
  var title = document.getElementById("title");
  if (!box || !title || !window.fetch) { return; }
  var form = title.form;
  var tokenInput = form ? form.querySelector("input[name=csrf_token]") : null;
  var timer = null;
  var lastQuery = "";

  function clear() {
    while (box.firstChild) { box.removeChild(box.firstChild); }
    box.hidden = true;
  }

  function render(results) {
    clear();
    if (!results.length) { return; }
    var heading = document.createElement("p");
    heading.textContent = box.getAttribute("data-heading");
    box.appendChild(heading);
    var list = document.createElement("ul");
    results.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;  /* textContent: user text is never parsed as markup */
      link.target = "_blank";
      link.rel = "noopener";
      li.appendChild(link);
      if (tokenInput) {
        /* The button posts the surrounding form (its CSRF token) to the support URL instead:
           no nested form, nothing else of the report is stored. */
        var button = document.createElement("button");
        button.type = "submit";
        button.className = "button";
        button.formAction = item.support_url;
        button.formMethod = "post";
        button.formEnctype = "application/x-www-form-urlencoded";
        button.formNoValidate = true;
        button.textContent = box.getAttribute("data-support-label");
        li.appendChild(document.createTextNode(" "));
        li.appendChild(button);
      }
      list.appendChild(li);
    });
    box.appendChild(list);
    box.hidden = false;
  }

  function lookup() {
    var query = title.value.trim();
    if (query === lastQuery) { return; }
    lastQuery = query;
    if (query.length < 2) { clear(); return; }
    var url = box.getAttribute("data-similar-url") + "?q=" + encodeURIComponent(query);
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { if (title.value.trim() === query) { render(data.results || []); } })
      .catch(function () { clear(); });
  }

  title.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookup, 350);
  });
})();
