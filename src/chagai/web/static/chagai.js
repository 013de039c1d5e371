// chagai pages: draw the charts the server embeds, and swap server-rendered fragments in place.
// Everything works without this file: forms submit normally and the server renders whole pages.
(function () {
  "use strict";

  var FRAGMENT_HEADER = "X-Chagai-Fragment";

  var NARROW = 640;

  // On a phone the chart's title goes above the plot as text, and the map's labels give way to taps.
  function narrow(el, figure) {
    var layout = figure.layout || {};
    var title = layout.title && (typeof layout.title === "string" ? layout.title : layout.title.text);
    if (title) {
      var heading = document.createElement("p");
      heading.className = "chart-title";
      heading.textContent = String(title).replace(/<br>/g, " ");
      el.parentNode.insertBefore(heading, el);
      layout.title = { text: "" };
      layout.margin = Object.assign({}, layout.margin || {}, { t: 20, l: 55, r: 15 });
    }
    if (el.id === "chart-map") {
      figure.data.forEach(function (trace) {
        trace.mode = "markers";
      });
    }
    figure.layout = layout;
  }

  function draw(root) {
    if (!window.Plotly) {
      return;
    }
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      if (el.dataset.drawn) {
        return;
      }
      var figure = JSON.parse(el.dataset.figure);
      el.dataset.drawn = "1";
      if (window.innerWidth < NARROW) {
        narrow(el, figure);
      }
      window.Plotly.newPlot(el, figure.data, figure.layout, { responsive: true, displaylogo: false });
      if (el.id === "chart-map") {
        el.on("plotly_click", function (event) {
          var id = event.points && event.points[0] && event.points[0].customdata;
          if (id) {
            window.location.href = "/projects/" + encodeURIComponent(id);
          }
        });
      }
    });
  }

  function purge(root) {
    if (!window.Plotly) {
      return;
    }
    root.querySelectorAll(".js-plotly-plot").forEach(function (el) {
      window.Plotly.purge(el);
    });
  }

  function target(form) {
    var url = new URL(form.getAttribute("action") || window.location.pathname, window.location.href);
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (typeof value === "string" && value.trim() !== "") {
        params.append(key, value);
      }
    });
    url.search = params.toString();
    return url;
  }

  function enhance(form) {
    var id = form.dataset.fragment;
    form.addEventListener("submit", function (event) {
      var current = document.getElementById(id);
      if (!current || !window.fetch || !window.DOMParser) {
        return;
      }
      event.preventDefault();
      var url = target(form);
      var headers = {};
      headers[FRAGMENT_HEADER] = id;
      form.classList.add("loading");
      current.setAttribute("aria-busy", "true");
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
      }
      fetch(url.toString(), { headers: headers, credentials: "same-origin" })
        .then(function (response) {
          return response.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
          if (!fresh) {
            throw new Error("the server sent no #" + id);
          }
          purge(current);
          current.replaceWith(fresh);
          draw(fresh);
          window.history.replaceState(null, "", url.pathname + url.search);
          form.dispatchEvent(new CustomEvent("chagai:swapped", { bubbles: true }));
        })
        .catch(function () {
          // the page still works: fall back to an ordinary request
          form.submit();
        })
        .finally(function () {
          form.classList.remove("loading");
          var now = document.getElementById(id);
          if (now) {
            now.removeAttribute("aria-busy");
          }
          if (button) {
            button.disabled = false;
          }
        });
    });
  }

  function start() {
    draw(document);
    document.querySelectorAll("form[data-fragment]").forEach(enhance);
  }

  // deferred scripts (plotly among them) have all run when DOMContentLoaded fires
  if (document.readyState === "complete") {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }

  window.chagai = { draw: draw, purge: purge };
})();
