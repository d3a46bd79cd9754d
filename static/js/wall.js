/* The wall screen refreshes itself: it polls the JSON endpoint named in <body data-source>
   every 15 s (data-period) and rewrites the numbers and lists (textContent only: nothing is parsed as
   markup). When the portal restarts or the network drops it says so and keeps retrying, with
   a growing pause up to a minute, so the screen comes back without anyone touching it. */
(function () {
  "use strict";
  var body = document.body;
  var source = body.getAttribute("data-source");
  var state = document.getElementById("wall-state");
  if (!source || !window.fetch) { return; }
  var PERIOD = parseInt(body.getAttribute("data-period"), 10) || 15000;  /* 15 s by default */
  var MAX_PAUSE = Math.max(PERIOD, 60000);
  var failures = 0;

  function pick(data, path) {
    return path.split(".").reduce(function (value, key) {
      return value == null ? value : value[key];
    }, data);
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function cell(tag, text) {
    var node = document.createElement(tag);
    node.textContent = text;
    return node;
  }

  function caseItem(item) {
    var li = document.createElement("li");
    li.appendChild(cell("span", item.code)).className = "code";
    li.appendChild(document.createTextNode(" " + item.area + " · " + item.category + " · " +
                                           item.due));
    return li;
  }

  function fillList(name, items, build) {
    var list = document.querySelector("[data-list=" + name + "]");
    if (!list) { return; }
    clear(list);
    items.forEach(function (item) { list.appendChild(build(item)); });
    if (!items.length && list.getAttribute("data-empty")) {
      list.appendChild(cell("li", list.getAttribute("data-empty"))).className = "empty";
    }
  }

  function render(data) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-field]"), function (node) {
      var value = pick(data, node.getAttribute("data-field"));
      if (value != null) { node.textContent = String(value); }
    });
    fillList("overdue", data.overdue.cases, caseItem);
    fillList("escalated", data.escalated.cases, caseItem);
    fillList("hotspots", data.hotspots, function (item) {
      var li = document.createElement("li");
      li.appendChild(cell("strong", item.area + " · " + item.category));
      li.appendChild(document.createTextNode(" " + item.text));
      return li;
    });
    fillList("areas", data.areas, function (row) {
      var tr = document.createElement("tr");
      tr.appendChild(cell("th", row.name)).setAttribute("scope", "row");
      row.counts.forEach(function (n) { tr.appendChild(cell("td", String(n))); });
      tr.appendChild(cell("td", String(row.total)));
      return tr;
    });
  }

  function show(kind) {
    state.textContent = body.getAttribute("data-" + kind);
    body.classList.toggle("wall-offline", kind !== "online");
  }

  function schedule() {
    /* After a failure: a third of the period, then two thirds, ... up to a minute. */
    var pause = failures ? Math.min(MAX_PAUSE, Math.ceil(PERIOD / 3) * failures) : PERIOD;
    window.setTimeout(poll, pause);
  }

  function poll() {
    window.fetch(source, {credentials: "same-origin", cache: "no-store",
                          headers: {"Accept": "application/json"}})
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.ok && type.indexOf("application/json") === 0) { return response.json(); }
        /* The sign-in page instead of data: the session ended. Keep asking all the same. */
        throw new Error(response.redirected || type.indexOf("text/html") === 0 ?
                        "signed-out" : "offline");
      })
      .then(function (data) {
        render(data);
        failures = 0;
        show("online");
      })
      .catch(function (error) {
        failures += 1;
        show(error && error.message === "signed-out" ? "signed-out" : "offline");
      })
      .then(schedule);
  }

  schedule();
}());
