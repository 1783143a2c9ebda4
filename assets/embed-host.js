/* For the pages that embed the map: resize its iframe to the height the map reports.
 *   <iframe src="https://MAP-HOST/embed?region=84" title="Carte des pôles de compétitivité"
 *           data-mapapp style="width:100%;border:0" height="640"></iframe>
 *   <script src="https://MAP-HOST/assets/embed-host.js" defer></script>
 * Only messages coming from an iframe marked data-mapapp, from the map's own origin, are used. */
(function () {
  "use strict";
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "mapapp:height" || typeof data.height !== "number") return;
    document.querySelectorAll("iframe[data-mapapp]").forEach(function (frame) {
      if (frame.contentWindow === event.source && new URL(frame.src, location.href).origin === event.origin) {
        frame.style.height = Math.max(320, Math.min(data.height, 4000)) + "px";
      }
    });
  });
})();
