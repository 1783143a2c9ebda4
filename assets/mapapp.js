/* The map's browser-side functions, referenced from Python as {"variable": "mapapp.<name>"}
 * or called by clientside callbacks. Names are never inserted as HTML: tooltips, labels and
 * icons are built from text nodes, so a pôle called "<img onerror=…>" is shown, not run. */
window.mapapp = (function () {
  "use strict";

  function textElement(tag, text, className) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    el.textContent = text == null ? "" : String(text);
    return el;
  }

  // For text placed inside an HTML attribute or element of a snippet the reader copies.
  function escapeAttr(text) {
    return String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // Enter or Space on a focused marker does what a click does (open the pôle, zoom into a group):
  // the click is fired through the GeoJSON layer, where dash-leaflet listens.
  function clickOnEnter(marker) {
    marker.on("add", function () {
      var el = marker.getElement();
      if (!el || el.dataset.keyboard) return;
      el.dataset.keyboard = "1";
      el.addEventListener("keydown", function (event) {
        if (event.key !== "Enter" && event.key !== " ") return;
        event.preventDefault();
        event.stopPropagation();
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

  // Same normalisation as mapapp.data.query.normalize_text: case, accents, punctuation out.
  function normalize(text) {
    return String(text || "").normalize("NFKD").toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
  }

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

  function filterParams(themes, phase, regions, q) {
    var params = new URLSearchParams();
    (themes || []).forEach(function (t) { params.append("theme", t); });
    if (phase && phase !== "all") params.append("phase", phase);
    (regions || []).forEach(function (r) { params.append("region", r); });
    if (q && q.trim()) params.append("q", q.trim());
    return params;
  }

  var loadedScripts = {};
  var regionLabels = {};  // region code -> value text of the current colouring mode
  // The map view goes into the URL once the user has moved the map, or when it came from it.
  var viewInUrl = new URLSearchParams(window.location.search).has("zoom");
  ["wheel", "pointerdown", "keydown", "touchstart"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (event.target.closest && event.target.closest("#map")) viewInUrl = true;
    }, true);
  });

  return {
    // ---- filtering: the browser twin of query.filter_clusters, on the features loaded once ----
    loadFeatures: function (url) {
      return fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); });
    },
    filterFeatures: function (themes, phase, regions, q, features, messages, bounds, insetCodes) {
      if (!features) return Array(3 + 1 + insetCodes.length + 1).fill(window.dash_clientside.no_update);
      var needle = normalize(q);
      var phases = phase && phase !== "all" ? [Number(phase)] : [];
      var kept = (features.features || []).filter(function (f) {
        var p = f.properties;
        return anyOf(themes, p.themes) && anyOf(phases, p.phases) && anyOf(regions, p.region_codes) &&
          (!needle || p.search_key.indexOf(needle) !== -1);
      });
      var placed = {type: "FeatureCollection", features: kept.filter(function (f) { return f.geometry; })};
      return window.mapapp.distribute(placed, bounds, insetCodes).concat([
        kept.map(function (f) { return f.properties; }),
        countText(kept.length, messages),
        kept.length !== 0,
      ]);
    },

    // Each inset only gets the seats inside its region: six maps do not each re-cluster all.
    distribute: function (collection, bounds, insetCodes) {
      var out = [collection];
      insetCodes.forEach(function (code) {
        var b = bounds[code];
        out.push({type: "FeatureCollection", features: (collection ? collection.features : []).filter(function (f) {
          var c = f.geometry.coordinates;
          return c[1] >= b[0][0] && c[1] <= b[1][0] && c[0] >= b[0][1] && c[0] <= b[1][1];
        })});
      });
      return out;
    },

    resetFilters: function () {
      return [[], "all", [], ""];
    },

    // ---- regions ----
    regionStyle: function (feature, context) {
      var hideout = context.hideout || {};
      var selected = hideout.selected || [];
      var on = selected.indexOf(feature.properties.code) !== -1;
      var fill = (hideout.colors || {})[feature.properties.code];
      return {color: on ? "#000091" : "#6b7280", weight: on ? 3 : 1,
              fillColor: fill || (on ? "#e3e3fd" : "#ffffff"), fillOpacity: 1};
    },
    regionHover: function () {
      return {weight: 3, color: "#000091"};
    },
    regionTooltip: function (feature, layer) {
      // Evaluated when shown, so it carries the value of the current colouring mode.
      layer.bindTooltip(function () {
        var value = regionLabels[feature.properties.code];
        return textElement("span", feature.properties.name + (value ? " — " + value : ""));
      }, {sticky: true});
    },
    selectRegions: function (regions, choropleth, bounds, nMaps, mainland) {
      var ctx = window.dash_clientside.callback_context;
      var initial = !ctx.triggered.length || ctx.triggered[0].prop_id === ".";
      regionLabels = (choropleth && choropleth.labels) || {};
      var out = Array(nMaps).fill({selected: regions || [], colors: (choropleth && choropleth.colors) || {}});
      if (!initial && ctx.triggered.every(function (t) { return t.prop_id === "choropleth.data"; })) {
        out.push(window.dash_clientside.no_update);  // a recolouring does not move the map
        return out;
      }
      var one = regions && regions.length === 1 && bounds[regions[0]];
      if (initial && viewInUrl) {
        out.push(window.dash_clientside.no_update);  // the permalink's own view wins
      } else if (one) {
        // The first view is placed, not animated: nothing to watch, and the map is ready sooner.
        out.push({bounds: bounds[regions[0]], transition: initial ? "fitBounds" : "flyToBounds",
                  options: initial ? {animate: false} : undefined});
      } else if (initial) {
        out.push({bounds: mainland, transition: "fitBounds", options: {animate: false}});
      } else {
        out.push(window.dash_clientside.no_update);
      }
      return out;
    },

    pickChoropleth: function (mode, perCapita, all) {
      var none = {colors: {}, labels: {}, legend: null};
      var data = mode && mode !== "none" ? all[mode + "|" + (perCapita && perCapita.length ? 1 : 0)] : none;
      if (!data || !data.legend) return [none, []];
      function el(type, props) { return {type: type, namespace: "dash_html_components", props: props}; }
      var items = data.legend.rows.map(function (row) {
        return el("Li", {children: [el("Span", {className: "swatch square", style: {background: row.color}}), row.text]});
      });
      var legend = [el("P", {children: el("Strong", {children: data.legend.title})}), el("Ul", {children: items})];
      if (data.legend.note) legend.push(el("P", {className: "legend-note", children: data.legend.note}));
      if (data.sample) legend.push(el("Span", {className: "badge sample", title: all.badge_title, children: all.badge}));
      return [data, legend];
    },
    historicLayer: function (phase, layer, historic, urls) {
      var isHistoric = historic.indexOf(Number(phase)) !== -1;
      var old = isHistoric && layer && layer.length;
      return [!isHistoric, old ? urls.regions_2015 : urls.regions];
    },
    clickRegion: function () {
      var ctx = window.dash_clientside.callback_context;
      var current = ctx.states["region-filter.value"] || [];
      var layer = ctx.states["coverage-layer.value"];
      if (layer && layer.length) return window.dash_clientside.no_update;  // a region of 2015: no filter
      var hit = ctx.triggered.find(function (t) { return t.value && t.value.properties; });
      if (!hit) return window.dash_clientside.no_update;
      var code = hit.value.properties.code;
      return current.length === 1 && current[0] === code ? window.dash_clientside.no_update : [code];
    },

    // ---- pôle seats ----
    seatMarker: function (feature, latlng, context) {
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
        if (el) {
          el.setAttribute("aria-label", seatText(p, hideout));
          el.setAttribute("data-cluster-id", p.id);
        }
        var map = marker._map;
        if (map && map.getZoom() >= (hideout.labelZoom || 10)) {
          marker.unbindTooltip();
          marker.bindTooltip(textElement("span", p.name), {permanent: true, direction: "right",
                                                            offset: [8, 0], className: "seat-label"});
        }
      });
      return clickOnEnter(marker);
    },
    seatTooltip: function (feature, layer, context) {
      if (!feature.properties || feature.properties.cluster) return;
      var hideout = (context && context.hideout) || {};
      layer.bindTooltip(textElement("span", seatText(feature.properties, hideout)), {direction: "top", offset: [0, -8]});
    },
    clusterIcon: function (feature, latlng, index) {
      var count = feature.properties.point_count;
      var size = count < 10 ? 30 : count < 50 ? 36 : 44;
      var icon = L.divIcon({html: textElement("span", count), className: "cluster-icon",
                            iconSize: L.point(size, size)});
      var names = index.getLeaves(feature.properties.cluster_id, 5).map(function (leaf) {
        return leaf.properties.name;
      });
      var colon = document.documentElement.lang === "en" ? ": " : " : ";
      var label = count + " pôles" + colon + names.join(", ") + (count > names.length ? "…" : "");
      var marker = L.marker(latlng, {icon: icon, keyboard: true});
      marker.on("add", function () {
        var el = marker.getElement();
        if (el) el.setAttribute("aria-label", label);
      });
      marker.bindTooltip(textElement("span", label), {direction: "top"});
      return clickOnEnter(marker);
    },
    // An opened pôle hidden inside a cluster (or off screen) is brought into view.
    revealSelected: function (selected, features, maxClusterZoom) {
      if (!selected) return window.dash_clientside.no_update;
      var shown = document.querySelector('#map [data-cluster-id="' + CSS.escape(selected) + '"]');
      if (shown) return window.dash_clientside.no_update;
      var feature = (features.features || []).find(function (f) { return f.properties.id === selected; });
      if (!feature || !feature.geometry) return window.dash_clientside.no_update;
      var c = feature.geometry.coordinates;
      return {center: [c[1], c[0]], zoom: maxClusterZoom + 1, transition: "flyTo"};
    },
    highlightSelected: function (selected, hideout, nMaps) {
      return Array(nMaps).fill(Object.assign({}, hideout, {selected: selected}));
    },

    // ---- the opened pôle's members ----
    memberPoint: function (feature, latlng) {
      return L.circleMarker(latlng, {radius: 4, weight: 1, color: "#000091", fillColor: "#6a6af4",
                                     fillOpacity: 0.7});
    },
    selectTab: function () {
      var keys = arguments[arguments.length - 1];
      var trigger = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
      var chosen = trigger.split(".")[0].replace("tab-", "");
      var hidden = keys.map(function (k) { return k !== chosen; });
      var selected = keys.map(function (k) { return k === chosen ? "true" : "false"; });
      var tabIndex = keys.map(function (k) { return k === chosen ? "0" : "-1"; });
      var button = document.getElementById("tab-" + chosen);
      if (button) button.focus();
      return hidden.concat(selected, tabIndex);
    },
    renderMembers: function (text, members, shown) {
      var needle = normalize(text);
      var hits = (members || []).filter(function (m) {
        return !needle || normalize(m.name + " " + m.commune_name).indexOf(needle) !== -1;
      });
      var items = hits.slice(0, shown).map(function (m) {
        return {type: "Li", namespace: "dash_html_components", props: {children: m.name + " — " + m.commune_name}};
      });
      if (hits.length > shown) {
        items.push({type: "Li", namespace: "dash_html_components", props: {children: "… +" + (hits.length - shown)}});
      }
      return items;
    },
    memberTooltip: function (feature, layer) {
      var text = textElement("span", feature.properties.name + " — " + feature.properties.commune_name);
      text.lang = "fr";  // data, in French whatever the page's language
      layer.bindTooltip(text);
    },

    // ---- which pôle is open: marker, table row, search (Enter or single hit), URL, close ----
    selectCluster: function () {
      // Inputs: one clickData per map, search.n_submit, profile-close.n_clicks, filtered-rows.data;
      // State: search.value.
      var ctx = window.dash_clientside.callback_context;
      var rows = ctx.inputs["filtered-rows.data"] || [];
      var q = ctx.states["search.value"];
      var clicked = null;
      var trigger = "";
      ctx.triggered.forEach(function (t) {
        trigger = trigger || t.prop_id;
        if (/clusters\.clickData$/.test(t.prop_id) && t.value && t.value.properties &&
            !t.value.properties.cluster) clicked = t.value.properties.id;
      });
      if (clicked) return clicked;
      if (trigger === "profile-close.n_clicks") return null;
      if (trigger === "search.n_submit" && rows.length) return rows[0].id;
      // Typing a search that leaves a single pôle opens it.
      if (trigger === "filtered-rows.data" && q && q.trim() && rows.length === 1) return rows[0].id;
      return window.dash_clientside.no_update;
    },
    selectRow: function (cell) {
      return cell && cell.rowId ? cell.rowId : window.dash_clientside.no_update;
    },

    // ---- URL: every state change is a permalink; back/forward restore it ----
    syncUrl: function (themes, phase, regions, q, selected, center, zoom, mode, perCapita, layer, lang,
                       defaultPhase) {
      var params = filterParams(themes, phase === defaultPhase ? null : phase, regions, q);
      if (phase === "all") params.set("phase", "all");
      if (mode && mode !== "none") params.set("mode", mode);
      if (perCapita && perCapita.length) params.set("per", "100k");
      if (layer && layer.length && ["1", "2", "3"].indexOf(phase) !== -1) params.set("layer", "regions_2015");
      if (selected) params.set("cluster", selected);
      if (lang && lang !== "fr") params.set("lang", lang);
      var view = new URLSearchParams(params);
      if (viewInUrl && center && zoom !== undefined && zoom !== null) {
        // dash-leaflet reports [lat, lon] or, once Leaflet has moved the map, {lat, lng}.
        var lat = Array.isArray(center) ? center[0] : center.lat;
        var lon = Array.isArray(center) ? center[1] : center.lng;
        view.set("lat", Number(lat).toFixed(4));
        view.set("lon", Number(lon).toFixed(4));
        view.set("zoom", String(Math.round(zoom * 4) / 4));
      }
      var target = "?" + view.toString();
      if (target !== window.location.search) {
        var previous = new URLSearchParams(window.location.search);
        ["lat", "lon", "zoom"].forEach(function (k) { previous.delete(k); });
        var stateChanged = previous.toString() !== params.toString();
        // A new filter or pôle is a new history entry; panning the map only replaces it.
        if (stateChanged) window.history.pushState(null, "", target);
        else window.history.replaceState(null, "", target);
      }
      var api = filterParams(themes, phase, regions, q).toString();
      var other = new URLSearchParams(view);
      if (lang === "en") other.delete("lang"); else other.set("lang", "en");
      return [
        "/api/clusters.csv?" + api,
        "/api/clusters.csv?" + (api ? api + "&" : "") + "sep=%3B",
        "/api/clusters.geojson?" + api,
        window.location.pathname + "?" + other.toString(),
        "/api/regions.csv?" + filterParams(themes, phase, [], q).toString() + "&sep=%3B" +
          (layer && layer.length && ["1", "2", "3"].indexOf(phase) !== -1 ? "&layer=regions_2015" : ""),
        "/?" + view.toString(),
      ];
    },

    // ---- the table's component library is fetched only when the table is first opened ----
    loadScript: function (url) {
      if (!loadedScripts[url]) {
        loadedScripts[url] = new Promise(function (resolve, reject) {
          var s = document.createElement("script");
          s.src = url;
          s.onload = function () { resolve(true); };
          s.onerror = function () { reject(new Error("could not load " + url)); };
          document.head.appendChild(s);
        });
      }
      return loadedScripts[url];
    },
    openTable: function (nClicks, url, isOpen) {
      if (!nClicks) return window.dash_clientside.no_update;
      return window.mapapp.loadScript(url).then(function () { return !isOpen; });
    },

    // The embed dialog: the snippet for the page's current view (its URL, kept by syncUrl).
    embedSnippet: function (nOpen, title, width, height, lang, hide, messages) {
      var dialog = document.getElementById("embed-dialog");
      var ctx = window.dash_clientside.callback_context;
      if (ctx.triggered.length && ctx.triggered[0].prop_id === "embed-open.n_clicks" && !dialog.open) {
        dialog.showModal();
      }
      var params = new URLSearchParams(window.location.search);
      params.delete("lang");
      params.delete("hide");
      if (lang && lang !== "fr") params.set("lang", lang);
      if (hide && hide.indexOf("filters") !== -1) params.set("hide", "filters");
      var base = window.location.origin + window.location.pathname.replace(/\/(embed\/?)?$/, "");
      var query = params.toString();
      var src = base + "/embed" + (query ? "?" + query : "");
      var clamp = function (value, range) {
        var n = Math.round(Number(value));
        return value === null || value === "" || !isFinite(n) ? null : Math.min(range[1], Math.max(range[0], n));
      };
      var w = clamp(width, messages.widthRange);
      var h = clamp(height, messages.heightRange) || messages.heightRange[0];
      var name = String(title || "").trim() || document.title;
      var snippet = [
        '<figure role="group" class="fr-content-media">',
        '  <iframe src="' + escapeAttr(src) + '" title="' + escapeAttr(name) + '"',
        '          width="' + (w || "100%") + '" height="' + h + '" style="border:0;max-width:100%" loading="lazy"',
        '          data-mapapp></iframe>',
        '  <figcaption class="fr-content-media__caption">' + escapeAttr(name) + "</figcaption>",
        "</figure>",
        '<script src="' + escapeAttr(base + messages.script) + '" async></script>',
      ].join("\n");
      var style = {width: w ? w + "px" : "100%", height: h + "px"};
      return [snippet, src, name, style];
    },

    copySnippet: function (nClicks, messages) {
      var area = document.getElementById("embed-code");
      var done = function () { return messages.embed_copied; };
      var fallback = function () {
        area.select();
        try {
          return document.execCommand("copy") ? messages.embed_copied : messages.embed_copy_failed;
        } catch (e) {
          return messages.embed_copy_failed;
        }
      };
      if (navigator.clipboard && window.isSecureContext) {
        return navigator.clipboard.writeText(area.value).then(done, fallback);
      }
      return fallback();
    },

    normalize: normalize,
  };
})();

