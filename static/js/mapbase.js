/* The base map shared by the public map, the web form's location picker and the kiosk's
   location step: a Leaflet map with the configured tiles (or a plain background when none is
   configured), the district outline and the areas' boundaries. Everything comes from the map
   element's data attributes, rendered by the server:
     data-view        JSON, {"bounds": [[s, w], [n, e]]} or {"center": [lat, lon]} (tiles' system)
     data-tiles       the tile URL template ("" when no tile server is configured)
     data-subdomains  the template's {s} values
     data-attribution the tile provider's attribution (plain text)
     data-layers-url  /map/layers.json: the outline and the boundaries (tiles' system) */
(function () {
  "use strict";
  if (!window.L) { return; }
  var OUTLINE = { color: "#7a1f1f", weight: 3, fill: false };

  function areaStyle(feature) {
    return feature.properties.kind === "grid" ? { color: "#1f5f7a", weight: 2, fillOpacity: 0.1 }
                                              : { color: "#555", weight: 1, fillOpacity: 0.03 };
  }

  /* A map in `element` (options go to L.map; minZoom 10 and maxZoom 18 unless given); the data
     attributes are read from `source` (default: the element itself). */
  function create(element, options, source) {
    var data = (source || element).dataset;
    var settings = L.extend({ minZoom: 10, maxZoom: 18 }, options || {});
    var map = L.map(element, settings);
    var view = JSON.parse(data.view);
    if (view.bounds) { map.fitBounds(view.bounds); } else { map.setView(view.center, 13); }
    if (data.tiles) {
      L.tileLayer(data.tiles, { subdomains: data.subdomains || "abc", maxZoom: settings.maxZoom,
                                attribution: data.attribution || "" }).addTo(map);
    }
    if (data.layersUrl && window.fetch) {
      fetch(data.layersUrl).then(function (r) { return r.json(); }).then(function (layers) {
        if (layers.outline) {
          L.geoJSON(layers.outline, { interactive: false, style: OUTLINE }).addTo(map);
        }
        L.geoJSON(layers.areas, { interactive: false, style: areaStyle }).addTo(map);
      });
    }
    return map;
  }

  function text(el, value) { if (el) { el.textContent = value; } }
  function fill(label, value) { return label.replace("%(name)s", value).replace("%(num)s", value); }

  /* A location picker: the base map in fields.map (data attributes on `box`: also
     data-point-url, data-search-url), a pin set by a tap, a drag or a found place. The server
     converts between the tiles' system and WGS-84 and names the area the point lies in; the
     point fills fields.lat/fields.lon (WGS-84) and the area is selected in fields.area (a
     change event is sent: the resident may still change it). fields.status says what happened;
     fields.search/fields.results are the place search (optional). */
  function picker(box, fields, options) {
    var data = box.dataset;
    var map = create(fields.map, L.extend({ maxZoom: 19 }, options || {}), box);
    var status = fields.status;
    var marker = null;
    box.leafletMap = map;  // for tests and assistive scripts

    function chooseArea(area, label) {
      if (fields.area && fields.area.value !== area.code) {
        fields.area.value = area.code;
        fields.area.dispatchEvent(new Event("change", { bubbles: true }));
      }
      text(status, fill(status.dataset[label], area.name));
    }
    function pin(shown) {
      if (!marker) {
        marker = L.marker(shown, { draggable: true, keyboard: true }).addTo(map);
        marker.on("dragend", function () { ask(marker.getLatLng(), "display"); });
      } else {
        marker.setLatLng(shown);
      }
    }
    /* quiet: only show a point already in the fields (the area chosen is left alone). */
    function show(answer, quiet) {
      if (answer.error) { text(status, answer.error); return; }
      fields.lat.value = answer.wgs84[0].toFixed(6);
      fields.lon.value = answer.wgs84[1].toFixed(6);
      pin(L.latLng(answer.display[0], answer.display[1]));
      if (quiet) { return; }
      if (answer.outside) {
        text(status, answer.outside);
      } else if (answer.area) {
        chooseArea(answer.area, "areaLabel");
      } else {
        text(status, status.dataset.noneLabel);
      }
    }
    function ask(latlng, from, quiet) {
      var url = data.pointUrl + "&lat=" + encodeURIComponent(latlng.lat) + "&lon=" +
                encodeURIComponent(latlng.lng) + "&from=" + from;
      fetch(url).then(function (r) { return r.json(); }).then(function (a) { show(a, quiet); });
    }
    function pick(place) {
      // The map jumps rather than glides to a place found by name: nothing moves under a
      // finger (or a test's click) that is about to set the pin, and no motion for those who
      // find it hard to follow.
      if (place.point) {
        map.setView(place.point.display, Math.max(map.getZoom(), 16), {animate: false});
        ask(L.latLng(place.point.wgs84[0], place.point.wgs84[1]), "wgs84");
        return;
      }
      if (place.bounds) { map.fitBounds(place.bounds, {animate: false}); }
      if (place.area) { chooseArea(place.area, "chosenLabel"); }
    }

    map.on("click", function (event) { ask(event.latlng, "display"); });
    if (fields.lat.value && fields.lon.value) {
      ask(L.latLng(parseFloat(fields.lat.value), parseFloat(fields.lon.value)), "wgs84", true);
    }
    if (fields.search && fields.results && data.searchUrl) {
      search(data.searchUrl, fields.search, fields.results, pick, fields.resultClass);
    }
    return { map: map, ask: ask, pick: pick };
  }

  /* The place search: what is typed is looked up (after a short pause, or at Enter) and each
     place found is a button; pressing one calls pick(place). */
  function search(url, input, list, pick, buttonClass) {
    var timer = null, asked = 0;
    var status = document.getElementById(input.getAttribute("aria-describedby").split(" ").pop());
    function render(results, said) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      results.forEach(function (place) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = buttonClass || "place-result";
        var name = document.createElement("strong");
        name.textContent = place.name;
        var meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = [place.kind_label,
                            place.area && place.area.name !== place.name ? place.area.name : ""]
                           .filter(Boolean).join(" · ");
        button.appendChild(name);
        button.appendChild(document.createTextNode(" "));
        button.appendChild(meta);
        button.addEventListener("click", function () {
          input.value = place.name;
          render([], false);
          pick(place);
        });
        item.appendChild(button);
        list.appendChild(item);
      });
      if (status && said !== false) {
        text(status, results.length ? fill(status.dataset.countLabel, String(results.length))
                                    : status.dataset.noneLabel);
      }
    }
    function run() {
      window.clearTimeout(timer);
      var query = input.value.trim();
      var mine = ++asked;
      if (!query) { render([], false); text(status, ""); return; }
      fetch(url + "&q=" + encodeURIComponent(query)).then(function (r) { return r.json(); })
        .then(function (answer) { if (mine === asked) { render(answer.results || []); } });
    }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(run, 300);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); run(); }  // never submits the form
    });
  }

  window.PortalMap = { create: create, picker: picker };
})();
