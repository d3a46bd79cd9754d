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

  window.PortalMap = { create: create };
})();