// Tabs: arrow keys move between the tabs of a tablist (WAI-ARIA tabs pattern).
document.addEventListener("keydown", function (event) {
  var tab = event.target.closest && event.target.closest('[role="tab"]');
  if (!tab || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) return;
  var tabs = Array.from(tab.parentElement.querySelectorAll('[role="tab"]'));
  var next = tabs[(tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
  next.click();
  event.preventDefault();
});

// The pôle profile: Escape closes it, and closing gives the focus back to the pôle's marker
// (or to the map) instead of losing it with the panel.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape" || !event.target.closest || !event.target.closest("#profile-panel")) return;
  var close = document.getElementById("profile-close");
  if (close) close.click();
});
document.addEventListener("click", function (event) {
  if (!event.target.closest || !event.target.closest("#profile-close")) return;
  var id = new URLSearchParams(window.location.search).get("cluster");
  // The markers are redrawn once the selection is cleared: the focus is put back on the pôle's
  // marker whenever it has fallen to the page's body meanwhile (never taken from elsewhere).
  [50, 300, 900].forEach(function (delay) {
    setTimeout(function () {
      var active = document.activeElement;
      if (active && active !== document.body && active.id !== "profile-close") return;
      var marker = id && document.querySelector('#map [data-cluster-id="' + CSS.escape(id) + '"]');
      (marker || document.getElementById("map")).focus();
    }, delay);
  });
});

