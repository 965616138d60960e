// Suggestions under the header's search box, as the visitor types.
//
// The box stays a plain GET form to /search/ (it works without this file).
// This adds the ARIA combobox pattern: the server renders the suggestions
// (/search/suggest/?q=, an HTML fragment of our own, escaped by Django);
// Arrow keys move through them, Enter opens the one highlighted (or submits
// the form when none is), Escape closes the list.
(function () {
  "use strict";

  var DELAY_MS = 150; // wait for a pause in typing: one request per pause, not per key

  function init(form) {
    var input = form.querySelector('input[name="q"]');
    var panel = form.querySelector(".search-box-suggestions");
    if (!input || !panel || !window.fetch || !window.AbortController) return;

    var timer = null;
    var pending = null;
    var shownFor = null;
    var active = -1;

    function options() {
      return Array.prototype.slice.call(panel.querySelectorAll('[role="option"]'));
    }

    function setActive(index) {
      var items = options();
      active = index;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0 && items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      panel.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function open() {
      if (!panel.firstElementChild) return;
      panel.hidden = false;
      var listbox = panel.querySelector('[role="listbox"]');
      if (listbox) {
        listbox.id = panel.id + "-list";
        input.setAttribute("aria-controls", listbox.id);
      }
      input.setAttribute("aria-expanded", listbox ? "true" : "false");
    }

    function show(html, query) {
      var template = document.createElement("template");
      template.innerHTML = html;
      panel.replaceChildren(template.content);
      shownFor = query;
      active = -1;
      if (panel.firstElementChild && document.activeElement === input) open();
      else close();
    }

    function load() {
      var query = input.value.trim();
      if (query === shownFor) return;
      if (pending) pending.abort();
      if (!query) {
        panel.replaceChildren();
        shownFor = query;
        close();
        return;
      }
      pending = new AbortController();
      fetch("/search/suggest/?q=" + encodeURIComponent(query), {
        signal: pending.signal,
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      })
        .then(function (response) {
          // A 400 (too long) also answers with a fragment: the message to show.
          return response.text();
        })
        .then(function (html) {
          if (input.value.trim() === query) show(html, query);
        })
        .catch(function () {
          // Aborted by newer typing, or offline: the form still searches on Enter.
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(load, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      var items = options();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!items.length) return;
        event.preventDefault();
        if (panel.hidden) open();
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = active + step;
        if (next >= items.length) next = 0;
        if (next < 0) next = items.length - 1;
        setActive(next);
      } else if (event.key === "Enter") {
        var link = !panel.hidden && active >= 0 && items[active] && items[active].querySelector("a");
        if (link) {
          event.preventDefault();
          window.location.assign(link.href);
        }
      } else if (event.key === "Escape") {
        if (!panel.hidden) {
          event.preventDefault();
          close();
        }
      }
    });

    input.addEventListener("focus", function () {
      if (input.value.trim() && input.value.trim() === shownFor) open();
    });

    // A click on a suggestion must not blur the input first (the list would close under the pointer).
    panel.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });

    panel.addEventListener("mousemove", function (event) {
      var option = event.target.closest && event.target.closest('[role="option"]');
      if (option) setActive(options().indexOf(option));
    });

    input.addEventListener("blur", close);
  }

  document.querySelectorAll("[data-search-box]").forEach(init);
})();
