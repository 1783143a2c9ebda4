/* The browser side of the map, under one namespace, `window.mapapp`, one file per concern:
 *   mapapp.js          helpers every part uses (text-only DOM, normalisation, Dash elements);
 *   mapapp-view.js     the view: its parameters (sent once by the server), URL sync, links, reset;
 *   mapapp-map.js      the maps: framing, regions, seats, groups, members, keyboard;
 *   mapapp-panels.js   the pôle profile, the table, which pôle is open;
 *   mapapp-embed.js    the embed dialog and the embedded page;
 *   mapapp-a11y.js     repairs of Dash components' ARIA, tabs' arrow keys.
 * Each file adds to the namespace whatever the order they load in. Functions are referenced from
 * Python as {"variable": "mapapp.<name>"} or called by clientside callbacks. Names are never
 * inserted as HTML: tooltips, labels and icons are built from text nodes, so a pôle called
 * "<img onerror=…>" is shown, not run. */
(function (ns) {
  "use strict";

  ns.textElement = function (tag, text, className) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    el.textContent = text == null ? "" : String(text);
    return el;
  };

  // For text placed inside an HTML attribute or element of a snippet the reader copies.
  ns.escapeAttr = function (text) {
    return String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  };

  // Same normalisation as mapapp.data.query.normalize_text: case, accents, punctuation out.
  ns.normalize = function (text) {
    return String(text || "").normalize("NFKD").toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
  };

  // A Dash html component built in the browser (children are text or other elements).
  ns.el = function (type, props) {
    return {type: type, namespace: "dash_html_components", props: props || {}};
  };

  ns.noUpdate = function () {
    return window.dash_clientside.no_update;
  };
})(window.mapapp = window.mapapp || {});