// Embedded in another site's page: tell the host page our height (see assets/embed-host.js).
// Dash renders after the load event and panels open later, so the height is watched.
if (window.parent !== window) {
  var postedHeight = 0;
  setInterval(function () {
    var page = document.querySelector(".page");
    var height = page ? Math.ceil(page.getBoundingClientRect().height) : 0;
    if (height && height !== postedHeight) {
      postedHeight = height;
      window.parent.postMessage({type: "mapapp:height", height: height}, "*");
    }
  }, 300);
}

// Back and forward: the server renders the page for the URL it lands on.
window.addEventListener("popstate", function () { window.location.reload(); });

// Dash 4's Checklist and RadioItems render native checkboxes and radios inside labels given
// role="option" in a role="listbox": screen readers then hear an unnamed listbox of options
// holding nested controls. Its Dropdown is reached through an aria-hidden focus proxy. Both are
// repaired here, as the components render and re-render: the lists become plain groups of
// native controls (named by their fieldset's legend), the dropdown's own button takes the focus
// and is named by its <label> too.
(function () {
  function labelOf(control) {
    return control && control.id ? document.querySelector('label[for="' + CSS.escape(control.id) + '"]') : null;
  }
  function repair(root) {
    root.querySelectorAll('.dash-options-list[role="listbox"]').forEach(function (list) {
      list.setAttribute("role", "group");
      var legend = list.closest("fieldset") && list.closest("fieldset").querySelector("legend");
      if (legend) {
        legend.id = legend.id || list.id + "-legend";
        list.setAttribute("aria-labelledby", legend.id);
      }
    });
    root.querySelectorAll('.dash-options-list-option[role="option"], .dash-options-list-option[aria-selected]')
      .forEach(function (option) {
        option.removeAttribute("role");
        option.removeAttribute("aria-selected");
      });
    root.querySelectorAll(".dash-dropdown-focus-target").forEach(function (proxy) {
      if (proxy.tabIndex !== -1) proxy.tabIndex = -1;
      var button = proxy.nextElementSibling;
      if (!button || !button.classList.contains("dash-dropdown")) return;
      if (button.tabIndex !== 0) button.tabIndex = 0;
      // Named by its label then the values it shows (Dash names it by an "n selected" count,
      // hidden here as the values are all shown). The clear cross cannot take the focus
      // (Delete clears): it is left to the eyes.
      var clear = button.querySelector(".dash-dropdown-clear");
      if (clear && clear.getAttribute("aria-hidden") !== "true") clear.setAttribute("aria-hidden", "true");
      var label = labelOf(button);
      if (!label) return;
      var shown = Array.from(button.querySelectorAll(".dash-dropdown-value-item, .dash-dropdown-placeholder"))
        .map(function (el) { return el.textContent; });
      var name = label.textContent + " : " + shown.map(function (text) { return text.trim(); }).join(", ");
      if (button.getAttribute("aria-label") !== name) button.setAttribute("aria-label", name);
      if (button.hasAttribute("aria-labelledby")) button.removeAttribute("aria-labelledby");
    });
    // The dropdown's popover is a dialog (holding a search box and the options): name it after
    // the dropdown, and say so on the button.
    root.querySelectorAll('.dash-dropdown-content[role="dialog"]').forEach(function (popover) {
      var trigger = popover.id && document.querySelector('[aria-controls="' + CSS.escape(popover.id) + '"]');
      var label = labelOf(trigger);
      if (label && popover.getAttribute("aria-label") !== label.textContent) {
        popover.setAttribute("aria-label", label.textContent);
      }
      if (trigger && trigger.getAttribute("aria-haspopup") !== "dialog") trigger.setAttribute("aria-haspopup", "dialog");
    });
    // AG Grid makes its scrolling viewports focusable (tabindex=-1) while calling them
    // presentational, which hides the grid's rows from the grid role: they are not focus stops.
    root.querySelectorAll('.ag-root [role="presentation"][tabindex]').forEach(function (el) {
      el.removeAttribute("tabindex");
    });
  }
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    // Once per frame, before paint: a re-render is repaired before anyone can see or hear it.
    window.requestAnimationFrame(function () { pending = false; repair(document); });
  }).observe(document.documentElement, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["role", "aria-selected", "tabindex", "aria-labelledby", "aria-hidden", "aria-haspopup"],
  });
})();
