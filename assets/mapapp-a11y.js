/* Accessibility repairs of components we do not write, and keyboard patterns of our own. */

// Tabs: arrow keys move between the tabs of a tablist (WAI-ARIA tabs pattern).
document.addEventListener("keydown", function (event) {
  var tab = event.target.closest && event.target.closest('[role="tab"]');
  if (!tab || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) return;
  var tabs = Array.from(tab.parentElement.querySelectorAll('[role="tab"]'));
  var next = tabs[(tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
  next.click();
  event.preventDefault();
});

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
