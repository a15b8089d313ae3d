// Live overview: the server sends the re-rendered live region over server-sent events
// whenever the hub's event log moves; this swaps it in place. No chart code here: the
// charts arrive as finished SVG.
(function () {
  "use strict";
  var region = document.getElementById("live");
  if (!region || !window.EventSource) { return; }
  var source = new EventSource(region.getAttribute("data-source"));
  source.addEventListener("overview", function (event) {
    region.innerHTML = event.data;
    region.setAttribute("data-updated", event.lastEventId);
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
