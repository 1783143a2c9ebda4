/* The map's JavaScript, referenced from Python as {"variable": "mapapp.<name>"}.
 * Names are never inserted as HTML: tooltips and icons are built from text nodes. */
window.mapapp = (function () {
  "use strict";

  function textElement(tag, text, className) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    el.textContent = text == null ? "" : String(text);
    return el;
  }

  function seatColor(feature, context) {
    var colors = (context && context.hideout && context.hideout.colors) || {};
    var themes = feature.properties.themes || [];
    return colors[themes[0]] || "#555555";
  }

  return {
    regionStyle: function () {
      return {color: "#6b7280", weight: 1, fillColor: "#ffffff", fillOpacity: 1};
    },
    regionHover: function () {
      return {weight: 2.5, color: "#000091"};
    },
    regionTooltip: function (feature, layer) {
      layer.bindTooltip(textElement("span", feature.properties.name), {sticky: true});
    },
    seatMarker: function (feature, latlng, context) {
      var dot = document.createElement("span");
      dot.className = "seat-dot";
      dot.style.background = seatColor(feature, context);
      var icon = L.divIcon({html: dot, className: "seat-icon", iconSize: [16, 16]});
      return L.marker(latlng, {icon: icon, alt: feature.properties.name, keyboard: true});
    },
    seatTooltip: function (feature, layer) {
      if (!feature.properties || feature.properties.cluster) return;
      layer.bindTooltip(textElement("span", feature.properties.name), {direction: "top", offset: [0, -6]});
    },
    clusterIcon: function (feature, latlng, index, context) {
      var count = feature.properties.point_count;
      var size = count < 10 ? 30 : count < 50 ? 36 : 44;
      var label = textElement("span", count);
      var icon = L.divIcon({html: label, className: "cluster-icon", iconSize: L.point(size, size)});
      return L.marker(latlng, {icon: icon, alt: count + " pôles", keyboard: true});
    }
  };
})();
