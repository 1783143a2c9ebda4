/* The maps: the main map and one inset per overseas region. Leaflet is driven directly here (the
 * map objects are registered as their first layer is added) rather than through dash-leaflet's
 * `viewport` prop, which logs to the console on every change: framing waits for the map's real
 * size, follows it when it changes, and keeps the overseas insets and the legend off the framed
 * regions. */
(function (ns) {
  "use strict";

  var map = ns.map = ns.map || {};
  var maps = {};         // container id -> L.Map
  var frames = {};       // container id -> {bounds, animate}: what to keep framed until the user moves it
  var regionLabels = {}; // region code -> value text of the current colouring mode
  var pendingFocus = null; // a group opened from the keyboard: {mapId, ids} of its pôles
  var EDGE = 10;         // px kept free around framed regions: a seat on the border stays whole
  map.mainland = null;

  function noUpdate() { return window.dash_clientside.no_update; }

  // ---- the map objects, and what each keeps framed ----
  // `frame`: what the map shows until the user moves it (an inset: its region).
  map.register = function (lmap, frame) {
    var container = lmap.getContainer();
    var id = container.id;
    if (!id || maps[id] === lmap) return;
    maps[id] = lmap;
    if (frame && !frames[id]) frames[id] = {bounds: frame};
    // Tab reaches the zoom buttons before the markers: the controls come first in the DOM
    // (Leaflet places them absolutely, so nothing moves on screen).
    if (lmap._controlContainer && container.firstChild !== lmap._controlContainer) {
      container.insertBefore(lmap._controlContainer, container.firstChild);
    }
    // The user moving the map ends its framing: later resizes keep the user's view.
    ["pointerdown", "wheel", "keydown", "touchstart"].forEach(function (type) {
      container.addEventListener(type, function () { delete frames[id]; }, true);
    });
    lmap.on("moveend", function () {
      regionFocus(lmap);
      if (pendingFocus && pendingFocus.mapId === id) {
        // Once the group's pôles are drawn, the focus is on one of them (see seatMarker);
        // if none took it, the map keeps it rather than the page's body.
        window.requestAnimationFrame(function () {
          window.requestAnimationFrame(function () {
            if (document.activeElement === document.body || !document.activeElement) container.focus();
          });
        });
      }
    });
    var refit = function () {
      lmap.invalidateSize({pan: false});
      if (frames[id]) fit(id, false);
    };
    if (window.ResizeObserver) {
      var observer = new ResizeObserver(refit);
      observer.observe(container);
      if (id === "map") document.querySelectorAll(".insets, .legend-box").forEach(function (el) { observer.observe(el); });
    }
    refit();
    regionFocus(lmap);
  };

  map.get = function (id) { return maps[id]; };

  // The panels around the map (overseas insets, legend) that lie over it, as rectangles.
  function overlays(lmap) {
    var m = lmap.getContainer().getBoundingClientRect();
    var out = [];
    if (lmap.getContainer().id !== "map") return out;
    document.querySelectorAll(".insets, .legend-box").forEach(function (el) {
      var r = el.getBoundingClientRect();
      if (!r.width || !r.height || r.right <= m.left || r.left >= m.right || r.bottom <= m.top || r.top >= m.bottom) return;
      var sides = [];
      if (r.left - m.left < m.width / 2) sides.push(["left", r.right - m.left]);
      if (m.right - r.right < m.width / 2) sides.push(["right", m.right - r.left]);
      if (r.top - m.top < m.height / 2) sides.push(["top", r.bottom - m.top]);
      if (m.bottom - r.bottom < m.height / 2) sides.push(["bottom", m.bottom - r.top]);
      out.push(sides);
    });
    return out;
  }

  // Padding that keeps `bounds` clear of every overlay: each overlay is avoided on one of the
  // sides it touches, the combination that lets the regions be drawn largest wins.
  function padding(lmap, bounds) {
    var best = null;
    var size = lmap.getSize();
    (function choose(rest, pad) {
      if (!rest.length) {
        var tl = L.point(pad.left + EDGE, pad.top + EDGE);
        var br = L.point(pad.right + EDGE, pad.bottom + EDGE);
        var free = size.subtract(tl).subtract(br);
        if (free.x < 40 || free.y < 40) return;  // no room left on this side
        var zoom = lmap.getBoundsZoom(bounds, false, tl.add(br));
        if (isFinite(zoom) && (!best || zoom > best.zoom)) best = {zoom: zoom, tl: tl, br: br};
        return;
      }
      rest[0].forEach(function (side) {
        var next = Object.assign({}, pad);
        next[side[0]] = Math.max(next[side[0]], side[1]);
        choose(rest.slice(1), next);
      });
    })(overlays(lmap), {left: 0, right: 0, top: 0, bottom: 0});
    return best;
  }

  function fit(id, animate) {
    var lmap = maps[id];
    var bounds = L.latLngBounds(frames[id].bounds);
    var pad = padding(lmap, bounds);
    if (!pad) return;  // not laid out yet: the resize observer frames it once it is
    var options = {paddingTopLeft: pad.tl, paddingBottomRight: pad.br};
    if (animate) lmap.flyToBounds(bounds, options);
    else lmap.fitBounds(bounds, Object.assign(options, {animate: false}));
  }

  // Frames `bounds` ([[south, west], [north, east]]) in the map `id` now, or once it exists.
  map.frame = function (id, bounds, animate) {
    frames[id] = {bounds: bounds};
    if (maps[id]) fit(id, animate);
  };

  map.frameDefault = function (id) {
    if (map.mainland) map.frame(id, map.mainland, true);
  };

  function union(list) {
    var out = L.latLngBounds(list[0]);
    list.slice(1).forEach(function (b) { out.extend(L.latLngBounds(b)); });
    return [[out.getSouth(), out.getWest()], [out.getNorth(), out.getEast()]];
  }

  // What the main map frames for a choice of regions: the mainland ones (overseas ones are in
  // their insets), else the overseas ones, else mainland France.
  function target(regions, bounds, overseas) {
    var chosen = (regions || []).filter(function (code) { return bounds[code]; });
    var mainland = chosen.filter(function (code) { return overseas.indexOf(code) === -1; });
    var shown = mainland.length ? mainland : chosen;
    return shown.length ? union(shown.map(function (code) { return bounds[code]; })) : map.mainland;
  }

  // ---- regions ----
  // Whether a "#rrggbb" fill is dark (relative luminance): a chosen region's outline must show on it.
  function dark(hex) {
    var rgb = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] < 0.2;
  }

  map.regionStyle = function (feature, context) {
    var hideout = context.hideout || {};
    var on = (hideout.selected || []).indexOf(feature.properties.code) !== -1;
    var fill = (hideout.colors || {})[feature.properties.code];
    var outline = fill && dark(fill) ? "#ffca00" : "#000091";  // blue France, yellow on dark classes
    return {color: on ? outline : "#6b7280", weight: on ? 3 : 1,
            fillColor: fill || (on ? "#e3e3fd" : "#ffffff"), fillOpacity: 1};
  };
  map.regionHover = function () {
    return {weight: 3, color: "#000091"};
  };

  function regionName(feature) {
    var value = regionLabels[feature.properties.code];
    return feature.properties.name + (value ? " — " + value : "");
  }

  // Region shapes a keyboard can reach: the ones in view, on a layer whose regions open a profile
  // (the regions of 2015 are read, not chosen); Enter opens the region as a click does.
  function regionFocus(lmap) {
    var clickable = !lmap.getContainer().closest(".layer-2015");
    var view = lmap.getBounds();
    lmap.eachLayer(function (layer) {
      if (!layer._mapappRegion || !layer._path) return;
      var reachable = clickable && view.intersects(layer.getBounds());
      layer._path.setAttribute("tabindex", reachable ? "0" : "-1");
      if (reachable) {
        layer._path.setAttribute("role", "button");
        layer._path.setAttribute("aria-label", regionName(layer.feature));
      } else {
        layer._path.removeAttribute("role");
        layer._path.removeAttribute("aria-label");
      }
    });
  }

  map.regionFeature = function (feature, layer) {
    layer._mapappRegion = true;
    // Evaluated when shown, so it carries the value of the current colouring mode.
    layer.bindTooltip(function () { return ns.textElement("span", regionName(feature)); }, {sticky: true});
    layer.on("add", function () {
      var lmap = layer._map;
      if (lmap) map.register(lmap, /^inset-/.test(lmap.getContainer().id) ? layer.getBounds() : null);
      if (!layer._path || layer._path.dataset.keyboard) return;
      layer._path.dataset.keyboard = "1";
      // A shape that opens nothing (the regions of 2015) does not take the focus when clicked.
      layer._path.addEventListener("mousedown", function (event) {
        if (layer._path.getAttribute("tabindex") !== "0") event.preventDefault();
      });
      layer._path.addEventListener("keydown", function (event) {
        if (event.key !== "Enter" && event.key !== " ") return;
        if (layer._path.getAttribute("tabindex") !== "0") return;
        event.preventDefault();
        layer.fire("click", {latlng: layer.getBounds().getCenter(), originalEvent: event}, true);
      });
      if (lmap) regionFocus(lmap);
    });
  };

  // Inputs: the chosen regions, the colouring; states: every region's bounds. Highlights the
  // regions on every map and frames them on the main map (a recolouring moves nothing).
  map.frameRegions = function (regions, choropleth, bounds, nMaps, mainland, overseas) {
    var ctx = window.dash_clientside.callback_context;
    var initial = !ctx.triggered.length || ctx.triggered[0].prop_id === ".";
    map.mainland = mainland;
    regionLabels = (choropleth && choropleth.labels) || {};
    var out = Array(nMaps).fill({selected: regions || [], colors: (choropleth && choropleth.colors) || {}});
    Object.keys(maps).forEach(function (id) { regionFocus(maps[id]); });
    var recolour = !initial && ctx.triggered.every(function (t) { return t.prop_id === "choropleth.data"; });
    if (recolour) return out.concat([noUpdate()]);
    var lmap = maps.map;
    if (lmap) lmap.eachLayer(function (layer) { if (layer.closeTooltip) layer.closeTooltip(); });
    if (!(initial && ns.view.mapViewInUrl())) map.frame("map", target(regions, bounds, overseas), !initial);
    return out.concat([noUpdate()]);
  };

  map.historicLayer = function (phase, layer, spec, urls) {
    var historic = ns.view.use(spec).params.find(function (p) { return p.key === "layer"; }).requires.values;
    var isHistoric = historic.indexOf(phase) !== -1;
    var old = isHistoric && layer && layer.length;
    var box = document.querySelector(".map-area");
    if (box) box.classList.toggle("layer-2015", Boolean(old));
    return [!isHistoric, old ? urls.regions_2015 : urls.regions];
  };

  map.clickRegion = function () {
    var ctx = window.dash_clientside.callback_context;
    var current = ctx.states["region-filter.value"] || [];
    var layer = ctx.states["coverage-layer.value"];
    if (layer && layer.length) return noUpdate();  // a region of 2015: read, not chosen
    var hit = ctx.triggered.find(function (t) { return t.value && t.value.properties; });
    if (!hit) return noUpdate();
    var code = hit.value.properties.code;
    return current.length === 1 && current[0] === code ? noUpdate() : [code];
  };

  map.pickChoropleth = function (mode, perCapita, all) {
    var none = {colors: {}, labels: {}, legend: null};
    var data = mode && mode !== "none" ? all[mode + "|" + (perCapita && perCapita.length ? 1 : 0)] : none;
    if (!data || !data.legend) return [none, []];
    var el = ns.el;
    var items = data.legend.rows.map(function (row) {
      return el("Li", {children: [el("Span", {className: "swatch square", style: {background: row.color}}), row.text]});
    });
    var legend = [el("P", {children: el("Strong", {children: data.legend.title})}), el("Ul", {children: items})];
    if (data.legend.note) legend.push(el("P", {className: "legend-note", children: data.legend.note}));
    if (data.sample) legend.push(el("Span", {className: "badge sample", title: all.badge_title, children: all.badge}));
    return [data, legend];
  };

  // ---- filtering: the browser twin of query.filter_clusters, on the features loaded once ----
  function anyOf(wanted, values) {
    if (!wanted || wanted.length === 0) return true;
    for (var i = 0; i < values.length; i++) if (wanted.indexOf(values[i]) !== -1) return true;
    return false;
  }

  function countText(n, messages) {
    if (n === 0) return messages.count_zero;
    if (n === 1) return messages.count_one;
    return messages.count.replace("{n}", n.toLocaleString(messages.locale));
  }

  map.loadFeatures = function (url) {
    return fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); });
  };

  map.filterFeatures = function (themes, phase, regions, q, features, messages, bounds, spec, insetCodes) {
    if (!features) return Array(3 + 1 + insetCodes.length + 1).fill(noUpdate());
    var needle = ns.normalize(q);
    var phases = phase && phase !== ns.view.use(spec).all ? [Number(phase)] : [];
    var kept = (features.features || []).filter(function (f) {
      var p = f.properties;
      return anyOf(themes, p.themes) && anyOf(phases, p.phases) && anyOf(regions, p.region_codes) &&
        (!needle || p.search_key.indexOf(needle) !== -1);
    });
    var placed = {type: "FeatureCollection", features: kept.filter(function (f) { return f.geometry; })};
    return distribute(placed, bounds, insetCodes).concat([
      kept.map(function (f) { return f.properties; }),
      countText(kept.length, messages),
      kept.length !== 0,
    ]);
  };

  // Each inset only gets the seats inside its region: six maps do not each re-cluster all.
  function distribute(collection, bounds, insetCodes) {
    var out = [collection];
    insetCodes.forEach(function (code) {
      var b = bounds[code];
      out.push({type: "FeatureCollection", features: collection.features.filter(function (f) {
        var c = f.geometry.coordinates;
        return c[1] >= b[0][0] && c[1] <= b[1][0] && c[0] >= b[0][1] && c[0] <= b[1][1];
      })});
    });
    return out;
  }

  // ---- pôle seats ----
  // Enter or Space on a focused marker does what a click does (open the pôle, zoom into a group):
  // the click is fired through the GeoJSON layer, where dash-leaflet listens.
  function clickOnEnter(marker, before) {
    marker.on("add", function () {
      var el = marker.getElement();
      if (!el || el.dataset.keyboard) return;
      el.dataset.keyboard = "1";
      el.addEventListener("keydown", function (event) {
        if (event.key !== "Enter" && event.key !== " ") return;
        event.preventDefault();
        event.stopPropagation();
        if (before) before();
        marker.fire("click", {latlng: marker.getLatLng(), originalEvent: event}, true);
      });
    });
    return marker;
  }

  // A seat's name as read in tooltips and by screen readers, with how precisely it is placed.
  function seatText(p, hideout) {
    if (p.seat_precision === "region") return p.name + " — " + (hideout.seatRegion || "");
    if (p.seat_precision === "area" && p.seat_area) return p.name + " — " + p.seat_area;
    return p.name;
  }

  function seatColor(feature, context) {
    var colors = (context && context.hideout && context.hideout.colors) || {};
    var themes = feature.properties.themes || [];
    return colors[themes[0]] || "#555555";
  }

  function nameZoomButtons(lmap, hideout) {
    [["zoomIn", ".leaflet-control-zoom-in"], ["zoomOut", ".leaflet-control-zoom-out"]].forEach(function (pair) {
      var button = lmap.getContainer().querySelector(pair[1]);
      if (button && hideout[pair[0]] && button.title !== hideout[pair[0]]) {
        button.title = hideout[pair[0]];
        button.setAttribute("aria-label", hideout[pair[0]]);
      }
    });
  }

  function takesPendingFocus(lmap, ids) {
    if (!pendingFocus || !lmap || pendingFocus.mapId !== lmap.getContainer().id) return false;
    return ids.some(function (id) { return pendingFocus.ids.indexOf(id) !== -1; });
  }

  map.seatMarker = function (feature, latlng, context) {
    var p = feature.properties;
    var hideout = context.hideout || {};
    var dot = document.createElement("span");
    // A pôle placed in its region for want of a sourced seat is drawn apart: a dashed ring.
    dot.className = "seat-dot" + (p.seat_precision === "region" ? " region-placed" : "") +
      (hideout.selected === p.id ? " selected" : "");
    dot.style.background = seatColor(feature, context);
    var size = hideout.selected === p.id ? 26 : 16;
    var icon = L.divIcon({html: dot, className: "seat-icon", iconSize: [size, size]});
    var marker = L.marker(latlng, {icon: icon, keyboard: true, riseOnHover: true,
                                   zIndexOffset: hideout.selected === p.id ? 1000 : 0});
    marker.on("add", function () {
      var el = marker.getElement();
      var lmap = marker._map;
      if (lmap) {
        map.register(lmap);
        nameZoomButtons(lmap, hideout);
      }
      if (el) {
        el.setAttribute("aria-label", seatText(p, hideout));
        el.setAttribute("data-cluster-id", p.id);
        if (takesPendingFocus(lmap, [p.id])) {
          pendingFocus = null;
          el.focus();
        }
      }
      if (lmap && lmap.getZoom() >= (hideout.labelZoom || 10)) {
        marker.unbindTooltip();
        marker.bindTooltip(ns.textElement("span", p.name), {permanent: true, direction: "right",
                                                            offset: [8, 0], className: "seat-label"});
      }
    });
    return clickOnEnter(marker);
  };

  map.seatTooltip = function (feature, layer, context) {
    if (!feature.properties || feature.properties.cluster) return;
    var hideout = (context && context.hideout) || {};
    layer.bindTooltip(ns.textElement("span", seatText(feature.properties, hideout)), {direction: "top", offset: [0, -8]});
  };

  map.clusterIcon = function (feature, latlng, index) {
    var count = feature.properties.point_count;
    var size = count < 10 ? 30 : count < 50 ? 36 : 44;
    var icon = L.divIcon({html: ns.textElement("span", count), className: "cluster-icon",
                          iconSize: L.point(size, size)});
    var leaves = index.getLeaves(feature.properties.cluster_id, Infinity);
    var ids = leaves.map(function (leaf) { return leaf.properties.id; });
    var names = leaves.slice(0, 5).map(function (leaf) { return leaf.properties.name; });
    var colon = document.documentElement.lang === "en" ? ": " : " : ";
    var label = count + " pôles" + colon + names.join(", ") + (count > names.length ? "…" : "");
    var marker = L.marker(latlng, {icon: icon, keyboard: true});
    marker.on("add", function () {
      var el = marker.getElement();
      if (!el) return;
      el.setAttribute("aria-label", label);
      if (takesPendingFocus(marker._map, ids)) {
        pendingFocus = null;
        el.focus();
      }
    });
    marker.bindTooltip(ns.textElement("span", label), {direction: "top"});
    // Opened from the keyboard, the group zooms in and the focus goes to one of its pôles.
    return clickOnEnter(marker, function () {
      pendingFocus = marker._map ? {mapId: marker._map.getContainer().id, ids: ids} : null;
    });
  };

  // An opened pôle hidden inside a group (or off screen) is brought into view.
  map.revealSelected = function (selected, features, maxClusterZoom) {
    var lmap = maps.map;
    if (!selected || !lmap) return noUpdate();
    if (document.querySelector('#map [data-cluster-id="' + CSS.escape(selected) + '"]')) return noUpdate();
    var feature = (features.features || []).find(function (f) { return f.properties.id === selected; });
    if (!feature || !feature.geometry) return noUpdate();
    var c = feature.geometry.coordinates;
    delete frames.map;
    lmap.flyTo([c[1], c[0]], maxClusterZoom + 1);
    return noUpdate();
  };

  map.highlightSelected = function (selected, hideout, nMaps) {
    return Array(nMaps).fill(Object.assign({}, hideout, {selected: selected}));
  };

  // ---- the opened pôle's members ----
  // In the "footprint" pane (ui/map.py): above the regions, whichever was drawn first.
  map.memberPoint = function (feature, latlng) {
    return L.circleMarker(latlng, {radius: 4, weight: 1, color: "#000091", fillColor: "#6a6af4", fillOpacity: 0.7,
                                   pane: "footprint"});
  };
  map.memberTooltip = function (feature, layer) {
    var text = ns.textElement("span", feature.properties.name + " — " + feature.properties.commune_name);
    text.lang = "fr";  // data, in French whatever the page's language
    layer.bindTooltip(text);
  };
})(window.mapapp = window.mapapp || {});
