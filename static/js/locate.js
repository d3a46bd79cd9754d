/* The location picker on the web form (latitude/longitude fields): the shared picker
   (mapbase.js: a pin by tap or drag, the place search) and "use my location" (the browser's
   permission). Without this script the fields and the area list work as they are. */
(function () {
  "use strict";
  var box = document.getElementById("location-picker");
  var lat = document.getElementById("latitude");
  var lon = document.getElementById("longitude");
  if (!box || !lat || !lon || !window.PortalMap || !window.fetch) { return; }
  var status = document.getElementById("picker-status");
  box.hidden = false;
  var picker = PortalMap.picker(box, {
    map: document.getElementById("picker-map"), lat: lat, lon: lon,
    area: document.getElementById("area"), status: status,
    search: document.getElementById("place-search"),
    results: document.getElementById("place-results")
  });
  document.getElementById("use-my-location").addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = status.dataset.deniedLabel; return; }
    navigator.geolocation.getCurrentPosition(function (position) {
      var here = L.latLng(position.coords.latitude, position.coords.longitude);
      picker.ask(here, "wgs84");
      picker.map.setView(here, Math.max(picker.map.getZoom(), 16));
    }, function () { status.textContent = status.dataset.deniedLabel; }, { timeout: 10000 });
  });
})();
