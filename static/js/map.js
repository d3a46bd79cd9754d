/* The public map: tiles when configured (else a plain background), the district outline, the
   areas' boundaries, and the published submissions clustered. Everything the map shows is also
   in the list under it, so nothing depends on this script. */
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || !window.L) { return; }
  var data = element.dataset;
  var map = L.map(element, { preferCanvas: true, minZoom: 10, maxZoom: 18 });
  var view = JSON.parse(data.view);
  if (view.bounds) { map.fitBounds(view.bounds); } else { map.setView(view.center, 13); }
  if (data.tiles) {
    L.tileLayer(data.tiles, { subdomains: data.subdomains || "abc", maxZoom: 18,
                              attribution: data.attribution || "" }).addTo(map);
  }

  fetch(data.layersUrl).then(function (r) { return r.json(); }).then(function (layers) {
    if (layers.outline) {
      L.geoJSON(layers.outline, { interactive: false,
        style: { color: "#7a1f1f", weight: 3, fill: false } }).addTo(map);
    }
    L.geoJSON(layers.areas, { interactive: false,
      style: function (f) {
        return f.properties.kind === "grid" ? { color: "#1f5f7a", weight: 2, fillOpacity: 0.1 }
                                            : { color: "#555", weight: 1, fillOpacity: 0.03 };
      } }).addTo(map);
  });

  function popup(properties) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.title || data.openLabel;
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [properties.kind_label, properties.category.name, properties.area.name,
                        properties.status_label].join(" · ");
    box.appendChild(link);
    box.appendChild(meta);
    return box;
  }

  fetch(data.dataUrl).then(function (r) { return r.json(); }).then(function (collection) {
    var cluster = L.markerClusterGroup({ showCoverageOnHover: false });
    collection.features.forEach(function (f) {
      var p = f.properties.display || f.geometry.coordinates;  // tiles' system when not WGS-84
      var marker = L.circleMarker([p[1], p[0]], { radius: 8, color: "#fff", weight: 2,
        fillColor: f.properties.kind === "idea" ? "#2b6cb0" : "#c05621", fillOpacity: 0.9 });
      marker.bindPopup(popup(f.properties));
      cluster.addLayer(marker);
    });
    map.addLayer(cluster);
    element.setAttribute("data-markers", String(collection.features.length));
  });
})();
