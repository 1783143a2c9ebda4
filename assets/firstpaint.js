/* The hand-over from the first paint (mapapp/ui/firstpaint.py) to the page Dash renders.
 *
 * The HTML carries a copy of the page with its maps drawn, shown while the scripts load; Dash's
 * page is laid out invisibly beneath it. Once Dash has rendered its page, each drawn map is laid
 * over its Leaflet map (hidden from screen readers: the interactive map is there) and the copy
 * goes. Once a Leaflet map shows the same picture — its regions, at the same place and in the
 * same colours, and its markers — the drawing over it goes: nothing on screen moves. */
window.mapappFirstPaint = (function () {
  "use strict";
  var TOLERANCE = 3;  // px between the drawn and the Leaflet outline of the compared region
  var GIVE_UP = 1500;  // ms after a map is drawn by Leaflet without matching: hand over anyway

  function imageHref(pageHref) {
    var query = String(pageHref || "").split("?")[1] || "";
    return "/map.svg" + (query ? "?" + query : "");
  }

  var copy = document.getElementById("first-paint");
  var entry = document.getElementById("react-entry-point");
  if (!copy || !entry || !window.MutationObserver) return {imageHref: imageHref};
  var overlays = [];  // [drawn box, Leaflet map element, time it was first found drawn]

  function clipped(rect, box) {
    return {left: Math.max(rect.left, box.left), top: Math.max(rect.top, box.top),
            right: Math.min(rect.right, box.right), bottom: Math.min(rect.bottom, box.bottom)};
  }
  function near(a, b) {
    return ["left", "top", "right", "bottom"].every(function (side) {
      return Math.abs(a[side] - b[side]) <= TOLERANCE;
    });
  }
  // The region layer's outlines in its order: opaque (mapapp.regionStyle), where the opened
  // pôle's members are see-through circles (mapapp.memberPoint).
  function regionPaths(map) {
    return Array.from(map.querySelectorAll(".leaflet-overlay-pane path")).filter(function (path) {
      return path.getAttribute("fill-opacity") === "1";
    });
  }

  // Dash has rendered its page: the drawings go over its maps, the copy goes.
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
      overlays.push([box, map, null]);
    });
    copy.remove();
    return true;
  }

  function drawn(box, map) {
    var expected = box.dataset, paths = regionPaths(map);
    if (!paths.length || paths.length < Number(expected.regions || 1)) return false;
    return !Number(expected.markers) || !!map.querySelector(".leaflet-marker-icon");
  }

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
    overlays = overlays.filter(function (item) {
      var box = item[0], map = item[1];
      if (!drawn(box, map)) return true;
      item[2] = item[2] || now;
      var matched = same(box, map);
      if (!matched && now - item[2] < GIVE_UP) return true;
      // Said on the map, for tests and benchmarks: did the pictures match when the drawing went?
      map.dataset.firstPaint = matched ? "matched" : "unmatched";
      box.remove();
      return false;
    });
    if (!overlays.length && !document.getElementById("first-paint")) observer.disconnect();
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
  var timer = window.setInterval(function () {
    schedule();
    if (!overlays.length && !document.getElementById("first-paint")) window.clearInterval(timer);
  }, 500);

  return {imageHref: imageHref};
})();
