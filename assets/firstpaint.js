/* The hand-over from the first paint (mapapp/ui/firstpaint.py) to the page Dash renders.
 *
 * The HTML carries a copy of the page with its maps drawn, shown while the scripts load; Dash's
 * page is laid out invisibly beneath it. For each map, in three steps, so that nothing on screen
 * moves and markers can be clicked as soon as Leaflet has them:
 * 1. Dash has rendered its page: the drawing is laid over the Leaflet map (hidden from screen
 *    readers: the interactive map is there), and the copy of the page goes.
 * 2. Leaflet's markers sit where the drawn ones are: the drawing goes under the Leaflet map, whose
 *    background is then see-through, so its markers take the clicks while its regions may still
 *    be loading — the drawn ones show meanwhile.
 * 3. Leaflet's regions show the same picture (a region at the same place, in the same colour):
 *    the drawing goes. */
(function (ns) {
  "use strict";

  var firstPaint = ns.firstPaint = ns.firstPaint || {};
  var TOLERANCE = 3;  // px between a drawn and a Leaflet outline or marker
  var GIVE_UP = 1500;  // ms after a map is drawn by Leaflet without matching: hand over anyway

  // "Télécharger l'image": the picture of the page's view (`open-full-map` holds its URL).
  firstPaint.imageHref = function (pageHref) {
    var query = String(pageHref || "").split("?")[1] || "";
    return "/map.svg" + (query ? "?" + query : "");
  };

  var copy = document.getElementById("first-paint");
  var entry = document.getElementById("react-entry-point");
  if (!copy || !entry || !window.MutationObserver) return;
  var maps = [];  // {box: drawn map, map: Leaflet map, since: first time Leaflet's was complete}

  function clipped(rect, box) {
    return {left: Math.max(rect.left, box.left), top: Math.max(rect.top, box.top),
            right: Math.min(rect.right, box.right), bottom: Math.min(rect.bottom, box.bottom)};
  }
  function near(a, b) {
    return ["left", "top", "right", "bottom"].every(function (side) {
      return Math.abs(a[side] - b[side]) <= TOLERANCE;
    });
  }
  // The region layer's outlines in its order: opaque (mapapp.map.regionStyle), where the opened
  // pôle's members are see-through circles (mapapp.map.memberPoint).
  function regionPaths(map) {
    return Array.from(map.querySelectorAll(".leaflet-overlay-pane path")).filter(function (path) {
      return path.getAttribute("fill-opacity") === "1";
    });
  }
  // Centres of the markers shown inside the map's box (drawn groups of other zooms are hidden).
  function centres(elements, frame) {
    return Array.from(elements).map(function (el) { return el.getBoundingClientRect(); })
      .filter(function (r) { return r.width > 0; })
      .map(function (r) { return [r.left + r.width / 2, r.top + r.height / 2]; })
      .filter(function (c) { return c[0] >= frame.left && c[0] <= frame.right && c[1] >= frame.top && c[1] <= frame.bottom; });
  }

  // Step 1.
  function overlay() {
    var main = entry.querySelector("#map");
    if (!main) return false;
    copy.querySelectorAll(".fp-box").forEach(function (box) {
      var key = box.dataset.fp;
      var map = key === "main" ? main : entry.querySelector("#inset-" + key);
      if (!map) return;
      box.classList.add("fp-over");
      box.setAttribute("aria-hidden", "true");
      map.parentNode.insertBefore(box, map.nextSibling);
      maps.push({box: box, map: map, since: null});
    });
    copy.remove();
    return true;
  }

  // Step 2: every Leaflet marker in view is on a drawn one, and as many.
  function markersInPlace(box, map) {
    var frame = map.getBoundingClientRect();
    var real = centres(map.querySelectorAll(".leaflet-marker-icon"), frame);
    var drawn = centres(box.querySelectorAll("use.fp-pt"), frame);
    return real.length > 0 && real.length === drawn.length && real.every(function (p) {
      return drawn.some(function (q) { return Math.abs(p[0] - q[0]) + Math.abs(p[1] - q[1]) <= 2 * TOLERANCE; });
    });
  }

  function complete(box, map) {
    var paths = regionPaths(map);
    if (!paths.length || paths.length < Number(box.dataset.regions || 1)) return false;
    return !Number(box.dataset.markers) || !!map.querySelector(".leaflet-marker-icon");
  }

  // Step 3: the compared region, where and as the drawing has it.
  function same(box, map) {
    var ref = box.querySelector(".fp-ref"), index = Number(box.dataset.ref);
    if (!ref || !(index >= 0)) return true;
    var real = regionPaths(map)[index];
    if (!real || (real.getAttribute("fill") || "").toLowerCase() !== box.dataset.refFill.toLowerCase()) return false;
    var frame = map.getBoundingClientRect();
    return near(clipped(real.getBoundingClientRect(), frame), clipped(ref.getBoundingClientRect(), frame));
  }

  function check() {
    if (document.getElementById("first-paint") && !overlay()) return;
    var now = performance.now();
    maps = maps.filter(function (item) {
      var box = item.box, map = item.map;
      if (box.classList.contains("fp-over") && Number(box.dataset.markers) && markersInPlace(box, map)) {
        box.classList.replace("fp-over", "fp-under");
        map.parentNode.insertBefore(box, map);
      }
      if (!complete(box, map)) return true;
      item.since = item.since || now;
      var matched = same(box, map);
      if (!matched && now - item.since < GIVE_UP) return true;
      // Said on the map, for tests and benchmarks: did the pictures match when the drawing went?
      map.dataset.firstPaint = matched ? "matched" : "unmatched";
      box.remove();
      return false;
    });
    if (!maps.length && !document.getElementById("first-paint")) stop();
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; check(); });
  }
  var observer = new MutationObserver(schedule);
  observer.observe(entry, {subtree: true, childList: true, attributes: true, attributeFilter: ["d", "fill", "style", "class"]});
  // A map that matched only after giving up still needs a last look when nothing else moves.
  var timer = window.setInterval(schedule, 500);
  function stop() {
    observer.disconnect();
    window.clearInterval(timer);
  }
})(window.mapapp = window.mapapp || {});
