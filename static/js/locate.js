/* The location picker on a form with latitude/longitude fields: tap or drag a pin, or use the
   browser's location; the server converts between the tiles' system and WGS-84 and names the
   area the point lies in, which is selected in the area list (the resident may change it).
   Without this script the fields and the list work as they are. */
(function () {
  "use strict";
  var box = document.getElementById("location-picker");
  var lat = document.getElementById("latitude");
  var lon = document.getElementById("longitude");
  if (!box || !lat || !lon || !window.PortalMap || !window.fetch) { return; }
  var data = box.dataset;
  var area = document.getElementById("area");
  var status = document.getElementById("picker-status");
  box.hidden = false;
  var map = PortalMap.create(document.getElementById("picker-map"), { maxZoom: 19 }, box);
  box.leafletMap = map;  // for tests and assistive scripts
  var marker = null;

  function show(answer) {
    if (answer.error) { status.textContent = answer.error; return; }
    lat.value = answer.wgs84[0].toFixed(6);
    lon.value = answer.wgs84[1].toFixed(6);
    var shown = L.latLng(answer.display[0], answer.display[1]);
    if (!marker) {
      marker = L.marker(shown, { draggable: true, keyboard: true }).addTo(map);
      marker.on("dragend", function () { ask(marker.getLatLng(), "display"); });
    } else {
      marker.setLatLng(shown);
    }
    if (answer.outside) {
      status.textContent = answer.outside;
    } else if (answer.area) {
      if (area) { area.value = answer.area.code; }
      status.textContent = status.dataset.areaLabel.replace("%(name)s", answer.area.name);
    } else {
      status.textContent = status.dataset.noneLabel;
    }
  }

  function ask(latlng, from) {
    var url = data.pointUrl + "&lat=" + encodeURIComponent(latlng.lat) + "&lon=" +
              encodeURIComponent(latlng.lng) + "&from=" + from;
    fetch(url).then(function (r) { return r.json(); }).then(show);
  }

  map.on("click", function (event) { ask(event.latlng, "display"); });
  document.getElementById("use-my-location").addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = status.dataset.deniedLabel; return; }
    navigator.geolocation.getCurrentPosition(function (position) {
      var here = L.latLng(position.coords.latitude, position.coords.longitude);
      ask(here, "wgs84");
      map.setView(here, Math.max(map.getZoom(), 16));
    }, function () { status.textContent = status.dataset.deniedLabel; }, { timeout: 10000 });
  });
})();
