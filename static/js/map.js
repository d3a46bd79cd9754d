/* The public map: the base map (mapbase.js) and the published submissions clustered. Everything
   the map shows is also in the list under it, so nothing depends on this script. */
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || !window.PortalMap) { return; }
  var data = element.dataset;
  var map = PortalMap.create(element, { preferCanvas: true });

  function popup(properties) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.title || data.openLabel;
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [properties.kind_label, properties.category.name, properties.area.name,
                        properties.status_label,
                        properties.published === false ? data.unpublishedLabel : "",
                        properties.mark || ""]
                       .filter(Boolean).join(" · ");
    box.appendChild(link);
    box.appendChild(meta);
    return box;
  }

  fetch(data.dataUrl).then(function (r) { return r.json(); }).then(function (collection) {
    var cluster = L.markerClusterGroup({ showCoverageOnHover: false });
    collection.features.forEach(function (f) {
      var p = f.properties.display || f.geometry.coordinates;  // tiles' system when not WGS-84
      var colour = f.properties.kind === "idea" ? "#2b6cb0" : "#c05621";
      var hollow = f.properties.published === false;  // the staff map's unpublished ones
      var marked = Boolean(f.properties.mark);  // a hotspot's member: larger, with a dark ring
      var marker = L.circleMarker([p[1], p[0]], { radius: marked ? 11 : 8,
        weight: marked ? 4 : (hollow ? 3 : 2),
        color: marked ? "#7b1e3a" : (hollow ? colour : "#fff"),
        fillColor: hollow ? "#fff" : colour, fillOpacity: 0.9 });
      marker.bindPopup(popup(f.properties));
      cluster.addLayer(marker);
    });
    map.addLayer(cluster);
    element.setAttribute("data-markers", String(collection.features.length));
  });
})();
